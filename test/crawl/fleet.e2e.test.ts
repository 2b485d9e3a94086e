/**
 * Fleet mode end to end: the shipped binary crawls a 2,000-domain simulated fediverse into
 * its SQLite staging file and syncs to a real PostgreSQL, directly or through a real sshd.
 * The database is crashed mid-crawl, the crawler is killed with SIGKILL, the tunnel is cut in
 * the middle of a sync transaction; every time PostgreSQL must end up holding exactly what the
 * ground truth says (the same as a crawl into SQLite alone): nothing lost, nothing doubled.
 * The crash run's scenario includes the hostile families: nothing they send jams the sync, and
 * no text PostgreSQL holds is over its cap; the other runs take the ordinary domains only (the
 * hostile ones' slow host would add half a minute to each).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type DomainSpec, type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import { PostgresCluster } from "../support/postgres.ts";
import { type SshServer, startSshd } from "../support/sshd.ts";
import { CAPPED_COLUMNS, crawlerEnv, finishedDomains, mismatches, postgresLookup, requireBinary, type Run, runBinary, textCapViolations, writeOrdinaryList } from "./e2e.ts";

const postgresBin = inject("postgresBin");
const sshdPath = inject("sshd");
const DOMAINS = 2000;
/** Every hostile family at least once, and some of each drawn again. */
const HOSTILE_SHARE = 0.03;
let sim: Fedisim;
let dir: string;
/** The listed domains of no hostile family, written to ordinary.txt. */
let ordinary: DomainSpec[];
let cluster: PostgresCluster;
let admin: postgres.Sql;

beforeAll(async () => {
  if (postgresBin === null) return;
  requireBinary();
  sim = await startFedisim(generateScenario({ domains: DOMAINS, seed: 78, hostile: HOSTILE_SHARE }), { latencyScale: 0.1, logRequests: false });
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-fleet-e2e-"));
  sim.writeFiles(dir);
  ordinary = writeOrdinaryList(sim, dir);
  // A cluster of its own: these tests crash it.
  cluster = await PostgresCluster.create(postgresBin);
  admin = connect("postgres");
}, 120_000);

afterAll(async () => {
  await admin?.end({ timeout: 1 });
  cluster?.destroy();
  await sim?.close();
});

function connect(database: string): postgres.Sql {
  const { host, port, user, password } = cluster.server;
  return postgres({ host, port, username: user, password, database, onnotice: () => {}, max: 2 });
}

async function freshDatabase(name: string): Promise<string> {
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  return name;
}

function fleetEnv(home: string, database: string, extra: Record<string, string> = {}): Record<string, string> {
  const { host, port, user, password } = cluster.server;
  return crawlerEnv(sim, dir, home, {
    VMCRAWL_POSTGRES_DATA: database,
    VMCRAWL_POSTGRES_USER: user,
    VMCRAWL_POSTGRES_PASS: password,
    VMCRAWL_POSTGRES_HOST: host,
    VMCRAWL_POSTGRES_PORT: String(port),
    VMCRAWL_POSTGRES_SSLMODE: "disable",
    VMCRAWL_NODE_ID: "e2e-node",
    ...extra,
  });
}

