/** The day's statistics in PostgreSQL, computed from its published servers (fleet maintenance), with the publish guard. */
import type postgres from "postgres";
import type { ReleaseBranch } from "../versions/patch.ts";
import type { TxSql } from "../store/postgres-tx.ts";
import { computeStatistics, countedSince } from "./daily.ts";
import { type GuardVerdict, guardDay } from "./guard.ts";
import { invalidReason, statisticsUpsert } from "./record.ts";

export async function recordPostgresStatistics(sql: postgres.Sql | TxSql, now: Date, maxDropPercent: number): Promise<GuardVerdict> {
  const since = countedSince(now);
  const date = now.toISOString().slice(0, 10);
  const [branches, rows, previousRows] = await Promise.all([
    sql`SELECT n_level AS "nLevel", branch, status, latest FROM release_versions ORDER BY n_level`,
    sql`SELECT software_version, active_users_monthly FROM mastodon_domains WHERE timestamp >= ${since}`,
    sql`SELECT to_char(date, 'YYYY-MM-DD') AS date, instances, mau FROM statistics WHERE date < ${date}::date AND invalid = FALSE ORDER BY date DESC LIMIT 1`,
  ]);
  const counters = computeStatistics(rows as unknown as { software_version: string | null; active_users_monthly: number | null }[], branches as unknown as ReleaseBranch[]);
  const previous = previousRows[0] as { date: string; instances: number; mau: string | number } | undefined;
  const verdict = guardDay(counters, previous && { date: previous.date, instances: Number(previous.instances), mau: Number(previous.mau) }, maxDropPercent / 100);
  const columns = Object.keys(counters) as (keyof typeof counters)[];
  await sql.unsafe(
    statisticsUpsert(counters, verdict, (_, position) => (position === 1 ? "$1::date" : `$${position}`)),
    [date, now.toISOString(), invalidReason(verdict), ...columns.map((c) => counters[c])],
  );
  return verdict;
}
