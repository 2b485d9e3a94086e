/**
 * The server-name check on the leaf alone against Node's own on the whole chain, over real TLS
 * handshakes on loopback: for every certificate and host below both must agree, and the answer
 * must be the expected one.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { connect, createSecureContext, createServer, type SecureContext, type Server, type TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkNameOnLeaf } from "../../src/net/server-name.ts";
import { daysFromNow, issueCertificate, newCertificateAuthority, newKeyPair, privateKeyPem } from "../fedisim/x509.ts";

const ca = newCertificateAuthority("server-name test CA");
const key = newKeyPair();

function contextFor(commonName: string, dnsNames: readonly string[]): SecureContext {
  const cert = issueCertificate({ commonName, dnsNames, publicKey: key.publicKey, notBefore: daysFromNow(-1), notAfter: daysFromNow(30), isCa: false }, ca);
  return createSecureContext({ cert, key: privateKeyPem(key.privateKey) });
}

let server: Server;
let port: number;
let serving: SecureContext;

beforeAll(async () => {
  // Without SNI (a host that is an address) the server answers with a certificate for fallback.test.
  const fallback = issueCertificate({ commonName: "fallback.test", dnsNames: ["fallback.test"], publicKey: key.publicKey, notBefore: daysFromNow(-1), notAfter: daysFromNow(30), isCa: false }, ca);
  server = createServer({ SNICallback: (_name, callback) => callback(null, serving), cert: fallback, key: privateKeyPem(key.privateKey) }, (socket) => socket.end());
  server.on("tlsClientError", () => {});
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.close();
});

/** "ok" when the handshake and name check pass, else the error's code. */
async function handshake(host: string, ours: boolean): Promise<string> {
  const socket: TLSSocket = connect({
    host: "127.0.0.1",
    port,
    ca: ca.certPem,
    ...(host === "127.0.0.1" ? {} : { servername: host }),
  });
  if (ours) checkNameOnLeaf(socket);
  try {
    return await new Promise<string>((resolve) => {
      socket.once("secureConnect", () => {
        // Node asked for the certificate through the hook (so the hook still saves its work)...
        if (ours && Object.hasOwn(socket, "getPeerCertificate")) return resolve("Node checked the name without getPeerCertificate");
        // ...and afterwards the socket's getPeerCertificate is Node's own again, chain and all.
        resolve(socket.getPeerCertificate(true).issuerCertificate === undefined ? "not Node's certificate after the check" : "ok");
      });
      socket.once("error", (err: Error & { code?: string }) => resolve(err.code ?? String(err)));
    });
  } finally {
    socket.destroy();
  }
}

const CASES: readonly { names: readonly string[]; cn?: string; host: string; valid: boolean }[] = [
  { names: ["a.example.test"], host: "a.example.test", valid: true },
  { names: ["a.example.test"], host: "A.Example.TEST", valid: true },
  { names: ["a.example.test"], host: "a.example.test.", valid: true },
  { names: ["a.example.test"], host: "b.example.test", valid: false },
  { names: ["other-host.a.test.invalid"], host: "a.test", valid: false },
  { names: ["b.example.test", "a.example.test"], host: "a.example.test", valid: true },
  { names: ["*.wild.test"], host: "x.wild.test", valid: true },
  { names: ["*.wild.test"], host: "x.y.wild.test", valid: false },
  { names: ["*.wild.test"], host: "wild.test", valid: false },
  { names: ["xn--bcher-kva.example"], host: "xn--bcher-kva.example", valid: true },
  { names: [], cn: "cn-only.test", host: "cn-only.test", valid: true },
  { names: ["a.example.test"], cn: "cn.test", host: "cn.test", valid: false },
  { names: ["a.example.test"], host: "127.0.0.1", valid: false },
];

describe("checkNameOnLeaf", () => {
  it.each(CASES)("a certificate for $names (CN $cn) is valid for $host: $valid, as Node says", async ({ names, cn, host, valid }) => {
    serving = contextFor(cn ?? names[0] ?? "unnamed", names);
    const ours = await handshake(host, true);
    const node = await handshake(host, false);
    expect(ours).toBe(valid ? "ok" : "ERR_TLS_CERT_ALTNAME_INVALID");
    expect(ours).toBe(node);
  });

  it("leaves an untrusted certificate to the chain check, which refuses it first", async () => {
    const rogue = newCertificateAuthority("rogue CA");
    const cert = issueCertificate({ commonName: "a.example.test", dnsNames: ["a.example.test"], publicKey: key.publicKey, notBefore: daysFromNow(-1), notAfter: daysFromNow(30), isCa: false }, rogue);
    serving = createSecureContext({ cert, key: privateKeyPem(key.privateKey) });
    expect(await handshake("a.example.test", true)).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });
});
