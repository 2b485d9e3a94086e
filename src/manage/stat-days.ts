/**
 * Marking a day of statistics invalid (seed manage 16–18, the API's PATCH):
 * charts and reports skip it, and the publish guard never lifts a person's
 * mark. Unmarking clears the flag and its reason.
 */
import { isIsoDate } from "../dates.ts";
import { UsageError, VmcrawlError } from "../errors.ts";
import type { Query } from "../store/queries.ts";
import type { Store } from "../store/types.ts";

export function statisticsDate(text: string): string {
  if (!isIsoDate(text)) throw new UsageError(`"${text}" is not a date: expected YYYY-MM-DD`);
  return text;
}

export async function flaggedDays(query: Query): Promise<{ date: string; invalid_reason: string | null }[]> {
  return (await query("SELECT date, invalid_reason FROM statistics WHERE invalid = TRUE ORDER BY date", [])) as unknown as { date: string; invalid_reason: string | null }[];
}

/** Marks `date` invalid (`reason` kept), or valid again when `invalid` is false. */
export async function flagDay(store: Pick<Store, "query">, date: string, invalid: boolean, reason?: string): Promise<void> {
  const day = statisticsDate(date);
  const [row] = await store.query("UPDATE statistics SET invalid = ?, invalid_reason = ? WHERE date = ? RETURNING date", [invalid, invalid ? reason?.trim() || "marked invalid by hand" : null, day]);
  if (row === undefined) throw new VmcrawlError("USAGE", `no statistics are recorded for ${day}`, { exitCode: 2 });
}
