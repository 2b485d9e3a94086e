/**
 * `vmcrawl daemon`: crawl continuously, domain by domain as each falls due
 * (next_crawl_at), until stopped. Due domains are claimed with a lease, from
 * PostgreSQL in fleet mode (so no two nodes crawl a domain at once) or from
 * the SQLite file embedded, and more are claimed as crawl slots free up, so a
 * slow domain never holds the others back. Every outcome is staged for sync
 * in fleet mode. A pause switch (vmcrawl control pause) stops new claims on
 * every node; statistics are kept by one node at a time.
 */
import type { DomainName } from "../net/domain.ts";
import { parseDomain } from "../net/domain.ts";
import { postgresPauseSwitch, sqlitePauseSwitch } from "../store/control.ts";
import { postgresLeases, sqliteLeases } from "../store/leases.ts";
import type { SqliteStore } from "../store/sqlite.ts";
import type { Store } from "../store/types.ts";
import { describe } from "../store/sync.ts";
import { type Maintained, maintainFleet, maintainLocal, type MaintenanceSettings } from "../stats/maintenance.ts";
import { PUBLISHED_RETENTION_DAYS } from "../store/retention.ts";
import { count } from "../text.ts";
import type { FleetNode } from "./fleet.ts";
import type { RunSource, RunSummary } from "./runner.ts";

export interface DaemonOptions {
  readonly store: SqliteStore;
  /** Fleet mode; undefined: embedded. */
  readonly fleet: FleetNode | undefined;
  /** Who holds the leases (the fleet identity, or host:pid embedded). */
  readonly worker: string;
  /** Domains claimed at a time; more are claimed when these have all started. */
  readonly batchSize: number;
  readonly leaseSeconds: number;
  /** Wait between looks when nothing is due, or while paused. */
  readonly pollMs: number;
  /** Exit once nothing is due (tests, one-off catch-up runs). */
  readonly drain: boolean;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  /** Crawls a source until it ends (the runner with everything else already wired). */
  readonly crawl: (source: RunSource) => Promise<RunSummary>;
  /** Statistics and retention, hourly and when it stops (stats/maintenance.ts). */
  readonly maintenance: MaintenanceSettings;
  readonly maintenanceEveryMs?: number;
  /**
   * Refreshes versions and advisories from GitHub into `store` (returns log lines): at start, and
   * every `versionRefreshEveryMs` with maintenance. Embedded, through a connection of its own, so
   * its transactions never take in the crawl's writes.
   */
  readonly refreshVersions?: (store: Pick<Store, "query" | "transaction">) => Promise<string[]>;
  /** 0: never after the start. */
  readonly versionRefreshEveryMs?: number;
  readonly now?: () => Date;
}

export interface DaemonSummary {
  /** Claims that returned work. */
  readonly batches: number;
  readonly crawled: number;
}

export async function runDaemon(options: DaemonOptions): Promise<DaemonSummary> {
  let batches = 0;
  if (options.versionRefreshEveryMs !== 0) await refreshVersions(options);
  const summary = await options.crawl({ total: undefined, label: "due domains", domains: dueDomains(options, () => batches++) });
  if (!options.signal.aborted) await maintain(options);
  return { batches, crawled: summary.recorded };
}

