/**
 * Admission of one peers entry (reference §10.1, without its bugs): what a
 * server lists is untrusted text. An entry becomes a domain to crawl only if
 * it is a plain host name (no address, port, path, scheme or account), every
 * label and the whole name within DNS lengths, under a TLD that IANA lists,
 * and not on (or under, at a label boundary) a hard DNI entry. Accepted names
 * are lower-cased, trimmed, and stored in their Unicode form, so `xn--vi8h.ws`
 * and `🍕.ws` are one domain. Pure: the TLD and DNI sets are given.
 */
import type { TldCheck } from "./tlds.ts";
import type { ArrayEntry } from "./json-stream.ts";
import { type DomainRejection, isListedAs, parseDomain } from "../net/domain.ts";

export type Rejection = DomainRejection | "not-a-string" | "unknown-tld" | "dni";

export type Admission = { readonly ok: true; readonly domain: string } | { readonly ok: false; readonly reason: Rejection };

export interface AdmissionRules {
  /** IANA TLDs, lower-case A-labels (`social`, `xn--p1ai`). */
  readonly tlds: TldCheck;
  /** Hard DNI domains: never admitted, nor anything under them. */
  readonly hardDni: ReadonlySet<string>;
}

/** Why each rejection happens, for the summary. */
export const REJECTION_TEXT: Readonly<Record<Rejection, string>> = {
  "not-a-string": "not a string",
  empty: "empty",
  whitespace: "whitespace inside",
  scheme: "a URL, not a name",
  path: "has a path",
  account: "an account (@)",
  ip: "an IP address",
  port: "has a port",
  idn: "invalid internationalised name",
  "too-long": "longer than 253 characters",
  "no-dot": "no dot",
  "empty-label": "empty label",
  "label-too-long": "a label longer than 63 characters",
  characters: "characters a domain cannot have",
  "unknown-tld": "TLD not in the IANA list",
  dni: "on the DNI list (hard)",
};

export function admitPeer(entry: ArrayEntry, rules: AdmissionRules): Admission {
  if (entry.kind === "other") return { ok: false, reason: "not-a-string" };
  if (entry.kind === "long-string") return { ok: false, reason: "too-long" };
  const parsed = parseDomain(entry.value);
  if (!parsed.ok) return { ok: false, reason: parsed.code };
  const { ascii, unicode } = parsed.value;
  if (!rules.tlds.has(ascii.slice(ascii.lastIndexOf(".") + 1))) return { ok: false, reason: "unknown-tld" };
  if (isListedAs(ascii === unicode ? [ascii] : [ascii, unicode], rules.hardDni)) return { ok: false, reason: "dni" };
  return { ok: true, domain: unicode };
}

/** Counts per rejection reason, for one source or a whole run. */
export class RejectionCounts {
  readonly counts = new Map<Rejection, number>();

  add(reason: Rejection): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }

  merge(other: RejectionCounts): void {
    for (const [reason, n] of other.counts) this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  /** "3 TLD not in the IANA list, 1 an IP address", largest first. */
  describe(): string {
    return [...this.counts]
      .sort((a, b) => b[1] - a[1])
      .map(([reason, n]) => `${n} ${REJECTION_TEXT[reason]}`)
      .join(", ");
  }
}
