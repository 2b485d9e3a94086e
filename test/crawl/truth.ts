/** Compares a probe outcome, as it is stored (through the sanitize boundary), with fedisim's ground truth; returns readable differences. */
import { domainToASCII } from "node:url";
import type { ProbeOutcome } from "../../src/crawl/probe.ts";
import { sanitizeOutcome } from "../../src/store/sanitize.ts";
import type { Truth } from "../fedisim/index.ts";

const FIELDS = ["kind", "error_class", "cause", "endpoint", "software", "version", "full_version", "mau", "total_users"] as const;

export function compareWithTruth(outcome: ProbeOutcome | Record<string, unknown> | undefined, truth: Truth, family: string): string[] {
  if (outcome === undefined) return [`${truth.domain} (${family}): no outcome`];
  const got = sanitizeOutcome(outcome as ProbeOutcome) as unknown as Record<string, unknown>;
  const diffs: string[] = [];
  for (const field of FIELDS) {
    const want = truth[field] ?? null;
    const have = got[field] ?? null;
    if (want !== have) diffs.push(`${field} ${JSON.stringify(have)}, want ${JSON.stringify(want)}`);
  }
  // Canonical domains compare as A-labels: the instance API names them in either form.
  if ((truth.canonical ?? null) !== null ? domainToASCII(String(got.canonical ?? "")) !== domainToASCII(truth.canonical!) : (got.canonical ?? null) !== null) {
    diffs.push(`canonical ${JSON.stringify(got.canonical)}, want ${JSON.stringify(truth.canonical)}`);
  }
  return diffs.length === 0 ? [] : [`${truth.domain} (${family}): ${diffs.join("; ")}${got.reason ? ` — ${got.reason}` : ""}`];
}

/** What the store must hold for a domain after one crawl (fresh database, default error buffer). */
export interface StoredState {
  readonly raw: Record<string, unknown> | undefined;
  readonly published: Record<string, unknown> | undefined;
}

export function compareStoredWithTruth(stored: StoredState, truth: Truth, family: string): string[] {
  const diffs: string[] = [];
  const { raw, published } = stored;
  const expect = (what: string, have: unknown, want: unknown) => {
    if ((have ?? null) !== (want ?? null)) diffs.push(`${what} ${JSON.stringify(have)}, want ${JSON.stringify(want)}`);
  };
  if (raw === undefined) return [`${truth.domain} (${family}): not in raw_domains`];
  expect("last_crawled_at set", raw.last_crawled_at !== null, true);
  expect("error_type", raw.error_type, truth.kind === "error" ? truth.error_class : null);
  expect("error_reason", raw.error_reason, truth.kind === "error" ? truth.cause : null);
  expect("error_endpoint", raw.error_endpoint, truth.kind === "error" ? truth.endpoint : null);
  expect("error_count", raw.error_count, truth.kind === "error" ? 1 : 0);
  expect("terminal_type", raw.terminal_type, null);
  expect("nodeinfo", raw.nodeinfo, truth.kind === "other" || truth.kind === "matrix" ? truth.software : null);
  expect("alias_of", raw.alias_of === null ? null : domainToASCII(String(raw.alias_of)), truth.kind === "alias" ? domainToASCII(truth.canonical!) : null);
  if (truth.kind === "mastodon") {
    if (published === undefined) diffs.push("not published");
    else {
      expect("software_version", published.software_version, truth.version);
      expect("full_version", published.full_version, truth.full_version);
      expect("active_users_monthly", published.active_users_monthly, truth.mau);
      expect("published nodeinfo", published.nodeinfo, truth.software);
    }
  } else if (published !== undefined) {
    diffs.push("published, but should not be");
  }
  return diffs.length === 0 ? [] : [`${truth.domain} (${family}): ${diffs.join("; ")}`];
}
