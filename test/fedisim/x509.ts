/**
 * Just enough X.509 to run a throwaway CA: DER encoding of certificates
 * signed with ECDSA P-256, using node:crypto for keys and signatures. Node
 * can parse and verify certificates but not make them; generating them here
 * keeps fedisim free of openssl processes and fast enough to issue a
 * certificate on demand for any of 100,000 domains.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

// --- DER ---------------------------------------------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const sequence = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);
const explicit = (n: number, item: Buffer) => tlv(0xa0 + n, item);
const octets = (bytes: Buffer) => tlv(0x04, bytes);
const bits = (bytes: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), bytes);
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, "utf8"));
const boolean = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));

function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  // A set top bit would read as negative.
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, "").slice(0, 14); // YYYYMMDDHHMMSS
  // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  subjectAltName: "2.5.29.17",
  subjectKeyId: "2.5.29.14",
  authorityKeyId: "2.5.29.35",
};

const name = (commonName: string) =>
  sequence(set(sequence(oid(OID.organization), utf8("fedisim"))), set(sequence(oid(OID.commonName), utf8(commonName))));

const extension = (id: string, critical: boolean, value: Buffer) =>
  sequence(oid(id), ...(critical ? [boolean(true)] : []), octets(value));

/** SHA-1 of the public key bits, the usual key identifier (RFC 5280 §4.2.1.2). */
function keyId(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: "spki", format: "der" });
  // The key bits are the last 65 bytes of a P-256 SPKI (uncompressed point).
  return createHash("sha1").update(spki.subarray(spki.length - 65)).digest();
}

// --- certificates ------------------------------------------------------------------

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export interface Issuer extends KeyPair {
  readonly commonName: string;
  readonly certPem: string;
}

export function newKeyPair(): KeyPair {
  return generateKeyPairSync("ec", { namedCurve: "P-256" });
}

export interface CertificateRequest {
  readonly commonName: string;
  /** DNS names (A-labels) for subjectAltName; empty for a CA. */
  readonly dnsNames: readonly string[];
  readonly publicKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCa: boolean;
}

/** Signs a certificate with `issuer` (or self-signs when issuer is undefined, for a root CA). */
export function issueCertificate(request: CertificateRequest, issuer: { commonName: string; privateKey: KeyObject; publicKey: KeyObject }): string {
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const extensions = [
    extension(OID.basicConstraints, true, request.isCa ? sequence(boolean(true)) : sequence()),
    // CA: keyCertSign + cRLSign (bits 5, 6); leaf: digitalSignature (bit 0).
    extension(OID.keyUsage, true, request.isCa ? bits(Buffer.from([0x06]), 1) : bits(Buffer.from([0x80]), 7)),
    extension(OID.subjectKeyId, false, octets(keyId(request.publicKey))),
    extension(OID.authorityKeyId, false, sequence(tlv(0x80, keyId(issuer.publicKey)))),
  ];
  if (!request.isCa) {
    extensions.push(extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))));
    extensions.push(extension(OID.subjectAltName, false, sequence(...request.dnsNames.map((dns) => tlv(0x82, Buffer.from(dns, "ascii"))))));
  }
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    algorithm,
    name(issuer.commonName),
    sequence(time(request.notBefore), time(request.notAfter)),
    name(request.commonName),
    request.publicKey.export({ type: "spki", format: "der" }),
    explicit(3, sequence(...extensions)),
  );
  const signature = sign("sha256", tbs, issuer.privateKey); // DER-encoded ECDSA signature
  return toPem(sequence(tbs, algorithm, bits(signature)));
}

/**
 * How long before today the simulator's certificates became valid: long enough for a crawler
 * whose clock is set months back (the patch velocity test's simulated days).
 */
export const ISSUED_DAYS_AGO = 365;

export function newCertificateAuthority(commonName: string, validity = { notBefore: daysFromNow(-ISSUED_DAYS_AGO), notAfter: daysFromNow(3650) }): Issuer {
  const keys = newKeyPair();
  const certPem = issueCertificate({ commonName, dnsNames: [], publicKey: keys.publicKey, isCa: true, ...validity }, { commonName, ...keys });
  return { commonName, certPem, ...keys };
}

export function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * 86_400_000);
}

function toPem(der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: "pkcs8", format: "pem" }).toString();
}

