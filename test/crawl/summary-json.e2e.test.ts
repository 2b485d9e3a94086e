/**
 * `--summary-json FILE` through the binary: a crawl run's counts per outcome and class equal the
 * simulator's ground truth, embedded and as a fleet node (with its sync state); a run stopped by
 * Ctrl-C still writes one, marked interrupted and agreeing with what it printed; fetch and
 * `daemon --drain` write theirs; an unwritable place is refused before anything runs. The
 * README's documented example has exactly the fields written.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ERROR_CLASSES } from "../../src/core/outcome.ts";
import type { RunReport } from "../../src/crawl/run-report.ts";
import { type DomainSpec, type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import { binaryStore, crawlerEnv, finishedDomains, requireBinary, runBinary, STORE_KINDS, writeOrdinaryList } from "./e2e.ts";

const server = inject("postgres");
let sim: Fedisim;
let dir: string;
let ordinary: DomainSpec[];

beforeAll(async () => {
  requireBinary();
  sim = await startFedisim(generateScenario({ domains: 120, seed: 33 }), { latencyScale: 0.2 });
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-summary-"));
  sim.writeFiles(dir);
  ordinary = writeOrdinaryList(sim, dir);
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

const read = (file: string) => JSON.parse(readFileSync(file, "utf8")) as RunReport;

/** What the ground truth says a run over `specs` counts. */
function truthCounts(specs: readonly DomainSpec[]) {
  const outcomes = { mastodon: 0, alias: 0, other: 0, matrix: 0, error: 0 };
  const errorClasses = Object.fromEntries(ERROR_CLASSES.map((c) => [c, 0])) as Record<string, number>;
  for (const { truth } of specs) {
    outcomes[truth.kind]++;
    if (truth.error_class !== undefined) errorClasses[truth.error_class]!++;
  }
  return { outcomes, errorClasses };
}

