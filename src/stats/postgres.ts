/** The day's statistics (and per-version counts) in PostgreSQL, computed from its published servers (fleet maintenance), with the publish guard. */
import type postgres from "postgres";
import type { TxSql } from "../store/postgres-tx.ts";
import { postgresStatisticsInputs, writePostgresStatistics } from "../store/statistics.ts";
import { computeDay, countedSince } from "./daily.ts";
import { describeRecorded, type GuardVerdict, guardDay } from "./guard.ts";
import { asMaintainer } from "../store/postgres-fleet.ts";
import type { PostgresStore } from "../store/postgres.ts";

export async function recordPostgresStatistics(sql: postgres.Sql | TxSql, now: Date, maxDropPercent: number): Promise<GuardVerdict> {
  const date = now.toISOString().slice(0, 10);
  const { branches, published, previous } = await postgresStatisticsInputs(sql, countedSince(now), date);
  const { counters, versions } = computeDay(published, branches);
  const verdict = guardDay(counters, previous, maxDropPercent / 100);
  await writePostgresStatistics(sql, date, now.toISOString(), counters, verdict, versions);
  return verdict;
}

/** Today's statistics in PostgreSQL, by whichever node holds the maintenance lock: what was recorded, or undefined if another node does it. */
export async function recordFleetStatistics(pg: PostgresStore, maxDropPercent: number, now = new Date()): Promise<string | undefined> {
  let verdict: GuardVerdict = { suspect: false };
  const won = await asMaintainer(pg.sql, async (tx) => {
    verdict = await recordPostgresStatistics(tx, now, maxDropPercent);
  });
  return won ? describeRecorded({ date: now.toISOString().slice(0, 10), verdict }) : undefined;
}
