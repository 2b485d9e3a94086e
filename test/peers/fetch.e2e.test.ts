/**
 * `vmcrawl fetch` as a user runs it, the built binary against fedisim: starting from the seed
 * server on an empty database, each run asks every published server for its peers and crawls
 * what is new, so the peers graph is discovered transitively until nothing new turns up. The
 * stored domains must be exactly that closure: no garbage, nothing under a hard DNI entry.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PEERS_PATH } from "../../src/peers/fetch-source.ts";
import { userAgent } from "../../src/version.ts";
import { courtesyViolations } from "../fedisim/courtesy.ts";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import type { DomainSpec } from "../fedisim/spec.ts";
import { crawlerEnv, requireBinary, type Run, runBinary } from "../crawl/e2e.ts";
import { fleetVariables, freshDatabase } from "../support/postgres.ts";
import { ianaFile, scenarioTlds } from "../fedisim/tlds.ts";

let sim: Fedisim;
let dir: string;
let home: string;
let seed: DomainSpec;
let blocked: string;
const runs: Run[] = [];
const MAX_RUNS = 8;

/** A server that publishes peers: answers as Mastodon, has users, robots.txt lets us read its peers. */
function isSource(spec: DomainSpec | undefined): spec is DomainSpec {
  return spec !== undefined && spec.truth.kind === "mastodon" && (spec.truth.mau ?? 0) > 0 && spec.peers !== undefined && !spec.truth.disallowed?.includes(PEERS_PATH);
}

/** What repeated fetches must end up knowing: peers of the seed, then of every source among them, and aliases' canonical domains. */
function closure(byName: Map<string, DomainSpec>, block: string): Set<string> {
  const known = new Set<string>();
  const asked = new Set<string>();
  const queue = [seed.name];
  const learn = (name: string) => {
    if (name === block || known.has(name)) return;
    known.add(name);
    const spec = byName.get(name);
    if (spec?.truth.kind === "alias" && spec.truth.canonical !== undefined) learn(spec.truth.canonical);
    if (isSource(spec)) queue.push(name);
  };
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (asked.has(name)) continue;
    asked.add(name);
    for (const peer of byName.get(name)?.truth.peers ?? []) learn(peer);
  }
  return known;
}

beforeAll(async () => {
  requireBinary();
  const scenario = generateScenario({ domains: 300, seed: 31 });
  sim = await startFedisim(scenario, { latencyScale: 0.1, files: { "tlds.fedisim.test": { "/tlds-alpha-by-domain.txt": ianaFile(scenarioTlds(scenario)) } } });
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-fetch-e2e-"));
  sim.writeFiles(dir);
  home = mkdtempSync(join(tmpdir(), "vmcrawl-home-"));
  // The seed: the source whose peers reach the most.
  const byName = new Map(sim.scenario.listed.map((s) => [s.name, s]));
  seed = sim.scenario.listed.filter(isSource).sort((a, b) => (b.truth.peers?.length ?? 0) - (a.truth.peers?.length ?? 0))[0]!;
  // A hard DNI entry for one name the seed lists.
  blocked = seed.truth.peers!.find((p) => isSource(byName.get(p)))!;
  const env = crawlerEnv(sim, dir, home, { VMCRAWL_TLD_URL: "https://tlds.fedisim.test/tlds-alpha-by-domain.txt", VMCRAWL_FETCH_SEED: seed.name, VMCRAWL_FETCH_MIN_ACTIVE: "0" });
  const migrated = await runBinary(["db", "migrate"], { env, cwd: dir });
  if (migrated.code !== 0) throw new Error(migrated.stderr);
  const db = new Database(join(home, ".local/share/vmcrawl/vmcrawl.db"));
  db.prepare("INSERT INTO dni (domain, comment, force) VALUES (?, 'test', 'hard')").run(blocked);
  db.close();
  for (let i = 0; i < MAX_RUNS; i++) {
    const run = await runBinary(["fetch", "--limit", "1000"], { env, cwd: dir });
    runs.push(run);
    if (run.code !== 0 || / 0 new domains, /.test(run.stderr)) break;
  }
}, 300_000);

