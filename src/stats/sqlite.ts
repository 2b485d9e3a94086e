/** The day's statistics in the SQLite file, computed from its published servers, with the publish guard. */
import type { SqliteCrawlStore } from "../store/sqlite-crawl.ts";
import { computeStatistics } from "./daily.ts";
import type { GuardVerdict } from "./guard.ts";

export function recordSqliteStatistics(store: SqliteCrawlStore, now: Date, maxDropPercent: number): GuardVerdict {
  const since = new Date(now.getTime() - 3 * 86_400_000).toISOString();
  const counters = computeStatistics(store.published(since), store.releaseBranches());
  return store.recordStatistics(now.toISOString().slice(0, 10), now.toISOString(), counters, maxDropPercent);
}
