/**
 * Patch velocity against ground truth (issue 24): a fedisim population evolves over simulated
 * days (population.ts), and each day the binary, its clock set to that day (libfaketime), reads
 * GitHub's releases and advisories as they stood and crawls every server through the real crawl
 * path, ending with that day's statistics. Then `vmcrawl stats velocity --json` must give the
 * scenario's own figures exactly, per release, for servers and users, on SQLite and on a
 * PostgreSQL fleet node, and be honest about the releases published before recording began.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { binaryStore, requireBinary, runBinary, STORE_KINDS } from "../crawl/e2e.ts";
import { type Fedisim, startFedisim } from "../fedisim/index.ts";
import { compareVersions, generatePopulation, type PlannedRelease, type Population } from "../fedisim/population.ts";
import type { FileReply } from "../fedisim/spec.ts";
import { clockAt, faketimeTestsRun } from "../support/faketime.ts";
import type { AdvisoryExposure, VelocityJson } from "../../src/stats/velocity-report.ts";

const server = inject("postgres");
const runs = faketimeTestsRun();

const DAYS = 12;
const RELEASES: readonly PlannedRelease[] = [
  { version: "4.5.0", day: -40 },
  // Published before recording began: its curve starts on day 0, marked partial.
  { version: "4.5.1", day: -4 },
  { version: "4.5.2", day: 2 },
  { version: "4.5.3", day: 7 },
  { version: "4.4.7", day: -60 },
  { version: "4.4.8", day: -3 },
  { version: "4.4.9", day: 2 },
];
/** The advisory 4.5.2 and 4.4.9 fix, published with them. */
const ADVISORY = { ghsa: "GHSA-velo-city-test", day: 2, range: "< 4.5.2, < 4.4.9", patched: "4.5.2, 4.4.9" };
const affected = (v: string) => (v.startsWith("4.5.") && compareVersions(v, "4.5.2") < 0) || (v.startsWith("4.4.") && compareVersions(v, "4.4.9") < 0);
const THRESHOLDS = [0.25, 0.5, 0.75, 0.9];
const GITHUB_HOST = "api.github.fedisim.test";

// Recording starts 40 days back, so every simulated day is in PostgreSQL's past, as a node's is.
const DAY0 = Date.parse(`${new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10)}T00:00:00Z`);
const dateOf = (day: number) => new Date(DAY0 + day * 86_400_000).toISOString().slice(0, 10);
const noonOf = (day: number) => new Date(DAY0 + day * 86_400_000 + 12 * 3_600_000);

/** What GitHub's API answers on `day`: the releases and advisories published by then. */
function githubOn(day: number): Record<string, FileReply> {
  const published = RELEASES.filter((r) => r.day <= day).sort((a, b) => b.day - a.day);
  const advisories =
    ADVISORY.day <= day
      ? [
          {
            ghsa_id: ADVISORY.ghsa,
            cve_id: null,
            summary: "Simulated",
            severity: "high",
            published_at: `${dateOf(ADVISORY.day)}T09:00:00Z`,
            vulnerabilities: [{ package: { ecosystem: "", name: "mastodon" }, vulnerable_version_range: ADVISORY.range, patched_versions: ADVISORY.patched }],
          },
        ]
      : [];
  return {
    "/repos/mastodon/mastodon/releases?per_page=100": JSON.stringify(published.map((r) => ({ tag_name: `v${r.version}`, draft: false, published_at: `${dateOf(r.day)}T10:00:00Z` }))),
    "/repos/mastodon/mastodon/contents/lib/mastodon/version.rb": "def major\n  4\nend\ndef minor\n  6\nend\ndef patch\n  0\nend\ndef default_prerelease\n  'alpha.1'\nend\n",
    "/repos/mastodon/mastodon/security-advisories?per_page=100": JSON.stringify(advisories),
  };
}

let population: Population;
let sim: Fedisim;
let dir: string;

