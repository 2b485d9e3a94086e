/**
 * `node .ci/summary-matches-truth.ts SUMMARY.json TRUTH.jsonl`: exit 1 (each difference on
 * stderr) unless a crawl run's --summary-json counts what fedisim's ground truth says it must.
 * .ci/run's smoke crawl runs it on the copied binary's summary.
 */
import { readFileSync } from "node:fs";

const [summaryFile, truthFile] = process.argv.slice(2);
if (summaryFile === undefined || truthFile === undefined) {
  console.error("usage: node .ci/summary-matches-truth.ts SUMMARY.json TRUTH.jsonl");
  process.exit(2);
}
const summary = JSON.parse(readFileSync(summaryFile, "utf8"));
const truth = readFileSync(truthFile, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as { kind: string; error_class?: string });

const want = { recorded: truth.length, outcomes: {} as Record<string, number>, errorClasses: {} as Record<string, number> };
for (const kind of Object.keys(summary.outcomes)) want.outcomes[kind] = 0;
for (const errorClass of Object.keys(summary.errorClasses)) want.errorClasses[errorClass] = 0;
for (const t of truth) {
  want.outcomes[t.kind] = (want.outcomes[t.kind] ?? 0) + 1;
  if (t.error_class !== undefined) want.errorClasses[t.error_class] = (want.errorClasses[t.error_class] ?? 0) + 1;
}

const differences: string[] = [];
if (summary.schema !== 1) differences.push(`schema ${summary.schema}, expected 1`);
if (summary.interrupted !== false) differences.push("the run says it was interrupted");
if (summary.domains.recorded !== want.recorded) differences.push(`recorded ${summary.domains.recorded} domains, the truth has ${want.recorded}`);
for (const [field, counts] of [["outcomes", want.outcomes], ["errorClasses", want.errorClasses]] as const) {
  for (const [key, n] of Object.entries(counts)) {
    if (summary[field][key] !== n) differences.push(`${field}.${key}: ${summary[field][key]}, the truth says ${n}`);
  }
}
if (differences.length > 0) {
  for (const d of differences) console.error(`summary-matches-truth: ${d}`);
  process.exit(1);
}
console.log(`summary-matches-truth: ${want.recorded} domains, every outcome and class as the truth says`);
