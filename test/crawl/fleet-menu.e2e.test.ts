/**
 * The crawl menu in fleet mode, through the binary: every option 0–72 selects on PostgreSQL the
 * domains it selects on the embedded store with the same data (`--mode N --list`), and two nodes
 * running one selection at once share it by lease: each domain crawled exactly once, PostgreSQL at
 * the ground truth afterwards.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { PostgresSettings } from "../../src/config.ts";
import { ERROR_CLASSES } from "../../src/core/outcome.ts";
import { crawlModes } from "../../src/crawl/modes.ts";
import { PostgresStore } from "../../src/store/postgres.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import type { Store } from "../../src/store/types.ts";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import { fleetVariables, freshDatabase } from "../support/postgres.ts";
import { crawlerEnv, finishedDomains, mismatches, requireBinary, runBinary } from "./e2e.ts";
import postgres from "postgres";
import { postgresLookup } from "./e2e.ts";

const server = inject("postgres");
let sim: Fedisim;
let dir: string;

beforeAll(async () => {
  if (server === null) return;
  requireBinary();
  sim = await startFedisim(generateScenario({ domains: 300, seed: 83 }), { latencyScale: 0.1, logRequests: false });
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-fleet-menu-"));
  sim.writeFiles(dir);
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

const home = () => mkdtempSync(join(tmpdir(), "vmcrawl-home-"));
const OLD = "2026-11-20T00:00:00.000Z";

/** One row for every kind of state the menu tells apart, the same in both stores. */
async function fixture(store: Store): Promise<void> {
  await store.migrate();
  const raw = (domain: string, columns: Record<string, string | number | null> = {}) => {
    const all = { domain, last_crawled_at: OLD, ...columns };
    return store.query(`INSERT INTO raw_domains (${Object.keys(all).join(", ")}) VALUES (${Object.keys(all).map(() => "?").join(", ")})`, Object.values(all));
  };
  const published = (domain: string, version: string, mau: number) =>
    store.query("INSERT INTO mastodon_domains (domain, software_version, full_version, active_users_monthly, nodeinfo, timestamp) VALUES (?, ?, ?, ?, 'mastodon', ?)", [domain, version, version, mau, OLD]);
  await raw("new.example", { last_crawled_at: null });
  await raw("ok.example");
  await published("ok.example", "4.5.6", 10);
  await raw("unpatched.example");
  await published("unpatched.example", "4.5.2", 0);
  await raw("main.example");
  await published("main.example", "4.6.0-alpha.4", 3);
  await raw("eol.example");
  await published("eol.example", "4.2.10", 1);
  await raw("other.example", { nodeinfo: "misskey" });
  await raw("alias.example", { alias_of: "ok.example" });
  await raw("issue.example", { error_type: "HTTP5XX", error_count: 2 });
  await published("issue.example", "4.5.6", 5);
  for (const c of ERROR_CLASSES) {
    await raw(`err-${c.toLowerCase()}.example`, { error_type: c, error_count: 1 });
    await raw(`bad-${c.toLowerCase()}.example`, { error_type: c, error_count: 24, terminal_type: c });
  }
}

describe.skipIf(server === null)("the crawl menu in fleet mode", () => {
  let pg: PostgresSettings;
  let embeddedEnv: Record<string, string>;
  let fleetEnv: Record<string, string>;

  beforeAll(async () => {
    pg = await freshDatabase(server!, "menu");
    const embeddedHome = home();
    embeddedEnv = crawlerEnv(sim, dir, embeddedHome);
    fleetEnv = crawlerEnv(sim, dir, home(), fleetVariables(pg, "menu-node"));
    const sqlite = new SqliteStore(join(embeddedHome, ".local/share/vmcrawl/vmcrawl.db"), { cacheDir: join(embeddedHome, "cache") });
    const postgresStore = new PostgresStore(pg);
    try {
      await fixture(sqlite);
      await fixture(postgresStore);
    } finally {
      await sqlite.close();
      await postgresStore.close();
    }
  }, 60_000);

  it("selects with every option 0–72 on PostgreSQL the domains it selects on the embedded store", { timeout: 240_000 }, async () => {
    const listed = async (env: Record<string, string>, mode: number) => {
      const run = await runBinary(["--mode", String(mode), "--list"], { env, cwd: dir });
      expect(run.code, `mode ${mode}: ${run.stderr}`).toBe(0);
      return run.stdout.split("\n").filter((l) => l !== "").sort();
    };
    const differences: string[] = [];
    const sizes = new Map<number, number>();
    for (const { mode } of crawlModes) {
      const [embedded, fleet] = await Promise.all([listed(embeddedEnv, mode), listed(fleetEnv, mode)]);
      if (JSON.stringify(embedded) !== JSON.stringify(fleet)) differences.push(`mode ${mode}: embedded ${embedded.join(",")} / fleet ${fleet.join(",")}`);
      sizes.set(mode, fleet.length);
    }
    expect(differences).toEqual([]);
    // Not empty by accident: the fixture gives every per-class option one domain, and the rest their own.
    for (const mode of [0, 1, 4, 5, 10, 20, 31, 50, 51, 52, 53, 60, 72]) expect(sizes.get(mode), `mode ${mode}`).toBeGreaterThan(0);
    expect(await listed(fleetEnv, 20)).toEqual(["err-dns.example"]);
    expect(await listed(fleetEnv, 64)).toEqual(["bad-size.example"]);
    // Listing claims nothing.
    const sql = postgres({ host: pg.host, port: pg.port, username: pg.user!, password: pg.password!, database: pg.database, onnotice: () => {}, max: 1 });
    try {
      expect(await sql`SELECT domain FROM raw_domains WHERE claimed_by IS NOT NULL`).toEqual([]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it("shares one selection between two nodes by lease: each domain crawled once, PostgreSQL at the ground truth", { timeout: 240_000 }, async () => {
    const shared = await freshDatabase(server!, "menu2");
    const store = new PostgresStore(shared);
    try {
      await store.migrate();
      // Every listed domain as if its last crawl had failed in DNS (count 0: the ground truth expects one failure after this run).
      for (const spec of sim.scenario.listed) {
        await store.query("INSERT INTO raw_domains (domain, last_crawled_at, error_type, error_count) VALUES (?, ?, 'DNS', 0)", [spec.name, OLD]);
      }
    } finally {
      await store.close();
    }
    const nodes = await Promise.all(["node-a", "node-b"].map((node) => runBinary(["--mode", "20"], { env: crawlerEnv(sim, dir, home(), fleetVariables(shared, node)), cwd: dir, timeoutMs: 200_000 })));
    for (const node of nodes) expect(node.code, node.stderr).toBe(0);
    const crawled = nodes.flatMap((n) => finishedDomains(n.stdout));
    expect(crawled.filter((d, i) => crawled.indexOf(d) !== i), "crawled twice").toEqual([]);
    expect([...crawled].sort()).toEqual(sim.scenario.listed.map((s) => s.name).sort());
    for (const node of nodes) expect(finishedDomains(node.stdout).length, "both nodes take part").toBeGreaterThan(0);

    const sql = postgres({ host: shared.host, port: shared.port, username: shared.user!, password: shared.password!, database: shared.database, onnotice: () => {}, max: 2 });
    try {
      expect(mismatches(sim, await postgresLookup(sql))).toEqual([]);
      expect(await sql`SELECT domain FROM raw_domains WHERE claimed_by IS NOT NULL`).toEqual([]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
