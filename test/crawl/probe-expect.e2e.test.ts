/**
 * `vmcrawl probe --expect KIND` through the binary, as a CI job runs it: exit 0 when every probed
 * domain meets the expectation, 1 when any does not (each named on stderr, the outcomes still on
 * stdout), 2 for a bad kind, and 0 without --expect whatever the outcome.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DomainSpec, type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import { crawlerEnv, requireBinary, runBinary } from "./e2e.ts";

let sim: Fedisim;
let dir: string;
const first = (family: string): DomainSpec => sim.scenario.listed.find((s) => s.family === family)!;

beforeAll(async () => {
  requireBinary();
  sim = await startFedisim(generateScenario({ domains: 8, seed: 25, families: ["mastodon", "alias", "other", "dns-nxdomain", "refused", "robots-vmcrawl", "tls-untrusted"], latency: { medianMs: 0 } }));
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-expect-"));
  sim.writeFiles(dir);
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

describe("vmcrawl probe --expect", () => {
  const env = () => crawlerEnv(sim, dir, mkdtempSync(join(tmpdir(), "vmcrawl-home-")));
  const probe = (args: string[], environment = env()) => runBinary(["probe", ...args], { env: environment, cwd: dir, timeoutMs: 60_000 });

  it.each([
    ["listed", ["mastodon"]],
    ["mastodon", ["mastodon", "alias"]],
    ["reachable", ["mastodon", "alias", "other", "robots-vmcrawl"]],
  ])("--expect %s: exit 0 when every domain meets it (%j)", async (kind, families) => {
    const run = await probe(["--expect", kind, ...families.map((f) => first(f).name)]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
  });

  it.each([
    ["listed", ["mastodon", "alias", "robots-vmcrawl"], ["alias", "robots-vmcrawl"], /not listed: /],
    ["mastodon", ["mastodon", "other", "dns-nxdomain"], ["other", "dns-nxdomain"], /not Mastodon: /],
    ["reachable", ["mastodon", "dns-nxdomain", "refused", "tls-untrusted"], ["dns-nxdomain", "refused", "tls-untrusted"], /not reachable: (DNS|TCP|SSL) /],
  ])("--expect %s: exit 1 naming each domain that does not meet it, every outcome still printed", async (kind, families, failing, why) => {
    const run = await probe(["--json", "--expect", kind, ...families.map((f) => first(f).name)]);
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split("\n");
    const named = failing.map((f) => first(f).name);
    for (const name of named) expect(lines.find((l) => l.startsWith(`vmcrawl: ${name}: `)), run.stderr).toMatch(why);
    expect(lines.at(-1)).toBe(`vmcrawl: ${named.length} domains not ${kind}: ${lines.slice(0, -1).map((l) => l.split(": ")[1]).join(", ")}`);
    expect(run.stdout.trim().split("\n").map((l) => JSON.parse(l).domain).sort()).toEqual(families.map((f) => first(f).name).sort());
  });

  it("--expect listed: a Mastodon server on the DNI list (hard) is not listed", async () => {
    const environment = env();
    const server = first("mastodon").name;
    expect((await runBinary(["manage", "dni", "add", server, "--comment", "test", "--force", "hard"], { env: environment, cwd: dir })).code).toBe(0);
    const run = await probe(["--expect", "listed", server], environment);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`vmcrawl: ${server}: not listed: on the DNI list (hard), so never crawled`);
  });

  it("refuses an unknown kind with exit 2 before probing anything, and keeps exit 0 without --expect", async () => {
    const bad = await probe(["--expect", "published", first("mastodon").name]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--expect "published" is not one of: mastodon \(.*\); listed \(.*\); reachable \(.*\)/);
    expect(bad.stdout).toBe("");
    const plain = await probe([first("dns-nxdomain").name]);
    expect(plain.code).toBe(0);
  });
});
