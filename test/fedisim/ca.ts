/**
 * The simulator's throwaway certificate authorities and the TLS contexts it
 * serves by SNI. Certificates are issued on first use and cached.
 *
 * A TLS context costs about 40 KiB of native memory that V8 does not see, so
 * a context per domain behind an evicting cache grows until a major GC
 * (measured: 10,000 domains visited twice took the simulator from 360 to 710
 * MiB). Each certificate therefore names a group of up to 4 domains
 * (`CertificateGroup`), as a certificate for a name or two (Let's Encrypt)
 * does: every domain still gets a certificate valid for its own name by SNI,
 * and 10,000 domains need about 2,500 contexts, all kept. Groups of 100, as
 * before, cost the crawler 0.15-0.2 ms a domain more (Node's name check turns
 * every name into JS) that real servers do not charge, for a simulator peak
 * about as high (bench/fedisim.ts: 295 MiB with 100, 310 with 4).
 */
import { createSecureContext, type SecureContext } from "node:tls";
import type { TlsMode } from "./spec.ts";
import { daysFromNow, ISSUED_DAYS_AGO, type Issuer, issueCertificate, newCertificateAuthority, newKeyPair, privateKeyPem } from "./x509.ts";

/** Domains that share one certificate; `id` is stable for the simulator's lifetime. */
export interface CertificateGroup {
  readonly id: string;
  readonly names: readonly string[];
}

/** Groups the domains of each TLS mode into certificates of up to `size` names. */
export function certificateGroups(domains: Iterable<{ ascii: string; tls: TlsMode }>, size = 4): Map<string, CertificateGroup> {
  const byMode = new Map<TlsMode, string[]>();
  for (const d of domains) {
    const list = byMode.get(d.tls);
    if (list === undefined) byMode.set(d.tls, [d.ascii]);
    else list.push(d.ascii);
  }
  const groups = new Map<string, CertificateGroup>();
  for (const [mode, names] of byMode) {
    for (let start = 0; start < names.length; start += size) {
      const group = { id: `${mode}-${start / size}`, names: names.slice(start, start + size) };
      for (const name of group.names) groups.set(name, group);
    }
  }
  return groups;
}

export class CertificateAuthorities {
  /** Trusted by the crawler (written to ca.pem). */
  readonly trusted: Issuer = newCertificateAuthority("fedisim root CA");
  /** Signs the "untrusted CA" domains; never given to the crawler. */
  readonly rogue: Issuer = newCertificateAuthority("fedisim rogue CA");
  /** One key for every leaf: only signing is per domain, and it is fast. */
  private readonly leafKey = newKeyPair();
  private readonly leafKeyPem = privateKeyPem(this.leafKey.privateKey);
  private readonly contexts = new Map<string, SecureContext>();
  private readonly capacity: number;
  issued = 0;

  constructor(options: { capacity?: number } = {}) {
    this.capacity = options.capacity ?? 4096;
  }

  /** The TLS context for a group of domains (A-labels) in the given mode; `stall` is the server's business. */
  context(group: CertificateGroup, mode: Exclude<TlsMode, "stall">): SecureContext {
    const key = `${mode} ${group.id}`;
    const cached = this.contexts.get(key);
    if (cached !== undefined) {
      this.contexts.delete(key); // re-insert: Map order is our recency order
      this.contexts.set(key, cached);
      return cached;
    }
    const context = this.issue(group.names, mode);
    this.contexts.set(key, context);
    if (this.contexts.size > this.capacity) this.contexts.delete(this.contexts.keys().next().value!);
    return context;
  }

  /** A context for connections without a known name. */
  fallback(): SecureContext {
    return this.context({ id: "fallback", names: ["fedisim.invalid"] }, "ok");
  }

  get cached(): number {
    return this.contexts.size;
  }

  private issue(names: readonly string[], mode: Exclude<TlsMode, "stall">): SecureContext {
    this.issued++;
    const issuer = mode === "untrusted" ? this.rogue : this.trusted;
    const dnsNames = mode === "wrong-host" ? names.map((name) => `other-host.${name}.invalid`) : names;
    const validity = mode === "expired" ? { notBefore: new Date("2020-01-01T00:00:00Z"), notAfter: new Date("2021-01-01T00:00:00Z") } : { notBefore: daysFromNow(-ISSUED_DAYS_AGO), notAfter: daysFromNow(90) };
    const cert = issueCertificate({ commonName: dnsNames[0]!, dnsNames, publicKey: this.leafKey.publicKey, isCa: false, ...validity }, issuer);
    return createSecureContext({ key: this.leafKeyPem, cert: cert + issuer.certPem });
  }

  /** Key and certificate for a server that does not use SNI contexts (the TLS 1.0 server). */
  staticCertificate(servername: string): { key: string; cert: string } {
    const cert = issueCertificate({ commonName: servername, dnsNames: [servername], publicKey: this.leafKey.publicKey, isCa: false, notBefore: daysFromNow(-ISSUED_DAYS_AGO), notAfter: daysFromNow(90) }, this.trusted);
    return { key: this.leafKeyPem, cert };
  }
}
