/**
 * Writing a day of statistics, the same in both dialects: today's counters
 * upserted, the publish guard's verdict beside them. A day a person marked
 * invalid stays so (with their reason); the guard's own mark follows the
 * latest recording of the day.
 */
import type { DailyStatistics } from "./daily.ts";
import { GUARD_PREFIX, type GuardVerdict } from "./guard.ts";

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
