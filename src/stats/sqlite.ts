/** The day's statistics in the SQLite file, computed from its published servers, with the publish guard. */
import type { SqliteCrawlStore } from "../store/sqlite-crawl.ts";
import { computeStatistics, countedSince } from "./daily.ts";
import type { GuardVerdict } from "./guard.ts";

export function recordSqliteStatistics(store: SqliteCrawlStore, now: Date, maxDropPercent: number): GuardVerdict {
  const since = countedSince(now).toISOString();
  const counters = computeStatistics(store.published(since), store.releaseBranches());
  return store.recordStatistics(now.toISOString().slice(0, 10), now.toISOString(), counters, maxDropPercent);
}
