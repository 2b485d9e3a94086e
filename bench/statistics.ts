/**
 * Statistics benchmark: a day's statistics recorded over 50,000 published servers (the test
 * suite's generated population: every branch role, patched and not, pre-releases, no version, no
 * users), in SQLite, with the per-version counts patch velocity needs and without them. Prints the
 * medians and the share the per-version counts add, and writes bench/results/statistics.json.
 * Target: the per-version counts add at most 5 %.
 *
 *   node bench/statistics.ts [--servers 50000] [--runs 15]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import "./support/sql-as-text.ts";
import { population } from "../test/support/population.ts";

// After the .sql hook is in place: these import the migrations.
const { SqliteStore } = await import("../src/store/sqlite.ts");
const { computeDay, countedSince } = await import("../src/stats/daily.ts");
const { guardDay } = await import("../src/stats/guard.ts");

const { values } = parseArgs({ options: { servers: { type: "string", default: "50000" }, runs: { type: "string", default: "15" } } });
const count = Number(values.servers);
const runs = Number(values.runs);
const NOW = new Date("2026-11-23T12:00:00.000Z");

const dir = mkdtempSync(join(tmpdir(), "vmcrawl-bench-statistics-"));
const store = new SqliteStore(join(dir, "vmcrawl.db"), { cacheDir: dir });
await store.migrate();
const servers = population(count, NOW);
const insert = store.db.prepare("INSERT INTO mastodon_domains (domain, software_version, active_users_monthly, timestamp) VALUES (?, ?, ?, ?)");
store.db.transaction(() => {
  for (const s of servers) insert.run(s.domain, s.version, s.mau, s.timestamp);
})();

/** One recording of the day, as stats/sqlite.ts does it; `withVersions` false leaves the per-version rows out. */
function record(withVersions: boolean): number {
  const started = performance.now();
  const since = countedSince(NOW).toISOString();
  const { counters, versions } = computeDay(store.crawl.published(since), store.crawl.releaseBranches());
  store.crawl.recordStatistics("2026-11-23", NOW.toISOString(), counters, (previous) => guardDay(counters, previous, 0.5), withVersions ? versions : []);
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
record(true);
record(false);
// Alternated, so drift in the machine's speed falls on both alike.
const without: number[] = [];
const withCounts: number[] = [];
for (let i = 0; i < runs; i++) {
  without.push(record(false));
  withCounts.push(record(true));
}
const versionRows = (store.db.prepare("SELECT count(*) FROM version_statistics").pluck().get() as number) ?? 0;
const figures = {
  date: new Date().toISOString(),
  node: process.version,
  servers: count,
  versions: versionRows,
  runs,
  withoutMs: Number(median(without).toFixed(1)),
  withMs: Number(median(withCounts).toFixed(1)),
  addedPercent: Number(((median(withCounts) / median(without) - 1) * 100).toFixed(1)),
};
await store.close();
rmSync(dir, { recursive: true, force: true });

console.log(`statistics over ${count} servers (${versionRows} versions), median of ${runs}: ${figures.withoutMs} ms without the per-version counts, ${figures.withMs} ms with them: ${figures.addedPercent >= 0 ? "+" : ""}${figures.addedPercent}% (target ≤ 5%)`);
mkdirSync(join(import.meta.dirname, "results"), { recursive: true });
writeFileSync(join(import.meta.dirname, "results", "statistics.json"), `${JSON.stringify(figures, null, 2)}\n`);
if (figures.addedPercent > 5) process.exitCode = 1;
