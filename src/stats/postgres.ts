/** The day's statistics in PostgreSQL, computed from its published servers (fleet maintenance), with the publish guard. */
import type postgres from "postgres";
import type { TxSql } from "../store/postgres-tx.ts";
import { postgresStatisticsInputs, writePostgresStatistics } from "../store/statistics.ts";
import { computeStatistics, countedSince } from "./daily.ts";
import { type GuardVerdict, guardDay } from "./guard.ts";

export async function recordPostgresStatistics(sql: postgres.Sql | TxSql, now: Date, maxDropPercent: number): Promise<GuardVerdict> {
  const date = now.toISOString().slice(0, 10);
  const { branches, published, previous } = await postgresStatisticsInputs(sql, countedSince(now), date);
  const counters = computeStatistics(published, branches);
  const verdict = guardDay(counters, previous, maxDropPercent / 100);
  await writePostgresStatistics(sql, date, now.toISOString(), counters, verdict);
  return verdict;
}
