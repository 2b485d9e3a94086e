/**
 * Everything a crawl needs, opened once and closed in reverse order: the
 * SQLite store (the whole database, or the fleet node's staging file), the
 * fleet connection, the prober (an HTTP client, or probe worker threads),
 * and Ctrl-C / SIGTERM handling.
 * `vmcrawl` and `vmcrawl daemon` both crawl through it.
 */
import { followReference } from "../crawl/reference.ts";
import { hostname } from "node:os";
import type { Runtime } from "../cli.ts";
import type { Config } from "../config.ts";
import { type FleetNode, openFleet } from "../crawl/fleet.ts";
import { ExitCode, UsageError, VmcrawlError } from "../errors.ts";
import { constants, accessSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { probe, type ProbeOutcome } from "../crawl/probe.ts";
import { crawlGate, LagMonitor, MAX_LAG_MS } from "../crawl/load-gate.ts";
import { ProbePool } from "../crawl/probe-pool.ts";
import { ProgressTracker } from "../crawl/progress.ts";
import { runCrawl, type RunSource, type RunSummary } from "../crawl/runner.ts";
import { type PeersReport, type RunReport, RunTotals, type SyncState } from "../crawl/run-report.ts";
import { writeFileAtomically } from "../files.ts";
import type { DomainName } from "../net/domain.ts";
import { createHttpClient, netConfigOf } from "../net/index.ts";
import { SqliteStore } from "../store/sqlite.ts";
import type { VersionContext } from "../versions/clean.ts";
import { ROBOTS_TOKEN } from "../version.ts";
import { showProgress } from "./crawl-view.ts";

export interface CrawlSession {
  readonly config: Config;
  readonly store: SqliteStore;
  readonly fleet: FleetNode | undefined;
  /** Who this crawler is in error_log and leases: the fleet identity, or host:pid. */
  readonly worker: string;
  /** Aborted by Ctrl-C or SIGTERM; `signalName` says which. */
  readonly stop: AbortSignal;
  readonly signalName: () => NodeJS.Signals | undefined;
  readonly warn: (text: string) => void;
  /** Crawls one source with progress on screen; outcomes are staged in fleet mode. */
  run(source: RunSource): Promise<{ summary: RunSummary; tracker: ProgressTracker }>;
  /** Every run's outcomes added up, for --summary-json. */
  readonly totals: RunTotals;
}

export async function withCrawlSession<T>(runtime: Runtime, config: Config, work: (session: CrawlSession) => Promise<T>): Promise<T> {
  const warn = (text: string) => runtime.io.stderr.write(`vmcrawl: ${text}\n`);
  const store = new SqliteStore(config.sqlitePath, { cacheDir: config.dirs.cache });
  let prober: Prober | undefined;
  let fleet: FleetNode | undefined;
  const stop = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      warn(`${signal} again, quitting now (every written batch is whole)`);
      // The one exit outside the CLI shell: a second Ctrl-C asks to quit without waiting for cleanup.
      process.exit(ExitCode.interrupted);
    }
    received = signal;
    runtime.io.stderr.write(`\nvmcrawl: ${signal}: stopping, writing finished results (Ctrl-C again to quit at once)\n`);
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await store.migrate();
    if (config.postgres !== null) fleet = await openFleet(config, store, warn);
    let versions: VersionContext | undefined;
    const hardDni = store.crawl.hardDni();
    const worker = fleet?.identity ?? `${hostname()}:${process.pid}`;
    const totals = new RunTotals();
    const session: CrawlSession = {
      totals,
      config,
      store,
      fleet,
      worker,
      stop: stop.signal,
      signalName: () => received,
      warn,
      async run(source) {
        versions ??= await store.versionContext();
        prober ??= createProber(config, versions, warn);
        const current = prober;
        // A daemon runs for months: manage's changes to branches, nightly ranges and DNI reach it.
        const following = followReference({ store, fleet, everyMs: config.api.filterCacheSeconds * 1000, onVersions: (v) => current.setVersions(v), hardDni, log: warn });
        const tracker = new ProgressTracker();
        tracker.onFinish((outcome) => totals.outcome(outcome));
        const view = showProgress(runtime, tracker, { slowMs: config.crawl.slowDomainSeconds * 1000, heartbeatMs: config.crawl.progressHeartbeatSeconds * 1000 });
        try {
          const summary = await runCrawl(source, {
            concurrency: config.crawl.maxThreads,
            errorBuffer: config.crawl.errorBuffer,
            worker,
            probe: prober.probe,
            store: store.crawl,
            hardDni,
            schedule: { recrawlHours: config.crawl.recrawlHours, capHours: config.crawl.retryCapHours },
            stage: fleet !== undefined,
            signal: stop.signal,
            events: tracker,
            gate: crawlGate(config.crawl.maxThreads, prober.lagMs),
          });
          fleet?.syncer.nudge();
          totals.run(summary);
          return { summary, tracker };
        } finally {
          following.stop();
          view.stop();
        }
      },
    };
    return await work(session);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await prober?.close();
    await fleet?.close();
    await store.close();
  }
}

