/** The day's statistics in PostgreSQL, computed from its published servers (fleet maintenance). */
import type postgres from "postgres";
import type { ReleaseBranch } from "../versions/patch.ts";
import type { TxSql } from "../store/postgres-tx.ts";
import { computeStatistics } from "./daily.ts";

export async function recordPostgresStatistics(sql: postgres.Sql | TxSql, now: Date): Promise<void> {
  const since = new Date(now.getTime() - 3 * 86_400_000);
  const [branches, rows] = await Promise.all([
    sql`SELECT n_level AS "nLevel", branch, status, latest FROM release_versions ORDER BY n_level`,
    sql`SELECT software_version, active_users_monthly FROM mastodon_domains WHERE timestamp >= ${since}`,
  ]);
  const counters = computeStatistics(rows as unknown as { software_version: string | null; active_users_monthly: number | null }[], branches as unknown as ReleaseBranch[]);
  const columns = Object.keys(counters);
  const values = columns.map((c) => counters[c as keyof typeof counters]);
  // Columns are our own constant names; values are bound.
  await sql.unsafe(
    `INSERT INTO statistics (date, updated_at, ${columns.join(", ")}) VALUES ($1::date, $2, ${columns.map((_, i) => `$${i + 3}`).join(", ")})
     ON CONFLICT (date) DO UPDATE SET updated_at = EXCLUDED.updated_at, ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}`,
    [now.toISOString().slice(0, 10), now.toISOString(), ...values],
  );
}
