/** The day's statistics (and per-version counts) in the SQLite file, computed from its published servers, with the publish guard. */
import type { SqliteCrawlStore } from "../store/sqlite-crawl.ts";
import { computeDay, countedSince } from "./daily.ts";
import { type GuardVerdict, guardDay, type RecordedDay } from "./guard.ts";

export function recordSqliteStatistics(store: SqliteCrawlStore, now: Date, maxDropPercent: number): GuardVerdict {
  const since = countedSince(now).toISOString();
  const { counters, versions } = computeDay(store.published(since), store.releaseBranches());
  return store.recordStatistics(now.toISOString().slice(0, 10), now.toISOString(), counters, (previous) => guardDay(counters, previous, maxDropPercent / 100), versions);
}

/** Today's statistics in the SQLite file: which day, and whether the publish guard found it suspect. */
export function recordStatistics(store: SqliteCrawlStore, maxDropPercent: number, now = new Date()): RecordedDay {
  return { date: now.toISOString().slice(0, 10), verdict: recordSqliteStatistics(store, now, maxDropPercent) };
}