interface Prober {
  readonly probe: (domain: DomainName, signal: AbortSignal) => Promise<ProbeOutcome>;
  /** Versions are cleaned with these from now on. */
  setVersions(versions: VersionContext): void;
  /** The largest event-loop lag of the threads at work (this one, and the probe threads). */
  readonly lagMs: () => number;
  close(): Promise<void>;
}

/** Probes in worker threads when VMCRAWL_PROBE_THREADS asks for them (never more than the domains at a time), else on this thread. */
function createProber(config: Config, versions: VersionContext, warn: (text: string) => void): Prober {
  const deadlineMs = config.crawl.domainTimeoutSeconds * 1000;
  const threads = Math.min(config.crawl.probeThreads, config.crawl.maxThreads);
  if (threads > 0) {
    const pool = new ProbePool({ threads, net: netConfigOf(config), versions, deadlineMs, robotsToken: ROBOTS_TOKEN, onReplace: warn });
    const main = new LagMonitor();
    return {
      probe: (domain, signal) => pool.probe(domain, signal),
      setVersions: (next) => pool.setVersions(next),
      lagMs: () => Math.max(main.lagMs, pool.lagMs()),
      close: () => {
        main.close();
        return pool.close();
      },
    };
  }
  const http = createHttpClient(config);
  const lag = new LagMonitor();
  let current = versions;
  return {
    probe: (domain, signal) => probe(domain, { http, versions: current, deadlineMs, robotsToken: ROBOTS_TOKEN, signal }),
    setVersions: (next) => {
      current = next;
    },
    lagMs: () => lag.lagMs,
    close: () => {
      lag.close();
      return http.close();
    },
  };
}

/** What a run whose load gate held domains back tells its user. */
export function shortOfCpu(held: number, maxThreads: number): string {
  return `${held} domains waited to start while the crawler was short of CPU (its event loop over ${MAX_LAG_MS} ms late), so that the domains in flight were timed fairly; VMCRAWL_MAX_THREADS=${maxThreads} is more than this machine serves at once`;
}

/** "12 mastodon, 3 error" for summaries. */
export function outcomeCounts(tracker: ProgressTracker): string {
  return [...tracker.snapshot().kinds].map(([k, n]) => `${n} ${k}`).join(", ") || "nothing";
}

/** Refuses, before anything runs, a summary file that could not be written at the end. */
export function checkSummaryPath(file: string | undefined): void {
  if (file === undefined) return;
  const dir = dirname(resolve(file));
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new UsageError(`--summary-json ${file}: its directory ${dir} is not a writable directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Writes the summary of everything the session crawled to `file` (atomically), when one was asked for. */
export function writeRunSummary(session: CrawlSession, file: string | undefined, report: { command: RunReport["command"]; interrupted: boolean; peers?: PeersReport }): void {
  if (file === undefined) return;
  const sync: SyncState =
    session.fleet === undefined
      ? { mode: "embedded" }
      : { mode: "fleet", backlog: session.store.staging.backlog().entries, quarantined: session.store.staging.quarantinedCount(), lastSync: session.store.staging.setting("last_sync") ?? null };
  try {
    writeFileAtomically(file, `${JSON.stringify(session.totals.report({ ...report, sync }), null, 2)}\n`);
  } catch (err) {
    throw new VmcrawlError("OUTPUT", `cannot write the run summary to ${file}: ${(err as Error).message}`, { cause: err });
  }
}