afterAll(async () => {
  await sim?.close();
});

function stored(): string[] {
  const db = new Database(join(home, ".local/share/vmcrawl/vmcrawl.db"), { readonly: true });
  try {
    return db.prepare("SELECT domain FROM raw_domains").pluck().all() as string[];
  } finally {
    db.close();
  }
}

describe("vmcrawl fetch, run until nothing new turns up", () => {
  it("starts from the seed server on an empty database, and every run succeeds", () => {
    expect(runs[0]!.stderr).toContain(`no Mastodon server is known yet: starting from ${seed.name} (VMCRAWL_FETCH_SEED)`);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
  });

  it("discovers the peers graph transitively, over several runs, until a run finds nothing new", () => {
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.length).toBeLessThan(MAX_RUNS);
    const added = runs.map((r) => Number(/ (\d+) new domains?, /.exec(r.stderr)?.[1]));
    expect(added.at(-1)).toBe(0);
    expect(added.slice(0, 2).every((n) => n > 0)).toBe(true);
  });

  it("stores exactly the names a correct fetch admits: the closure from the seed, no garbage", () => {
    const byName = new Map(sim.scenario.listed.map((s) => [s.name, s]));
    expect(stored().sort()).toEqual([...closure(byName, blocked)].sort());
  });

  it("never stores a domain on the hard DNI list, and says it refused it", () => {
    expect(stored()).not.toContain(blocked);
    expect(runs[0]!.stdout).toMatch(new RegExp(`${seed.name.replace(/\./g, "\\.")} \\d+ peers: \\d+ new, \\d+ known, \\d+ rejected \\(.*\\d+ on the DNI list \\(hard\\)`));
  });

  it("writes one line per source server and a summary with every rejection reason counted", () => {
    const first = runs[0]!;
    expect(first.stdout.split("\n").filter((l) => l.includes(" peers: ")).length).toBe(1);
    expect(first.stderr).toMatch(/^vmcrawl: fetched peers from 1 server in [\d.]+ s \(1 answered\): \d+ entries, \d+ new domains, \d+ known, (none rejected|\d+ rejected: .*)$/m);
    expect(first.stderr).toMatch(/^vmcrawl: crawled \d+ new domains in [\d.]+ s \(/m);
  });

  it("keeps every promise to server admins, peers included", () => {
    // The TLD list is a data file the operator points at, not a server being crawled.
    const crawled = sim.requests.records.filter((r) => r.host !== "tlds.fedisim.test");
    expect(crawled.length).toBeGreaterThan(1000);
    expect(courtesyViolations(crawled, sim.scenario, { userAgent: userAgent("https://docs.vmst.io/vmcrawl"), maxPerHost: 2, allowed: ["robots_txt", "nodeinfo", "host_meta", "webfinger", "nodeinfo_document", "instance_api_v2", "instance_api_v1", "peers"] })).toEqual([]);
  });
});

