import { describe, expect, it } from "vitest";
import { DnsFailure } from "../../src/net/dns.ts";
import { classifyError, NetError } from "../../src/net/failure.ts";

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe("classifyError", () => {
  it.each([
    [new DnsFailure("NXDOMAIN", "a.example", "no such domain"), "DNS", "NXDOMAIN"],
    [new DnsFailure("SERVFAIL", "a.example", "resolver answered ESERVFAIL"), "DNS", "SERVFAIL"],
    [new DnsFailure("TIMEOUT", "a.example", "resolver answered ETIMEOUT"), "DNS", "TIMEOUT"],
    [new NetError("VMCRAWL_SSRF", "refused"), "TCP", "SSRF"],
    [new NetError("VMCRAWL_SIZE", "too big"), "SIZE", "TOO_LARGE"],
    [new NetError("VMCRAWL_TIMEOUT", "slow"), "TCP", "TIMEOUT"],
    [new NetError("VMCRAWL_DEADLINE", "domain deadline"), "TCP", "TIMEOUT"],
    [coded("ECONNREFUSED"), "TCP", "REFUSED"],
    [coded("ECONNRESET"), "TCP", "RESET"],
    [coded("UND_ERR_SOCKET", "other side closed"), "TCP", "RESET"],
    [coded("EHOSTUNREACH"), "TCP", "UNREACHABLE"],
    [coded("UND_ERR_CONNECT_TIMEOUT"), "TCP", "TIMEOUT"],
    [coded("UND_ERR_HEADERS_TIMEOUT"), "TCP", "TIMEOUT"],
    [coded("UND_ERR_BODY_TIMEOUT"), "TCP", "TIMEOUT"],
    [coded("ERR_HTTP2_SESSION_ERROR"), "TCP", "PROTOCOL"],
    [coded("HPE_INVALID_CONSTANT"), "TCP", "PROTOCOL"],
    [coded("CERT_HAS_EXPIRED"), "SSL", "CERT"],
    [coded("ERR_TLS_CERT_ALTNAME_INVALID"), "SSL", "CERT"],
    [coded("SELF_SIGNED_CERT_IN_CHAIN"), "SSL", "CERT"],
    [coded("DEPTH_ZERO_SELF_SIGNED_CERT"), "SSL", "CERT"],
    [coded("UNABLE_TO_VERIFY_LEAF_SIGNATURE"), "SSL", "CERT"],
    [coded("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION"), "SSL", "CIPHER"],
    [coded("ERR_SSL_UNSUPPORTED_PROTOCOL"), "SSL", "CIPHER"],
    [coded("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE"), "SSL", "CIPHER"],
    [coded("ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR"), "SSL", "HANDSHAKE"],
    [coded("EWHATEVER", "something odd"), "TCP", "OTHER"],
  ])("%s → %s/%s", (err, errorClass, cause) => {
    expect(classifyError(err)).toMatchObject({ errorClass, cause });
  });

  it("looks through the cause chain, as undici wraps the socket error", () => {
    const wrapped = Object.assign(new Error("fetch failed"), { code: "UND_ERR_CONNECT", cause: coded("CERT_HAS_EXPIRED", "certificate has expired") });
    expect(classifyError(wrapped)).toEqual({ errorClass: "SSL", cause: "CERT", reason: "certificate has expired (CERT_HAS_EXPIRED)" });
  });

  it("does not read messages: a host name with 'ssl' in it is not a TLS error", () => {
    expect(classifyError(coded("ECONNREFUSED", "connect ECONNREFUSED ssl-cert.example.org")).errorClass).toBe("TCP");
  });
});
