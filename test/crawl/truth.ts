/** Compares a probe outcome with fedisim's ground truth; returns readable differences. */
import { domainToASCII } from "node:url";
import type { ProbeOutcome } from "../../src/crawl/probe.ts";
import type { Truth } from "../fedisim/index.ts";

const FIELDS = ["kind", "error_class", "cause", "endpoint", "software", "version", "full_version", "mau", "total_users"] as const;

export function compareWithTruth(outcome: ProbeOutcome | Record<string, unknown> | undefined, truth: Truth, family: string): string[] {
  if (outcome === undefined) return [`${truth.domain} (${family}): no outcome`];
  const got = outcome as Record<string, unknown>;
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