/** What PostgreSQL holds, compared with the ground truth; plus error_log rows per domain beyond one. */
async function postgresVersusTruth(database: string, specs: readonly DomainSpec[]): Promise<{ mismatches: string[]; repeatedErrors: unknown[]; errorRows: number; overCap: string[] }> {
  const sql = connect(database);
  try {
    const lookup = await postgresLookup(sql);
    const repeatedErrors = await sql`SELECT domain, count(*)::int AS n FROM error_log GROUP BY domain HAVING count(*) > 1`;
    const [{ n }] = (await sql`SELECT count(*)::int AS n FROM error_log`) as unknown as [{ n: number }];
    const tables = Object.fromEntries(await Promise.all(Object.keys(CAPPED_COLUMNS).map(async (table) => [table, [...(await sql.unsafe(`SELECT * FROM ${table}`))]] as const)));
    const overCap = textCapViolations((table) => (tables[table] ?? []) as unknown as Record<string, unknown>[]);
    return { mismatches: mismatches(specs, lookup), repeatedErrors: [...repeatedErrors], errorRows: n, overCap };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function expectedErrorRows(specs: readonly DomainSpec[]): number {
  return specs.filter((s) => s.truth.kind === "error").length;
}

function stagingFile(home: string): Database.Database {
  return new Database(join(home, ".local/share/vmcrawl/vmcrawl.db"), { readonly: true });
}

function vmcrawl(args: string[], env: Record<string, string>, onOutcome?: (count: number, child: import("node:child_process").ChildProcess) => void): Promise<Run> {
  return runBinary(args, { env, cwd: dir, ...(onOutcome === undefined ? {} : { onOutcome }) });
}

describe.skipIf(postgresBin === null)("PostgreSQL crashes in the middle of a fleet crawl", () => {
  const database = "fleet_crash";
  let home: string;
  let crawl: Run;
  let sync: Run;
  let status: Run;
  let stagedAtEnd: number;

  beforeAll(async () => {
    await freshDatabase(database);
    home = mkdtempSync(join(tmpdir(), "vmcrawl-home-"));
    const env = fleetEnv(home, database);
    crawl = await vmcrawl(["--file", join(dir, "domains.txt")], env, (count) => {
      if (count === 300) cluster.stop("immediate");
    });
    const db = stagingFile(home);
    stagedAtEnd = db.prepare("SELECT count(*) FROM outbox").pluck().get() as number;
    db.close();
    cluster.start();
    sync = await vmcrawl(["sync"], env);
    status = await vmcrawl(["sync", "--status"], env);
  }, 240_000);

  it("keeps crawling while the database is away, says so once, and leaves the rest staged", () => {
    expect(crawl.code).toBe(0);
    expect(finishedDomains(crawl.stdout).length).toBe(DOMAINS);
    expect(crawl.stderr.match(/sync: cannot reach PostgreSQL/g)?.length).toBe(1);
    expect(crawl.stderr).toMatch(/\d+ results stay staged in .*vmcrawl\.db \(PostgreSQL: .*\); vmcrawl sync, the daemon or the next run pushes them/);
    expect(stagedAtEnd).toBeGreaterThan(DOMAINS - 400);
  });

  it("vmcrawl sync pushes the backlog once the database is back, and nothing is left", () => {
    expect(sync.stderr).toBe("");
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(new RegExp(`^Pushed ${stagedAtEnd} staged changes to PostgreSQL 127\\.0\\.0\\.1:\\d+/${database}; nothing is left\\.\\n$`));
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^backlog: +0 staged changes$/m);
    expect(status.stdout).toMatch(/^last success: +\d{4}-\d{2}-\d{2}T/m);
    expect(status.stdout).toMatch(/^last failure: +\d{4}-\d{2}-\d{2}T\S+ .*(ECONNREFUSED|CONNECTION|terminat)/im);
  });

  it("PostgreSQL then holds exactly the ground truth, hostile domains included: no outcome lost, none doubled, none quarantined, no text over its cap", async () => {
    const result = await postgresVersusTruth(database, sim.scenario.listed);
    expect(result.mismatches).toEqual([]);
    expect(result.repeatedErrors).toEqual([]);
    expect(result.errorRows).toBe(expectedErrorRows(sim.scenario.listed));
    expect(result.overCap).toEqual([]);
    expect(status.stdout).toMatch(/^quarantined: +none$/m);
  });
});

describe.skipIf(postgresBin === null)("a fleet crawler killed with SIGKILL, then run again", () => {
  const database = "fleet_sigkill";
  let home: string;
  let first: Run;
  let second: Run;
  let afterKill: { integrity: unknown; crawled: number; staged: number; inPostgres: number };

  beforeAll(async () => {
    await freshDatabase(database);
    home = mkdtempSync(join(tmpdir(), "vmcrawl-home-"));
    const env = fleetEnv(home, database);
    first = await vmcrawl(["--file", join(dir, "ordinary.txt")], env, (count, child) => {
      if (count === 700) child.kill("SIGKILL");
    });
    const db = stagingFile(home);
    const sql = connect(database);
    afterKill = {
      integrity: db.pragma("integrity_check", { simple: true }),
      crawled: db.prepare("SELECT count(*) FROM raw_domains WHERE last_crawled_at IS NOT NULL").pluck().get() as number,
      staged: db.prepare("SELECT count(*) FROM outbox").pluck().get() as number,
      inPostgres: ((await sql`SELECT count(*)::int AS n FROM raw_domains WHERE last_crawled_at IS NOT NULL`)[0] as { n: number }).n,
    };
    await sql.end({ timeout: 1 });
    db.close();
    second = await vmcrawl(["--new"], env);
  }, 240_000);

  it("leaves an intact staging file; what reached PostgreSQL is a part of what was crawled", () => {
    expect(first.signal).toBe("SIGKILL");
    expect(afterKill.integrity).toBe("ok");
    expect(afterKill.crawled).toBeGreaterThan(0);
    expect(afterKill.crawled).toBeLessThan(ordinary.length);
    expect(afterKill.inPostgres).toBeLessThanOrEqual(afterKill.crawled);
  });

  it("the next run finishes the crawl, pushes everything, and PostgreSQL holds exactly the ground truth", async () => {
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/all results are in PostgreSQL/);
    expect(finishedDomains(second.stdout).length).toBe(ordinary.length - afterKill.crawled);
    const result = await postgresVersusTruth(database, ordinary);
    expect(result.mismatches).toEqual([]);
    expect(result.repeatedErrors).toEqual([]);
    expect(result.errorRows).toBe(expectedErrorRows(ordinary));
  });
});

