/**
 * Two `vmcrawl daemon` nodes against one PostgreSQL share a 5,000-domain simulated fediverse
 * by lease: each domain is crawled by exactly one of them, both finish, and PostgreSQL ends at
 * the ground truth.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { PostgresSettings } from "../../src/config.ts";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import { fleetVariables, freshDatabase } from "../support/postgres.ts";
import { crawlerEnv, finishedDomains, mismatches, postgresLookup, requireBinary, type Run, runBinary } from "./e2e.ts";

const server = inject("postgres");
const DOMAINS = 5000;
let sim: Fedisim;
let dir: string;
let pg: PostgresSettings;

beforeAll(async () => {
  if (server === null) return;
  requireBinary();
  sim = await startFedisim(generateScenario({ domains: DOMAINS, seed: 79 }), { latencyScale: 0.1, logRequests: false });
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-daemons-e2e-"));
  sim.writeFiles(dir);
  pg = await freshDatabase(server, "daemons");
}, 120_000);

afterAll(async () => {
  await sim?.close();
});

function connect(): postgres.Sql {
  return postgres({ host: pg.host, port: pg.port, username: pg.user!, password: pg.password!, database: pg.database, onnotice: () => {}, max: 2 });
}

function nodeEnv(node: string): Record<string, string> {
  return crawlerEnv(sim, dir, mkdtempSync(join(tmpdir(), `vmcrawl-${node}-`)), fleetVariables(pg, node));
}

describe.skipIf(server === null)(`two daemons sharing ${DOMAINS} domains by lease`, () => {
  let migrate: Run;
  let nodes: Run[];

  beforeAll(async () => {
    migrate = await runBinary(["db", "migrate"], { env: nodeEnv("migrator"), cwd: dir });
    const sql = connect();
    try {
      await sql`INSERT INTO raw_domains (domain) SELECT unnest(${sim.scenario.listed.map((s) => s.name)}::text[])`;
    } finally {
      await sql.end({ timeout: 1 });
    }
    nodes = await Promise.all(["node-a", "node-b"].map((node) => runBinary(["daemon", "--drain"], { env: nodeEnv(node), cwd: dir, timeoutMs: 280_000 })));
  }, 300_000);

  it("migrates PostgreSQL with vmcrawl db migrate", () => {
    expect(migrate.stderr).toBe("");
    expect(migrate.code).toBe(0);
  });

  it("both nodes take part and finish cleanly", () => {
    for (const node of nodes) {
      expect(node.code, node.stderr).toBe(0);
      expect(node.stderr).toMatch(/daemon: started \(fleet node node-[ab]\/[0-9a-f]{8}, staging .*, 32 at a time\)/);
      expect(node.stderr).toMatch(/daemon: stopped after \d+ domains \(\d+ claims\)\n$/);
      expect(finishedDomains(node.stdout).length).toBeGreaterThan(DOMAINS / 10);
    }
  });

  it("crawls every domain exactly once between them", () => {
    const crawled = nodes.flatMap((n) => finishedDomains(n.stdout));
    const repeated = crawled.filter((d, i) => crawled.indexOf(d) !== i);
    expect(repeated).toEqual([]);
    expect(crawled.sort()).toEqual(sim.scenario.listed.map((s) => s.name).sort());
  });

  it("leaves PostgreSQL at the ground truth with every lease released and both receipts", async () => {
    const sql = connect();
    try {
      expect(mismatches(sim, await postgresLookup(sql))).toEqual([]);
      expect(await sql`SELECT domain FROM raw_domains WHERE claimed_by IS NOT NULL`).toEqual([]);
      expect(await sql`SELECT domain, count(*)::int FROM error_log GROUP BY domain HAVING count(*) > 1`).toEqual([]);
      expect((await sql`SELECT node_id FROM sync_receipts ORDER BY node_id`).map((r) => String(r.node_id).split("/")[0])).toEqual(["node-a", "node-b"]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
