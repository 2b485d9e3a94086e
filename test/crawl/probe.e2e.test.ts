/**
 * The shipped binary against a 2,000-domain simulated fediverse covering every behaviour family,
 * hostile ones included:
 * `vmcrawl probe --file domains.txt --json`, every outcome compared with ground truth, the
 * simulator's request log checked for courtesy, and the crawler's peak memory measured by the OS.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userAgent } from "../../src/version.ts";
import { courtesyViolations } from "../fedisim/courtesy.ts";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import { FAMILIES, HOSTILE_FAMILIES } from "../fedisim/families.ts";
import { compareWithTruth } from "./truth.ts";

const binary = join(import.meta.dirname, "..", "..", "dist", "vmcrawl");
const DOMAINS = 2000;
const DEADLINE_S = 15;
let sim: Fedisim;
let run: { code: number | null; outcomes: Record<string, unknown>[]; stderr: string; peakRssMiB: number; seconds: number };

beforeAll(async () => {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run "npm run build" first (npm test does)`);
  if (!existsSync("/usr/bin/time")) throw new Error("GNU time (/usr/bin/time) is missing: apt-get install time (.ci/run does)");
  // Some latency, so connections overlap as they do for real (scaled down to keep the test quick).
  sim = await startFedisim(generateScenario({ domains: DOMAINS, seed: 2026, hostile: 0.03 }), { latencyScale: 0.1 });
  const out = mkdtempSync(join(tmpdir(), "vmcrawl-e2e-"));
  sim.writeFiles(out);
  const env = {
    HOME: out,
    PATH: "/usr/bin:/bin",
    ...sim.crawlerEnv,
    VMCRAWL_CA_FILE: join(out, "ca.pem"),
    VMCRAWL_MAX_THREADS: "32",
    VMCRAWL_DOMAIN_TIMEOUT: String(DEADLINE_S),
  };
  const started = performance.now();
  // GNU time reports the child's peak resident memory (%M, KiB) on the last line of stderr.
  const child = spawn("/usr/bin/time", ["-f", "peak-rss-kib %M", binary, "probe", "--json", "--file", join(out, "domains.txt")], { env, cwd: out });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const peak = Number(/peak-rss-kib (\d+)/.exec(stderr)?.[1] ?? Number.NaN);
  run = {
    code,
    outcomes: stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
    stderr,
    peakRssMiB: Math.round(peak / 1024),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}, 300_000);

afterAll(async () => {
  await sim?.close();
});

describe(`vmcrawl probe over ${DOMAINS} simulated domains`, () => {
  it("covers every behaviour family, hostile ones included", () => {
    const families = new Set(sim.scenario.listed.map((s) => s.family));
    for (const f of [...FAMILIES, ...HOSTILE_FAMILIES]) expect(families.has(f.name), f.name).toBe(true);
  });

  it("prints every documented key on every line", () => {
    const keys = ["domain", "kind", "error_class", "cause", "endpoint", "reason", "software", "version", "full_version", "mau", "total_users", "canonical", "ms", "requests"];
    for (const o of run.outcomes) expect(Object.keys(o)).toEqual(keys);
  });

  it("finishes cleanly with one outcome per domain", () => {
    expect(run.stderr.replace(/peak-rss-kib \d+\n?$/, "")).toBe("");
    expect(run.code).toBe(0);
    expect(run.outcomes.map((o) => o.domain).sort()).toEqual(sim.scenario.listed.map((s) => s.name).sort());
  });

  it("records exactly the ground truth for every domain", () => {
    const byName = new Map(run.outcomes.map((o) => [String(o.domain), o]));
    const mismatches = sim.scenario.listed.flatMap((spec) => compareWithTruth(byName.get(spec.name), spec.truth, spec.family));
    expect(mismatches).toEqual([]);
  });

  it("keeps every promise to server admins", () => {
    expect(courtesyViolations(sim.requests.records, sim.scenario, { userAgent: userAgent("https://docs.vmst.io/vmcrawl"), maxPerHost: 2 })).toEqual([]);
  });

  it("ends every domain, hostile ones included, within the domain deadline", () => {
    for (const o of run.outcomes) expect(Number(o.ms), String(o.domain)).toBeLessThan(DEADLINE_S * 1000 + 1000);
  });

  it(`stays under 300 MB of resident memory`, () => {
    console.log(`[probe e2e] ${DOMAINS} domains in ${run.seconds} s, peak RSS ${run.peakRssMiB} MiB`);
    expect(run.peakRssMiB).toBeGreaterThan(0);
    expect(run.peakRssMiB).toBeLessThan(300);
  });
});