beforeAll(async () => {
  if (!runs) return;
  requireBinary();
  population = generatePopulation({
    servers: 200,
    seed: 24,
    days: DAYS,
    releases: RELEASES,
    branchShares: { "4.5": 0.65, "4.4": 0.35 },
    never: 0.12,
    meanDelayDays: 2,
    rollback: 0.05,
    migrate: 0.2,
  });
  sim = await startFedisim(population.scenarioOn(0), { files: { [GITHUB_HOST]: githubOn(0) } });
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-velocity-"));
  sim.writeFiles(dir);
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

describe.skipIf(!runs).each(STORE_KINDS)("patch velocity over simulated days (%s)", (name) => {
  it.skipIf(name === "postgres" && server === null)(
    "crawled once a day, gives the scenario's own days to each threshold per release (servers and users) and the advisory's exposure",
    async () => {
      const { env } = await binaryStore(name, { server, sim, dir, node: "velocity" }, { VMCRAWL_GITHUB_API_URL: `https://${GITHUB_HOST}` });
      const on = (day: number, args: string[]) => runBinary(args, { env: { ...env, ...clockAt(noonOf(day)) }, cwd: dir, timeoutMs: 120_000 });
      const ok = async (day: number, args: string[]) => {
        const run = await on(day, args);
        expect(run.code, `day ${day}: vmcrawl ${args.join(" ")}\n${run.stderr}`).toBe(0);
        return run;
      };

      await ok(0, ["db", "migrate"]);
      for (let day = 0; day < DAYS; day++) {
        sim.serve(population.scenarioOn(day));
        sim.serveFiles(GITHUB_HOST, githubOn(day));
        await ok(day, ["manage", "versions", "update"]);
        await ok(day, ["manage", "versions", "advisories"]);
        const crawl = await ok(day, ["--file", join(dir, "domains.txt")]);
        expect(crawl.stderr).toContain(`statistics for ${dateOf(day)} recorded`);
      }

      const last = DAYS - 1;
      const report = JSON.parse((await ok(last, ["stats", "velocity", "--json"])).stdout) as VelocityJson[];
      const oldest = JSON.parse((await ok(last, ["stats", "velocity", "--release", "4.5.0", "--json"])).stdout) as VelocityJson[];
      // The three newest of each supported branch, then the one asked for by name.
      expect(report.map((r) => r.release)).toEqual(["4.5.3", "4.5.2", "4.5.1", "4.4.9", "4.4.8", "4.4.7"]);
      expect(oldest.map((r) => r.release)).toEqual(["4.5.0"]);

      for (const got of [...report, ...oldest]) {
        const want = population.figures(got.release, THRESHOLDS);
        const reached = (list: VelocityJson["daysTo"]["servers"]) => THRESHOLDS.map((t) => list[String(t * 100)] ?? null);
        expect({ release: got.release, servers: reached(got.daysTo.servers), users: reached(got.daysTo.users) }).toEqual({ release: got.release, servers: want.servers, users: want.users });
        expect(got.publishedOn).toBe(dateOf(want.publishedDay));
        expect(got.partial).toBe(want.partial);
        expect(got.security).toBe(got.release === "4.5.2" || got.release === "4.4.9");
        // One point per recorded day since publication (from day 0 when published before), never before recording.
        expect(got.points.map((p) => ({ date: p.date, servers: p.servers }))).toEqual(want.daily.map((d) => ({ date: dateOf(d.day), servers: d.adopted })));
      }
      // The advisory's exposure: the servers on an affected version each recorded day since it was published.
      const [advisory, ...others] = JSON.parse((await ok(last, ["stats", "exposure", "--json"])).stdout) as AdvisoryExposure[];
      expect(others).toEqual([]);
      const exposed = Array.from({ length: DAYS - ADVISORY.day }, (_, i) => ADVISORY.day + i).map((day) => ({
        date: dateOf(day),
        servers: population.servers.filter((s) => affected(population.versionOn(s, day))).length,
      }));
      expect(advisory!.points.map((p) => ({ date: p.date, servers: p.servers }))).toEqual(exposed);
      expect(advisory!.serverDays).toBe(exposed.reduce((n, d) => n + d.servers, 0));

      // The scenario is one worth testing: some thresholds reached on the first recorded day of a
      // partial curve, some later, some not by the last day.
      const all = [...report, ...oldest].flatMap((r) => [...Object.values(r.daysTo.servers), ...Object.values(r.daysTo.users)]);
      expect(all.some((r) => r?.atMost === true)).toBe(true);
      expect(all.some((r) => r !== null && r.atMost === false && r.days > 0)).toBe(true);
      expect(all.some((r) => r === null)).toBe(true);
    },
    400_000,
  );
});
