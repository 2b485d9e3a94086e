/**
 * Keeps a long run's reference data current: the branches and nightly ranges that versions are
 * cleaned with, and the hard DNI list, re-read every VMCRAWL_FILTER_CACHE_SECONDS while a crawl
 * runs. A fleet node first copies PostgreSQL's tables into its staging file again. So a person's
 * `manage versions promote` or `manage dni add` reaches a running daemon without a restart.
 */
import type { SqliteStore } from "../store/sqlite.ts";
import { referenceData } from "../store/postgres-fleet.ts";
import { describe } from "../store/sync.ts";
import type { VersionContext } from "../versions/clean.ts";
import type { FleetNode } from "./fleet.ts";

export interface FollowOptions {
  readonly store: SqliteStore;
  readonly fleet: FleetNode | undefined;
  readonly everyMs: number;
  /** The versions to clean with from now on. */
  readonly onVersions: (versions: VersionContext) => void;
  /** Updated in place: the runner and the decision read this very set. */
  readonly hardDni: Set<string>;
  readonly log: (line: string) => void;
}

export interface Following {
  /** Reads everything again now (also what the timer does). */
  refresh(): Promise<void>;
  stop(): void;
}

/** The shortest wait between reads, whatever the setting: 0 means "as fresh as can be", not a busy loop. */
const MIN_EVERY_MS = 1000;

export function followReference(options: FollowOptions): Following {
  let running: Promise<void> | undefined;
  let lastProblem = "";
  const refresh = () =>
    (running ??= (async () => {
      try {
        if (options.fleet !== undefined) options.store.staging.replaceReference(await referenceData(options.fleet.pg.sql));
        options.onVersions(await options.store.versionContext());
        const hard = options.store.crawl.hardDni();
        options.hardDni.clear();
        for (const domain of hard) options.hardDni.add(domain);
        lastProblem = "";
      } catch (err) {
        // PostgreSQL away: the copy in the staging file stands. Said once per kind of problem.
        const problem = describe(err);
        if (problem !== lastProblem) options.log(`reference data not refreshed (${problem}); the copy in ${options.store.location} stands`);
        lastProblem = problem;
      } finally {
        running = undefined;
      }
    })());
  const timer = setInterval(() => void refresh(), Math.max(MIN_EVERY_MS, options.everyMs));
  timer.unref();
  return { refresh, stop: () => clearInterval(timer) };
}
