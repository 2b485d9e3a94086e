/**
 * The statistics table, for both dialects. Writing a day: today's counters
 * upserted, the publish guard's verdict beside them. A day a person marked
 * invalid stays so (with their reason); the guard's own mark follows the
 * latest recording of the day. Reading: a window of days, the days marked
 * invalid, a person's mark.
 */
import type postgres from "postgres";
import type { DailyStatistics, VersionCount } from "../stats/daily.ts";
import { GUARD_PREFIX, type GuardVerdict } from "../stats/guard.ts";
import type { ReleaseBranch } from "../versions/patch.ts";
import type { TxSql } from "./postgres-tx.ts";
import type { Query } from "./queries.ts";
import type { Row } from "./types.ts";

/** The last valid day before `date`, the guard's yardstick (SQLite; PostgreSQL spells the date out). */
export const PREVIOUS_VALID_DAY = "SELECT date, instances, mau FROM statistics WHERE date < ? AND invalid = FALSE ORDER BY date DESC LIMIT 1";

/**
 * The upsert for `counters`' columns; `param(name, position)` spells a placeholder (`@name` or `$3`),
 * positions counting from 1 in the order date, updated_at, invalid_reason, then the counters.
 */
export function statisticsUpsert(counters: DailyStatistics, verdict: GuardVerdict, param: (name: string, position: number) => string): string {
  const columns = Object.keys(counters);
  // The guard's mark only; a person's mark is kept.
  const personMarked = `statistics.invalid = TRUE AND (statistics.invalid_reason IS NULL OR statistics.invalid_reason NOT LIKE '${GUARD_PREFIX}%')`;
  // Columns are our own constant names; every value is bound (the flag is a literal of ours).
  return `INSERT INTO statistics (date, updated_at, invalid, invalid_reason, ${columns.join(", ")})
    VALUES (${param("date", 1)}, ${param("updatedAt", 2)}, ${verdict.suspect ? "TRUE" : "FALSE"}, ${param("invalidReason", 3)}, ${columns.map((c, i) => param(c, i + 4)).join(", ")})
    ON CONFLICT (date) DO UPDATE SET updated_at = excluded.updated_at, ${columns.map((c) => `${c} = excluded.${c}`).join(", ")},
      invalid = CASE WHEN ${personMarked} THEN statistics.invalid ELSE excluded.invalid END,
      invalid_reason = CASE WHEN ${personMarked} THEN statistics.invalid_reason ELSE excluded.invalid_reason END`;
}

export function invalidReason(verdict: GuardVerdict): string | null {
  return verdict.suspect ? verdict.reason : null;
}

/** Every column of the days from `firstDate` on, oldest first. */
export async function statisticsRowsSince(query: Query, firstDate: string): Promise<Row[]> {
  // Both adapters return the same types: numbers, booleans, 'YYYY-MM-DD' dates, ISO timestamps.
  return query("SELECT * FROM statistics WHERE date >= ? ORDER BY date", [firstDate]);
}

export async function flaggedDays(query: Query): Promise<{ date: string; invalid_reason: string | null }[]> {
  return (await query("SELECT date, invalid_reason FROM statistics WHERE invalid = TRUE ORDER BY date", [])) as unknown as { date: string; invalid_reason: string | null }[];
}

/** Sets a day's mark (a person's); whether the day has statistics. */
export async function setDayMark(query: Query, date: string, invalid: boolean, reason: string | null): Promise<boolean> {
  const [row] = await query("UPDATE statistics SET invalid = ?, invalid_reason = ? WHERE date = ? RETURNING date", [invalid, reason, date]);
  return row !== undefined;
}

/** The last valid day before the one being recorded: the publish guard's yardstick. */
export interface PreviousDay {
  readonly date: string;
  readonly instances: number;
  readonly mau: number;
}

export interface StatisticsInputs {
  readonly branches: ReleaseBranch[];
  readonly published: { software_version: string | null; active_users_monthly: number | null }[];
  readonly previous: PreviousDay | undefined;
}

/** What PostgreSQL's day of statistics is computed from: branches, servers counted since `since`, the last valid day before `date`. */
export async function postgresStatisticsInputs(sql: postgres.Sql | TxSql, since: Date, date: string): Promise<StatisticsInputs> {
  const [branches, rows, previousRows] = await Promise.all([
    sql`SELECT n_level AS "nLevel", branch, status, latest FROM release_versions ORDER BY n_level`,
    sql`SELECT software_version, active_users_monthly FROM mastodon_domains WHERE timestamp >= ${since}`,
    sql`SELECT to_char(date, 'YYYY-MM-DD') AS date, instances, mau FROM statistics WHERE date < ${date}::date AND invalid = FALSE ORDER BY date DESC LIMIT 1`,
  ]);
  const previous = previousRows[0] as { date: string; instances: number; mau: string | number } | undefined;
  return {
    branches: branches as unknown as ReleaseBranch[],
    published: rows as unknown as StatisticsInputs["published"],
    previous: previous && { date: previous.date, instances: Number(previous.instances), mau: Number(previous.mau) },
  };
}

/** Writes PostgreSQL's day `date` with the guard's verdict, and its per-version counts in place of the day's earlier ones. */
export async function writePostgresStatistics(
  sql: postgres.Sql | TxSql,
  date: string,
  updatedAt: string,
  counters: DailyStatistics,
  verdict: GuardVerdict,
  versions: readonly VersionCount[],
): Promise<void> {
  const columns = Object.keys(counters) as (keyof DailyStatistics)[];
  await sql.unsafe(
    statisticsUpsert(counters, verdict, (_, position) => (position === 1 ? "$1::date" : `$${position}`)),
    [date, updatedAt, invalidReason(verdict), ...columns.map((c) => counters[c])],
  );
  await sql`DELETE FROM version_statistics WHERE date = ${date}::date`;
  if (versions.length === 0) return;
  await sql`INSERT INTO version_statistics (date, version, branch, instances, mau)
    SELECT ${date}::date, * FROM unnest(${versions.map((v) => v.version)}::text[], ${versions.map((v) => v.branch) as string[]}::text[], ${versions.map((v) => v.instances)}::int[], ${versions.map((v) => v.mau)}::bigint[])`;
}

/** SQLite's statements for a day's per-version counts: the day's earlier ones out, then each version (named parameters). */
export const SQLITE_VERSION_ROWS = {
  clear: "DELETE FROM version_statistics WHERE date = ?",
  insert: "INSERT INTO version_statistics (date, version, branch, instances, mau) VALUES (@date, @version, @branch, @instances, @mau)",
} as const;

/** The per-version counts of the days from `firstDate` on, oldest first: patch velocity's input. */
export async function versionDaysSince(query: Query, firstDate: string): Promise<{ date: string; version: string; servers: number; users: number }[]> {
  const rows = await query("SELECT date, version, instances, mau FROM version_statistics WHERE date >= ? ORDER BY date, version", [firstDate]);
  return rows.map((r) => ({ date: String(r.date), version: String(r.version), servers: Number(r.instances), users: Number(r.mau) }));
}
