/**
 * Turns whatever a request threw into exactly one failure class and cause
 * (DESIGN §6), by error code, walking the cause chain: codes survive two
 * copies of undici meeting; messages and `instanceof` do not.
 */
import type { Failure } from "../core/outcome.ts";

export type { Failure };

/** Raised by the client's own checks; the code is what classification reads. */
export class NetError extends Error {
  override name = "NetError";
  /** SCOPE_ENDED: a domain's connections were closed after its crawl (never seen by a caller). */
  readonly code: "VMCRAWL_SSRF" | "VMCRAWL_SIZE" | "VMCRAWL_TIMEOUT" | "VMCRAWL_DEADLINE" | "VMCRAWL_SCOPE_ENDED";

  constructor(code: NetError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

const CERT = new Set([
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_CHAIN_TOO_LONG",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "INVALID_CA",
  "INVALID_PURPOSE",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_TLS_CERT_ALTNAME_FORMAT",
]);

const CIPHER = /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|WRONG_VERSION_NUMBER|NO_PROTOCOLS_AVAILABLE|UNKNOWN_PROTOCOL|NO_SHARED_CIPHER|NO_CIPHERS_AVAILABLE|HANDSHAKE_FAILURE|INSUFFICIENT_SECURITY|KEY_TOO_SMALL|MD_TOO_WEAK|LEGACY_SIGALG|NO_SUITABLE_SIGNATURE|VERSION_TOO_LOW/;

const WORDS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed while sending",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_CLOSED: "connection closed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_CONNECT_TIMEOUT: "timed out connecting",
  UND_ERR_HEADERS_TIMEOUT: "timed out waiting for the response",
  UND_ERR_BODY_TIMEOUT: "timed out reading the response",
  ETIMEDOUT: "timed out",
  CERT_HAS_EXPIRED: "certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "certificate is not valid for this name",
  SELF_SIGNED_CERT_IN_CHAIN: "certificate is signed by an untrusted authority",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "certificate issuer is not trusted",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "certificate issuer is not trusted",
};

/** Every `code` on the error and its causes, outermost first. */
export function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) for (const inner of errors) codes.push(...errorCodes(inner));
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

export function classifyError(err: unknown): Failure {
  const codes = errorCodes(err);
  const message = messageOf(err);
  const words = (code: string) => `${WORDS[code] ?? message} (${code})`;
  const dns = codes.find((c) => ["NXDOMAIN", "NODATA", "SERVFAIL", "TIMEOUT"].includes(c) && (err as { name?: string }).name === "DnsFailure");
  if (dns !== undefined) return { errorClass: "DNS", cause: dns, reason: message };
  const has = (code: string) => codes.includes(code);
  if (has("VMCRAWL_SSRF")) return { errorClass: "TCP", cause: "SSRF", reason: message };
  if (has("VMCRAWL_SIZE")) return { errorClass: "SIZE", cause: "TOO_LARGE", reason: message };
  if (has("VMCRAWL_TIMEOUT") || has("VMCRAWL_DEADLINE")) return { errorClass: "TCP", cause: "TIMEOUT", reason: message };
  const cert = codes.find((c) => CERT.has(c) || c.startsWith("ERR_TLS_CERT"));
  if (cert !== undefined) return { errorClass: "SSL", cause: "CERT", reason: words(cert) };
  const cipher = codes.find((c) => CIPHER.test(c));
  if (cipher !== undefined) return { errorClass: "SSL", cause: "CIPHER", reason: `TLS version or cipher not acceptable (${cipher})` };
  const tls = codes.find((c) => c.startsWith("ERR_SSL_") || c.startsWith("ERR_TLS_"));
  if (tls !== undefined) return { errorClass: "SSL", cause: "HANDSHAKE", reason: `TLS handshake failed (${tls})` };
  const timeout = codes.find((c) => ["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"].includes(c));
  if (timeout !== undefined) return { errorClass: "TCP", cause: "TIMEOUT", reason: words(timeout) };
  if (has("ECONNREFUSED")) return { errorClass: "TCP", cause: "REFUSED", reason: words("ECONNREFUSED") };
  const unreachable = codes.find((c) => c === "EHOSTUNREACH" || c === "ENETUNREACH");
  if (unreachable !== undefined) return { errorClass: "TCP", cause: "UNREACHABLE", reason: words(unreachable) };
  const h2 = codes.find((c) => c.startsWith("ERR_HTTP2_"));
  if (h2 !== undefined) return { errorClass: "TCP", cause: "PROTOCOL", reason: `HTTP/2 protocol error (${h2})` };
  const reset = codes.find((c) => ["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ECONNABORTED"].includes(c));
  if (reset !== undefined) return { errorClass: "TCP", cause: "RESET", reason: words(reset) };
  if (codes.includes("HPE_INVALID_CONSTANT") || codes.some((c) => c.startsWith("HPE_"))) return { errorClass: "TCP", cause: "PROTOCOL", reason: `malformed HTTP response (${codes.find((c) => c.startsWith("HPE_"))})` };
  return { errorClass: "TCP", cause: "OTHER", reason: codes.length > 0 ? `${message} (${codes[0]})` : message };
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, " ").trim().slice(0, 300) || "unknown error";
}