describe("vmcrawl fetch --no-crawl", () => {
  it("adds the new domains without visiting any of them", async () => {
    const quietHome = mkdtempSync(join(tmpdir(), "vmcrawl-home-"));
    const env = crawlerEnv(sim, dir, quietHome, { VMCRAWL_TLD_URL: "https://tlds.fedisim.test/tlds-alpha-by-domain.txt" });
    const before = sim.requests.records.length;
    const run = await runBinary(["fetch", "--target", seed.name, "--no-crawl"], { env, cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/crawled \d+ new domains/);
    const db = new Database(join(quietHome, ".local/share/vmcrawl/vmcrawl.db"), { readonly: true });
    try {
      const rows = db.prepare("SELECT domain, last_crawled_at AS crawledAt FROM raw_domains").all() as { domain: string; crawledAt: string | null }[];
      const added = Number(/ (\d+) new domains?, /.exec(run.stderr)?.[1]);
      expect(added).toBeGreaterThan(10);
      // Every peer of the seed (the target itself is recorded as asked).
      expect(rows.filter((r) => r.domain !== seed.name).length).toBe(added);
      expect(rows.every((r) => r.crawledAt === null)).toBe(true);
    } finally {
      db.close();
    }
    const visited = new Set(sim.requests.records.slice(before).map((r) => r.host));
    visited.delete("tlds.fedisim.test");
    expect([...visited]).toEqual([seed.name]);
  }, 60_000);
});

describe("vmcrawl fetch offline", () => {
  it("admits peers by the TLDs the binary carries when no list can be read and none is stored, and says so", async () => {
    const home = mkdtempSync(join(tmpdir(), "vmcrawl-home-"));
    const env = crawlerEnv(sim, dir, home, { VMCRAWL_TLD_URL: "https://tlds.fedisim.test/gone.txt" });
    const run = await runBinary(["fetch", "--target", seed.name, "--no-crawl"], { env, cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/the TLD list at https:\/\/tlds\.fedisim\.test\/gone\.txt could not be read \(HTTP 404\) and no copy is stored; admitting peers by the TLDs this binary carries \(tldts \d+\.\d+\.\d+, in the build of \d{4}-\d{2}-\d{2}\)/);
    expect(Number(/ (\d+) new domains?, /.exec(run.stderr)?.[1])).toBeGreaterThan(10);
    const db = new Database(join(home, ".local/share/vmcrawl/vmcrawl.db"), { readonly: true });
    try {
      // A made-up TLD is still refused; nothing is stored as if it were IANA's list.
      expect(db.prepare("SELECT count(*) FROM raw_domains WHERE domain LIKE '%.notatld'").pluck().get()).toBe(0);
      expect(db.prepare("SELECT count(*) FROM tld_cache").pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  }, 60_000);
});

const server = inject("postgres");

describe.skipIf(server === null)("vmcrawl fetch in fleet mode", () => {
  it("sends the new domains and each server's verdict to PostgreSQL", async () => {
    const pg = await freshDatabase(server!, "fetch");
    const env = crawlerEnv(sim, dir, mkdtempSync(join(tmpdir(), "vmcrawl-home-")), {
      VMCRAWL_TLD_URL: "https://tlds.fedisim.test/tlds-alpha-by-domain.txt",
      ...fleetVariables(pg, "fetch-node"),
    });
    // A server whose robots.txt keeps its peers to itself.
    const refusing = sim.scenario.listed.find((s) => s.truth.disallowed?.includes(PEERS_PATH) && s.dns === "ok" && s.address === "main");
    expect(refusing, "the scenario has a server that disallows its peers").toBeDefined();

    const fetched = await runBinary(["fetch", "--target", seed.name, "--no-crawl"], { env, cwd: dir });
    expect(fetched.code, fetched.stderr).toBe(0);
    const refused = await runBinary(["fetch", "--target", refusing!.name, "--no-crawl"], { env, cwd: dir });
    expect(refused.code, refused.stderr).toBe(0);
    expect(refused.stdout).toContain(`${refusing!.name} no peers: robots.txt of ${refusing!.name} disallows ${PEERS_PATH} (not asked again by untargeted runs)`);

    const sql = postgres({ host: pg.host, port: pg.port, username: pg.user!, password: pg.password!, database: pg.database, onnotice: () => {}, max: 1 });
    try {
      const rows = await sql<{ domain: string; peers: boolean }[]>`SELECT domain, peers FROM raw_domains`;
      const added = Number(/ (\d+) new domains?, /.exec(fetched.stderr)?.[1]);
      expect(added).toBeGreaterThan(10);
      const peersOfSeed = new Set(seed.truth.peers);
      expect(rows.filter((r) => peersOfSeed.has(r.domain)).length).toBe(added);
      expect(rows.find((r) => r.domain === seed.name)?.peers).toBe(true);
      expect(rows.find((r) => r.domain === refusing!.name)?.peers).toBe(false);
      // Nothing is left in the staging file: all of it reached PostgreSQL.
      const status = await runBinary(["sync", "--status"], { env, cwd: dir });
      expect(status.code, status.stdout + status.stderr).toBe(0);
    } finally {
      await sql.end({ timeout: 1 });
    }
  }, 120_000);
});
