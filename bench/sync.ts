/**
 * Sync benchmark: 100,000 crawl outcomes staged in a SQLite file the way a
 * fleet crawl stages them (recordOutcomes with staging on: a mix of
 * published Mastodon servers, other software and errors with error_log
 * rows), then pushed to a local PostgreSQL by the Syncer, once directly and
 * once through the SSH tunnel to a local sshd. Prints rows/s and writes
 * bench/results/sync.json. Target: ≥ 20,000 rows/s direct.
 *
 *   node bench/sync.ts [--outcomes 100000] [--batch 2500]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import "./support/sql-as-text.ts";
import type { ProbeOutcome } from "../src/crawl/probe.ts";
import type { RecordedOutcome } from "../src/core/decide.ts";
import { recordOutcomes } from "../src/crawl/record.ts";
import { PostgresCluster, findPostgresBin, freshDatabase } from "../test/support/postgres.ts";
import { findSshd, startSshd } from "../test/support/sshd.ts";

// After the .sql hook is in place: these import the migrations.
const { PostgresStore } = await import("../src/store/postgres.ts");
const { openTunnel } = await import("../src/store/ssh-tunnel.ts");
const { SqliteStore } = await import("../src/store/sqlite.ts");
const { DEFAULT_BATCH, Syncer } = await import("../src/store/sync.ts");
type SqliteStore = import("../src/store/sqlite.ts").SqliteStore;
type PostgresStore = import("../src/store/postgres.ts").PostgresStore;

const { values } = parseArgs({ options: { outcomes: { type: "string", default: "100000" }, batch: { type: "string" } } });
const outcomes = Number(values.outcomes);
const batchSize = values.batch === undefined ? DEFAULT_BATCH : Number(values.batch);


function outcomeFor(i: number): ProbeOutcome {
  const domain = `host${i}.bench.example`;
  const common = { domain, requests: [], ms: 120 };
  switch (i % 10) {
    case 0:
    case 1:
      return { ...common, kind: "error", error_class: "DNS", cause: "NXDOMAIN", endpoint: "nodeinfo", reason: "no such domain" };
    case 2:
      return { ...common, kind: "error", error_class: "HTTP5XX", cause: "503", endpoint: "instance_api_v2", reason: "HTTP 503" };
    case 3:
      return { ...common, kind: "other", software: "pleroma" };
    default:
      return { ...common, kind: "mastodon", software: "mastodon", version: `4.${i % 6}.${i % 4}`, full_version: `4.${i % 6}.${i % 4}`, mau: i % 5000, total_users: i % 9000, canonical: domain };
  }
}

/** A staging file with `outcomes` outcomes in its outbox, staged in transactions of 100 like a crawl. */
async function stagedFile(dir: string): Promise<SqliteStore> {
  const store = new SqliteStore(join(dir, `staging-${Math.random().toString(36).slice(2)}.db`), { cacheDir: dir });
  await store.migrate();
  const at = new Date().toISOString();
  for (let start = 0; start < outcomes; start += 100) {
    const batch: RecordedOutcome[] = [];
    for (let i = start; i < Math.min(outcomes, start + 100); i++) batch.push({ outcome: outcomeFor(i), at, worker: "bench" });
    recordOutcomes(store.crawl, batch, { errorBuffer: 0, hardDni: new Set(), schedule: { recrawlHours: 24, capHours: 168 }, stage: true });
  }
  return store;
}

interface Figures {
  readonly outcomes: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly rowsInPostgres: number;
  /** CPU time of this process (the crawler's side: outbox, encoding, the tunnel's encryption) during the push. */
  readonly crawlerCpuSeconds: number;
}

async function push(staging: SqliteStore, pg: PostgresStore): Promise<Figures> {
  await pg.migrate();
  const syncer = new Syncer({ staging: staging.staging, sql: pg.sql, identity: "bench/1", log: () => {}, batchSize });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const pushed = await syncer.pushAll();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const crawlerCpuSeconds = Math.round((used.user + used.system) / 1e4) / 100;
  const [row] = await pg.query("SELECT count(*) AS n FROM raw_domains", []);
  if (pushed !== outcomes) throw new Error(`pushed ${pushed}, expected ${outcomes}`);
  return { outcomes: pushed, seconds: Math.round(seconds * 100) / 100, rowsPerSecond: Math.round(pushed / seconds), rowsInPostgres: Number(row!.n), crawlerCpuSeconds };
}

const bin = findPostgresBin();
if (bin === undefined) throw new Error("PostgreSQL server binaries are missing: apt-get install postgresql");
const dir = mkdtempSync(join(tmpdir(), "vmcrawl-bench-sync-"));
const cluster = await PostgresCluster.create(bin);
const sshdPath = findSshd();
const sshd = sshdPath === undefined ? undefined : await startSshd(sshdPath);
try {
  const stageStarted = performance.now();
  const directStaging = await stagedFile(dir);
  const stagingSeconds = (performance.now() - stageStarted) / 1000;
  const direct = new PostgresStore(await freshDatabase(cluster.server, "bench"));
  const directFigures = await push(directStaging, direct);
  await direct.close();
  await directStaging.close();
  console.log(`staging: ${outcomes} outcomes staged in ${stagingSeconds.toFixed(1)} s`);
  console.log(`direct:  ${directFigures.outcomes} outcomes in ${directFigures.seconds} s = ${directFigures.rowsPerSecond} rows/s (target ≥ 20000), crawler CPU ${directFigures.crawlerCpuSeconds} s`);

  let tunnelFigures: Figures | undefined;
  if (sshd === undefined) console.log("tunnel:  skipped (no sshd: apt-get install openssh-server)");
  else {
    const tunnelStaging = await stagedFile(dir);
    const settings = await freshDatabase(cluster.server, "bench");
    const tunnel = await openTunnel(
      { host: sshd.host, port: sshd.port, user: sshd.user, keyFile: sshd.keyFile, keyPassphrase: sshd.keyPassphrase, knownHostsFile: sshd.knownHostsFile, hostFingerprint: undefined },
      { host: settings.host, port: settings.port },
      () => {},
    );
    const viaTunnel = new PostgresStore(settings, { tunnel });
    tunnelFigures = await push(tunnelStaging, viaTunnel);
    await viaTunnel.close();
    await tunnelStaging.close();
    console.log(`tunnel:  ${tunnelFigures.outcomes} outcomes in ${tunnelFigures.seconds} s = ${tunnelFigures.rowsPerSecond} rows/s, crawler CPU ${tunnelFigures.crawlerCpuSeconds} s`);
  }
  const report = { date: new Date().toISOString(), node: process.version, outcomes, batchSize, stagingSeconds: Math.round(stagingSeconds * 10) / 10, direct: directFigures, tunnel: tunnelFigures ?? null, targetDirectRowsPerSecond: 20_000, targetMet: directFigures.rowsPerSecond >= 20_000 };
  mkdirSync(join(import.meta.dirname, "results"), { recursive: true });
  writeFileSync(join(import.meta.dirname, "results", "sync.json"), `${JSON.stringify(report, null, 2)}\n`);
} finally {
  await sshd?.destroy();
  cluster.destroy();
  rmSync(dir, { recursive: true, force: true });
}