describe.each(STORE_KINDS)("--summary-json on a crawl run (%s)", (name) => {
  it.skipIf(name === "postgres" && server === null)("counts what the ground truth says, with the duration, the rate and the sync state", async () => {
    const { env } = await binaryStore(name, { server, sim, dir, node: "summary" });
    const file = join(mkdtempSync(join(tmpdir(), "vmcrawl-summary-out-")), "summary.json");
    const run = await runBinary(["--file", join(dir, "ordinary.txt"), "--summary-json", file], { env, cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const report = read(file);
    expect(report).toMatchObject({ schema: 1, command: "crawl", interrupted: false, domains: { recorded: ordinary.length, skipped: 0, abandoned: 0 }, peers: null, ...truthCounts(ordinary) });
    expect(report.durationSeconds).toBeGreaterThan(0);
    expect(report.domainsPerSecond).toBeGreaterThan(0);
    // Seconds to two decimals.
    expect(Math.abs(Date.parse(report.finishedAt) - Date.parse(report.startedAt) - report.durationSeconds * 1000)).toBeLessThanOrEqual(5);
    expect(report.sync).toEqual(name === "sqlite" ? { mode: "embedded" } : { mode: "fleet", backlog: 0, quarantined: 0, lastSync: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    // Written whole: nothing but the file itself is left in its directory.
    expect(readdirSync(join(file, ".."))).toEqual(["summary.json"]);
  });
});

describe("--summary-json when the run is stopped", () => {
  it("Ctrl-C: still written, marked interrupted, and agreeing with the outcomes printed", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "vmcrawl-summary-out-")), "summary.json");
    const env = crawlerEnv(sim, dir, mkdtempSync(join(tmpdir(), "vmcrawl-home-")), { VMCRAWL_MAX_THREADS: "2" });
    const run = await runBinary(["--file", join(dir, "ordinary.txt"), "--summary-json", file], { env, cwd: dir, onOutcome: (n, child) => n === 5 && child.kill("SIGINT") });
    expect(run.code, run.stderr).toBe(130);
    const report = read(file);
    expect(report.interrupted).toBe(true);
    const printed = finishedDomains(run.stdout).length;
    expect(report.domains.recorded).toBe(printed);
    expect(printed).toBeLessThan(ordinary.length);
    expect(Object.values(report.outcomes).reduce((a, b) => a + b, 0)).toBe(printed);
  });

  it("an unwritable place is refused (exit 2) before anything is crawled", async () => {
    const home = mkdtempSync(join(tmpdir(), "vmcrawl-home-"));
    const run = await runBinary(["--file", join(dir, "ordinary.txt"), "--summary-json", "/nonexistent/dir/summary.json"], { env: crawlerEnv(sim, dir, home), cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--summary-json \/nonexistent\/dir\/summary\.json: its directory \/nonexistent\/dir is not a writable directory \(ENOENT\)/);
    expect(run.stdout).toBe("");
    expect(existsSync(join(home, ".local/share/vmcrawl/vmcrawl.db"))).toBe(false);
  });
});

describe("--summary-json on fetch and daemon --drain", () => {
  it("fetch: the peer lists read, then the crawl of the new domains; daemon --drain: what it crawled", async () => {
    const home = mkdtempSync(join(tmpdir(), "vmcrawl-home-"));
    const env = crawlerEnv(sim, dir, home);
    const out = mkdtempSync(join(tmpdir(), "vmcrawl-summary-out-"));
    const seed = ordinary.find((s) => s.truth.kind === "mastodon" && (s.truth.peers?.length ?? 0) > 0)!;
    const fetched = await runBinary(["fetch", "--target", seed.name, "--summary-json", join(out, "fetch.json")], { env, cwd: dir });
    expect(fetched.code, fetched.stderr).toBe(0);
    const fetch = read(join(out, "fetch.json"));
    expect(fetch.command).toBe("fetch");
    expect(fetch.peers).toMatchObject({ sources: 1, answered: 1, added: seed.truth.peers!.length });
    // Every new domain, and any canonical domain an alias among them named.
    expect(fetch.domains.recorded).toBeGreaterThanOrEqual(seed.truth.peers!.length);
    expect(Object.values(fetch.outcomes).reduce((a, b) => a + b, 0)).toBe(fetch.domains.recorded);

    // Another node's file: the same peers added but not crawled, then drained by the daemon.
    const env2 = crawlerEnv(sim, dir, mkdtempSync(join(tmpdir(), "vmcrawl-home-")));
    expect((await runBinary(["fetch", "--target", seed.name, "--no-crawl"], { env: env2, cwd: dir })).code).toBe(0);
    const drained = await runBinary(["daemon", "--drain", "--summary-json", join(out, "daemon.json")], { env: env2, cwd: dir, timeoutMs: 120_000 });
    expect(drained.code, drained.stderr).toBe(0);
    const daemon = read(join(out, "daemon.json"));
    expect(daemon).toMatchObject({ command: "daemon", interrupted: false, peers: null });
    // Every peer, and any canonical domain an alias among them named.
    expect(daemon.domains.recorded).toBeGreaterThanOrEqual(seed.truth.peers!.length);
    expect(Object.values(daemon.outcomes).reduce((a, b) => a + b, 0)).toBe(daemon.domains.recorded);
    expect(Object.values(daemon.errorClasses).reduce((a, b) => a + b, 0)).toBe(daemon.outcomes.error);
  });
});

describe("the README's run summary", () => {
  it("documents exactly the fields written", async () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Run summary"));
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]!) as Record<string, unknown>;
    const file = join(mkdtempSync(join(tmpdir(), "vmcrawl-summary-out-")), "summary.json");
    const env = crawlerEnv(sim, dir, mkdtempSync(join(tmpdir(), "vmcrawl-home-")));
    expect((await runBinary(["--target", ordinary[0]!.name, "--summary-json", file], { env, cwd: dir })).code).toBe(0);
    const actual = read(file) as unknown as Record<string, unknown>;
    const shape = (v: unknown): unknown => (v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : typeof v);
    // The example shows a fleet node's sync state and a fetch's peers; a crawl run embedded has the others.
    expect(Object.keys(example)).toEqual(Object.keys(actual));
    for (const key of ["domains", "outcomes", "errorClasses"]) expect(shape(example[key]), key).toEqual(shape(actual[key]));
  });
});