/** Due domains for as long as the daemon runs: claims, pauses, waits and maintenance in between. */
async function* dueDomains(options: DaemonOptions, claimedBatch: () => void): AsyncGenerator<DomainName> {
  const { signal } = options;
  let lastMaintenance = Date.now();
  let lastNote = "";
  // One line per change of state, never one per poll.
  const note = (line: string) => {
    if (line !== lastNote) options.log(line);
    lastNote = line;
  };
  while (!signal.aborted) {
    const paused = await pausedReason(options);
    if (paused !== undefined) {
      note(`daemon: paused${paused ? ` (${paused})` : ""}; waiting`);
      await sleep(options.pollMs, signal);
      continue;
    }
    if (Date.now() - lastMaintenance >= (options.maintenanceEveryMs ?? 3_600_000)) {
      await maintain(options);
      lastMaintenance = Date.now();
    }
    let batch: DomainName[];
    try {
      batch = await nextBatch(options);
    } catch (err) {
      note(`daemon: cannot claim work from PostgreSQL (${describe(err)}); staged results wait, retrying`);
      await sleep(options.pollMs, signal);
      continue;
    }
    if (batch.length === 0) {
      if (options.drain) return;
      note("daemon: nothing due; waiting");
      await sleep(options.pollMs, signal);
      continue;
    }
    note("daemon: crawling");
    claimedBatch();
    yield* batch;
  }
}

async function pausedReason(options: DaemonOptions): Promise<string | undefined> {
  if (options.fleet !== undefined) {
    try {
      const control = await postgresPauseSwitch(options.fleet.pg.sql).read();
      return control.paused ? (control.reason ?? "") : undefined;
    } catch {
      return undefined; // PostgreSQL away: claiming will say so
    }
  }
  const control = await sqlitePauseSwitch(options.store.db).read();
  return control.paused ? (control.reason ?? "") : undefined;
}

/** Claims due domains (from PostgreSQL in a fleet, taking their state into the staging file), as names. */
async function nextBatch(options: DaemonOptions): Promise<DomainName[]> {
  const { fleet, store } = options;
  const leases = fleet !== undefined ? postgresLeases(fleet.pg.sql) : sqliteLeases(store.db, options.now);
  const states = await leases.claim(options.worker, options.leaseSeconds, options.batchSize);
  if (fleet !== undefined) {
    store.staging.adoptStates(states);
    store.crawl.insertDomains(states.map((s) => s.domain));
  }
  return states.flatMap((state) => {
    const parsed = parseDomain(state.domain);
    return parsed.ok ? [parsed.value] : [];
  });
}

/** Statistics, then retention: by this process embedded, by one elected node in a fleet. */
async function maintain(options: DaemonOptions): Promise<void> {
  const now = (options.now ?? (() => new Date()))();
  const every = options.versionRefreshEveryMs ?? 0;
  if (every > 0 && now.getTime() - (lastVersionRefresh.get(options) ?? 0) >= every) await refreshVersions(options);
  let done: Maintained | undefined;
  try {
    done = options.fleet === undefined ? await maintainLocal(options.store, options.maintenance, now) : await maintainFleet(options.fleet.pg, options.maintenance, now);
  } catch (err) {
    options.log(`daemon: maintenance skipped (${describe(err)})`);
  }
  if (done === undefined) return;
  // Said only when it is news: a suspect day, or rows removed.
  if (done.day.verdict.suspect) options.log(`daemon: statistics for ${done.day.date} marked invalid (${done.day.verdict.reason})`);
  const { pruned } = done;
  if (pruned.published > 0 || pruned.errors > 0) {
    options.log(`daemon: retention removed ${count(pruned.published, "published server")} not heard from in ${PUBLISHED_RETENTION_DAYS} days and ${count(pruned.errors, "error_log row")} older than ${done.errorLogDays} days`);
  }
}

/** When each daemon last refreshed from GitHub. */
const lastVersionRefresh = new WeakMap<DaemonOptions, number>();

async function refreshVersions(options: DaemonOptions): Promise<void> {
  const now = (options.now ?? (() => new Date()))();
  lastVersionRefresh.set(options, now.getTime());
  if (options.refreshVersions === undefined) return;
  const store = options.fleet?.pg ?? options.store.another();
  try {
    for (const line of await options.refreshVersions(store)) options.log(`daemon: ${line}`);
  } catch (err) {
    options.log(`daemon: versions not refreshed from GitHub (${describe(err)}); the stored ones stay`);
  } finally {
    if (options.fleet === undefined) await store.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
