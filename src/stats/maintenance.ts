/**
 * What every run that writes results ends with, and the daemon does hourly: today's statistics,
 * then retention (store/retention.ts). Embedded, on the SQLite file; in a fleet, in PostgreSQL by
 * whichever node holds the maintenance lock, so nodes finishing together do it once.
 */
import type { Config } from "../config.ts";
import { PUBLISHED_RETENTION_DAYS, type Pruned, pruneExpired } from "../store/retention.ts";
import { asMaintainer } from "../store/postgres-fleet.ts";
import { queryOn } from "../store/postgres-tx.ts";
import type { PostgresStore } from "../store/postgres.ts";
import type { SqliteStore } from "../store/sqlite.ts";
import { count } from "../text.ts";
import { describeRecorded, type RecordedDay } from "./guard.ts";
import { recordPostgresStatistics } from "./postgres.ts";
import { recordStatistics } from "./sqlite.ts";

export interface MaintenanceSettings {
  /** VMCRAWL_STATS_MAX_DROP_PERCENT: the publish guard's threshold. */
  readonly maxDropPercent: number;
  /** VMCRAWL_ERROR_LOG_RETENTION_DAYS. */
  readonly errorLogDays: number;
}

export function maintenanceOf(config: Pick<Config, "stats" | "crawl">): MaintenanceSettings {
  return { maxDropPercent: config.stats.maxDropPercent, errorLogDays: config.crawl.errorLogRetentionDays };
}

export interface Maintained {
  readonly day: RecordedDay;
  readonly pruned: Pruned;
  readonly errorLogDays: number;
}

export async function maintainLocal(store: SqliteStore, settings: MaintenanceSettings, now = new Date()): Promise<Maintained> {
  const day = recordStatistics(store.crawl, settings.maxDropPercent, now);
  const pruned = await pruneExpired(store.query, now, settings.errorLogDays);
  return { day, pruned, errorLogDays: settings.errorLogDays };
}

/** Undefined when another node holds the maintenance lock (it is doing the same work). */
export async function maintainFleet(pg: PostgresStore, settings: MaintenanceSettings, now = new Date()): Promise<Maintained | undefined> {
  let done: Maintained | undefined;
  await asMaintainer(pg.sql, async (tx) => {
    const verdict = await recordPostgresStatistics(tx, now, settings.maxDropPercent);
    const pruned = await pruneExpired(queryOn(tx), now, settings.errorLogDays);
    done = { day: { date: now.toISOString().slice(0, 10), verdict }, pruned, errorLogDays: settings.errorLogDays };
  });
  return done;
}

/** "statistics for 2026-12-02 recorded; retention removed …" (retention only when it removed something). */
export function describeMaintained({ day, pruned, errorLogDays }: Maintained): string {
  const removed =
    pruned.published > 0 || pruned.errors > 0
      ? `; retention removed ${count(pruned.published, "published server")} not heard from in ${PUBLISHED_RETENTION_DAYS} days and ${count(pruned.errors, "error_log row")} older than ${errorLogDays} days`
      : "";
  return `${describeRecorded(day)}${removed}`;
}
