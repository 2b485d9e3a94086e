/**
 * Domain names as users type them (`--target`, `--db`, `fetch --target`):
 * checked, lower-cased, and known in both forms. We store a domain in the
 * form it was received (DESIGN §4) but look it up in both, so `--db 🍕.ws`
 * and `--db xn--vi8h.ws` find the same row.
 */
import { isIP } from "node:net";
import { domainToASCII, domainToUnicode } from "node:url";

export interface DomainName {
  /** Lower-cased, trailing dot removed, otherwise as given (Unicode or punycode). */
  readonly name: string;
  /** The A-label (punycode) form used on the wire. */
  readonly ascii: string;
  /** The U-label form shown to people. */
  readonly unicode: string;
}

/** Why a name is refused, for counting (fetch reports rejections by code). */
export type DomainRejection = "empty" | "whitespace" | "scheme" | "path" | "account" | "ip" | "port" | "idn" | "too-long" | "no-dot" | "empty-label" | "label-too-long" | "characters";

export type DomainParse = { ok: true; value: DomainName } | { ok: false; code: DomainRejection; reason: string };

const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
// Underscores are not valid in host names but do occur in the fediverse; hyphens may not start or end a label.
const ASCII_LABEL = /^(?!-)[a-z0-9_-]+(?<!-)$/;

// A plain lower-case ASCII name, every label 1–63 characters without a hyphen at either end.
const PLAIN_ASCII_NAME = /^(?:(?!-)[a-z0-9_-]{1,63}(?<!-)\.)+(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
// The URL standard reads a name whose last label is a number as an IPv4 address ("0x7f.1" is 127.0.0.1).
const NUMERIC_LAST_LABEL = /\.(?:[0-9]+|0x[0-9a-f]*)$/;

export function parseDomain(input: string): DomainParse {
  // Nearly every name (a million per large peers list) is plain ASCII: the IDN conversions would return it unchanged.
  if (input.length <= MAX_NAME_LENGTH && PLAIN_ASCII_NAME.test(input) && !input.includes("xn--") && !NUMERIC_LAST_LABEL.test(input)) {
    return { ok: true, value: { name: input, ascii: input, unicode: input } };
  }
  return parseDomainThoroughly(input);
}

/** Every check and conversion, for any input; parseDomain takes a shortcut for plain names with the same result. */
export function parseDomainThoroughly(input: string): DomainParse {
  const trimmed = input.trim();
  if (trimmed === "") return { ok: false, code: "empty", reason: "it is empty" };
  if (/\s/.test(trimmed)) return { ok: false, code: "whitespace", reason: "it contains whitespace" };
  if (trimmed.includes("://")) return { ok: false, code: "scheme", reason: "give the domain name only, without a scheme such as https://" };
  if (/[/?#]/.test(trimmed)) return { ok: false, code: "path", reason: "give the domain name only, without a path" };
  if (trimmed.includes("@")) return { ok: false, code: "account", reason: "it contains '@' (give a domain, not an account)" };
  if (isIP(trimmed.replace(/^\[|\]$/g, "")) !== 0) return { ok: false, code: "ip", reason: "it is an IP address, not a domain name" };
  if (trimmed.includes(":")) return { ok: false, code: "port", reason: "give the domain name only, without a port" };

  const name = trimmed.toLowerCase().replace(/\.$/, "");
  const ascii = domainToASCII(name);
  if (ascii === "") return { ok: false, code: "idn", reason: "it is not a valid internationalised domain name" };
  if (isIP(ascii) !== 0) return { ok: false, code: "ip", reason: "it is an IP address, not a domain name" };
  if (ascii.length > MAX_NAME_LENGTH) return { ok: false, code: "too-long", reason: `it is longer than ${MAX_NAME_LENGTH} characters` };
  const labels = ascii.split(".");
  if (labels.length < 2) return { ok: false, code: "no-dot", reason: "it has no dot (a public domain such as example.social is expected)" };
  for (const label of labels) {
    if (label.length === 0) return { ok: false, code: "empty-label", reason: "it has an empty label (two dots in a row)" };
    if (label.length > MAX_LABEL_LENGTH) return { ok: false, code: "label-too-long", reason: `a label is longer than ${MAX_LABEL_LENGTH} characters` };
    if (!ASCII_LABEL.test(label)) return { ok: false, code: "characters", reason: `the label "${label}" has characters a domain cannot have` };
  }
  return { ok: true, value: { name, ascii, unicode: domainToUnicode(ascii) } };
}

/** Every spelling a stored row for this domain may have: as given, A-label, U-label. */
export function domainSpellings(domain: DomainName): string[] {
  return [...new Set([domain.name, domain.ascii, domain.unicode])];
}

/**
 * The domain and each parent at a label boundary: `a.b.example` →
 * [`a.b.example`, `b.example`, `example`]. A rule for `example.com` covers
 * `x.example.com` but never `notexample.com`.
 */
export function labelSuffixes(name: string): string[] {
  const labels = name.split(".");
  return labels.map((_, i) => labels.slice(i).join("."));
}

/**
 * Whether `name` or a parent of it (at a label boundary) is in `list`, in either spelling:
 * the DNI rule for `example.com` covers `x.example.com`, never `notexample.com`.
 */
export function isListed(name: string, list: ReadonlySet<string>): boolean {
  if (list.size === 0) return false;
  const ascii = domainToASCII(name) || name;
  return isListedAs([name, ascii, domainToUnicode(ascii)], list);
}

/** isListed for a name already known in its spellings (a parsed DomainName's ascii and unicode). */
export function isListedAs(spellings: readonly string[], list: ReadonlySet<string>): boolean {
  if (list.size === 0) return false;
  for (const spelling of spellings) {
    for (let at = 0; at !== -1; at = spelling.indexOf(".", at) + 1 || -1) {
      if (list.has(spelling.slice(at))) return true;
    }
  }
  return false;
}
