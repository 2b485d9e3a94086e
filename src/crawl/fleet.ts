/**
 * A crawler node in fleet mode (DESIGN §5): the local SQLite file is its
 * staging store, PostgreSQL the system of record. The node copies what it
 * needs (reference tables, the state of the domains it crawls) when it can,
 * stages every outcome, and a Syncer pushes them. PostgreSQL being away
 * never stops the crawl; it only delays the push.
 */
import type { Config } from "../config.ts";
import type { DomainName } from "../net/domain.ts";
import { postgresLeases } from "../store/leases.ts";
import { type DomainState, referenceData, statesOf } from "../store/postgres-fleet.ts";
import { describeMaintained, maintainFleet, type MaintenanceSettings } from "../stats/maintenance.ts";
import { connectPostgres } from "../store/index.ts";
import type { PostgresStore } from "../store/postgres.ts";
import type { SqliteStore } from "../store/sqlite.ts";
import { describe, Syncer } from "../store/sync.ts";
import type { RunSource } from "./runner.ts";

export interface FleetNode {
  readonly pg: PostgresStore;
  readonly syncer: Syncer;
  /** This staging file's identity (leases, receipts). */
  readonly identity: string;
  /** Whether PostgreSQL answered when the node started. */
  readonly online: boolean;
  close(): Promise<void>;
}

export async function openFleet(config: Config, staging: SqliteStore, log: (line: string) => void): Promise<FleetNode> {
  const pg = await connectPostgres(config, log);
  const identity = staging.staging.syncIdentity(config.fleet.nodeId);
  let online = true;
  try {
    await pg.migrate();
    staging.staging.replaceReference(await referenceData(pg.sql));
  } catch (err) {
    online = false;
    log(`fleet: PostgreSQL at ${pg.location} is not reachable (${describe(err)}); crawling into staging at ${staging.location}, results are pushed when it is back`);
  }
  const syncer = new Syncer({ staging: staging.staging, sql: pg.sql, identity, log });
  return {
    pg,
    syncer,
    identity,
    online,
    async close() {
      await syncer.stop();
      await pg.close();
    },
  };
}

/**
 * Wraps an explicit list (`--file`, `--target`) so each page of domains first takes its current
 * state from PostgreSQL (errors counted so far, terminal state); when PostgreSQL is away the
 * local state stands.
 */
export function withFleetState(source: RunSource, fleet: FleetNode, staging: SqliteStore, page = 200): RunSource {
  return {
    ...source,
    domains: inPages(source.domains, page, async (batch) => {
      try {
        staging.staging.adoptStates(await statesOf(fleet.pg.sql, batch.map((d) => d.name)));
      } catch {
        // PostgreSQL away: crawl on the local state; the syncer reports the outage.
      }
      return batch;
    }),
  };
}

/** `domains` a page at a time through `take`, which says which of each page go on; undefined ends the run of them. */
async function* inPages(domains: AsyncIterable<DomainName>, page: number, take: (batch: DomainName[]) => Promise<readonly DomainName[] | undefined>): AsyncGenerator<DomainName> {
  let batch: DomainName[] = [];
  for await (const domain of domains) {
    batch.push(domain);
    if (batch.length < page) continue;
    const taken = await take(batch);
    if (taken === undefined) return;
    yield* taken;
    batch = [];
  }
  if (batch.length > 0) yield* (await take(batch)) ?? [];
}

/**
 * A menu selection over the whole fleet (`--mode N`, `--new`, the menu on a node): its candidates
 * come from PostgreSQL, and each page is claimed with a lease as the daemon claims, so two nodes
 * running the same selection never crawl one domain twice: a domain another node holds, or crawled
 * since this run began, is skipped. The claimed domains' states are copied into the staging file first. Leases left at the
 * end (an interrupted run) are given back by finishFleetRun.
 */
export function withLeases(source: RunSource, fleet: FleetNode, staging: SqliteStore, leaseSeconds: number, log: (line: string) => void, page = 200): RunSource {
  const leases = postgresLeases(fleet.pg.sql);
  // Taken at the first claim, by PostgreSQL's clock, which every node's crawls are stamped against.
  let since: string | undefined;
  return {
    ...source,
    domains: inPages(source.domains, page, async (batch) => {
      let states: DomainState[];
      try {
        since ??= await leases.clock();
        states = await leases.claimNamed(fleet.identity, leaseSeconds, batch.map((d) => d.name), since);
      } catch (err) {
        // Claiming needs PostgreSQL: without it the selection ends here; what was crawled stays staged.
        log(`the selection stops: PostgreSQL cannot hand out more domains (${describe(err)}); the results so far are staged`);
        return undefined;
      }
      staging.staging.adoptStates(states);
      staging.crawl.insertDomains(states.map((s) => s.domain));
      const claimed = new Set(states.map((s) => s.domain));
      return batch.filter((d) => claimed.has(d.name));
    }),
  };
}

export interface FinishOptions {
  readonly log: (line: string) => void;
  /** Records the day's statistics in PostgreSQL after the push, then retention (one-shot runs; the daemon's maintenance does its own). */
  readonly maintenance?: MaintenanceSettings;
  /** Gives back this node's unfinished leases once everything is pushed (the daemon). */
  readonly releaseLeases?: boolean;
}

/**
 * The end of every fleet run (crawl, fetch, daemon): the syncer stops, everything staged is pushed;
 * then, as asked, the day's statistics and retention, and the node's leases. What cannot be pushed stays staged,
 * and the run still succeeds.
 */
export async function finishFleetRun(fleet: FleetNode, staging: SqliteStore, options: FinishOptions): Promise<void> {
  await fleet.syncer.stop();
  try {
    await fleet.syncer.pushAll();
    // Only after every staged outcome is pushed: a pushed outcome released its own lease, so what is left was never finished.
    if (options.releaseLeases) await postgresLeases(fleet.pg.sql).release(fleet.identity);
    const maintained = options.maintenance === undefined ? undefined : await maintainFleet(fleet.pg, options.maintenance);
    const recorded = maintained === undefined ? undefined : describeMaintained(maintained);
    const quarantined = staging.staging.quarantinedCount();
    const refused = quarantined === 0 ? "" : ` except ${quarantined} that PostgreSQL refused (quarantined: vmcrawl sync --status)`;
    options.log(`all results are in PostgreSQL${refused}${recorded === undefined ? "" : `; ${recorded}`}`);
  } catch (err) {
    const left = staging.staging.backlog();
    options.log(`${left.entries} results stay staged in ${staging.location} (PostgreSQL: ${describe(err)}); vmcrawl sync, the daemon or the next run pushes them`);
  }
}