describe.skipIf(postgresBin === null || sshdPath === null)("fleet crawling through an SSH tunnel that drops", () => {
  const database = "fleet_tunnel";
  let sshd: SshServer;
  let home: string;
  let crawl: Run;
  let cutSync: Run;
  let resumed: Run;
  let status: Run;
  let integrity: unknown;
  let cutMidTransaction = false;

  beforeAll(async () => {
    sshd = await startSshd(sshdPath!);
    await freshDatabase(database);
    home = mkdtempSync(join(tmpdir(), "vmcrawl-home-"));
    const env = fleetEnv(home, database, {
      VMCRAWL_SSH_HOST: sshd.host,
      VMCRAWL_SSH_PORT: String(sshd.port),
      VMCRAWL_SSH_USER: sshd.user,
      VMCRAWL_SSH_KEY: sshd.keyFile,
      VMCRAWL_SSH_KEY_PASS: sshd.keyPassphrase,
      VMCRAWL_SSH_KNOWN_HOSTS: sshd.knownHostsFile,
    });
    // The tunnel is cut at 200 finished domains, and the server is gone from 400 on; at 900 the crawler is killed.
    crawl = await vmcrawl(["--file", join(dir, "ordinary.txt")], env, (count, child) => {
      if (count === 200) sshd.dropConnections();
      if (count === 400) void sshd.stop();
      if (count === 900) child.kill("SIGKILL");
    });
    const db = stagingFile(home);
    integrity = db.pragma("integrity_check", { simple: true });
    db.close();
    await sshd.start();

    // Each sync transaction now sleeps in the database, so the tunnel can be cut inside one.
    const sql = connect(database);
    await sql.unsafe(`CREATE FUNCTION slow_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.5); RETURN NULL; END $$;
      CREATE TRIGGER slow_down AFTER INSERT ON error_log FOR EACH STATEMENT EXECUTE FUNCTION slow_down()`);
    const syncing = vmcrawl(["sync"], env);
    const deadline = Date.now() + 30_000;
    while (!cutMidTransaction && Date.now() < deadline) {
      const [row] = await sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'vmcrawl' AND wait_event = 'PgSleep' AND xact_start IS NOT NULL`;
      if ((row as { n: number }).n > 0) {
        sshd.dropConnections();
        cutMidTransaction = true;
      } else await new Promise((r) => setTimeout(r, 20));
    }
    cutSync = await syncing;
    await sql.unsafe("DROP TRIGGER slow_down ON error_log");
    await sql.end({ timeout: 1 });

    resumed = await vmcrawl(["--new"], env);
    status = await vmcrawl(["sync", "--status"], env);
  }, 300_000);

  afterAll(async () => {
    await sshd?.destroy();
  });

  it("keeps crawling while the tunnel is down, and a SIGKILL leaves an intact staging file", () => {
    expect(crawl.signal).toBe("SIGKILL");
    expect(crawl.stderr).toMatch(/sync: cannot reach PostgreSQL/);
    expect(integrity).toBe("ok");
  });

  it("a sync whose tunnel is cut inside its transaction fails, says what is left, and applies nothing twice", () => {
    expect(cutMidTransaction).toBe(true);
    expect(cutSync.code).toBe(1);
    expect(cutSync.stderr).toMatch(/^vmcrawl: \d+ staged changes are left in .*vmcrawl\.db: /m);
  });

  it("the next run reconnects, finishes, and PostgreSQL holds exactly the ground truth", async () => {
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/all results are in PostgreSQL/);
    expect(status.stdout).toMatch(/^backlog: +0 staged changes$/m);
    const result = await postgresVersusTruth(database, ordinary);
    expect(result.mismatches).toEqual([]);
    expect(result.repeatedErrors).toEqual([]);
    expect(result.errorRows).toBe(expectedErrorRows(ordinary));
  });
});
