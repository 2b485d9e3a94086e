/**
 * Marking a day of statistics invalid (seed manage 16–18, the API's PATCH):
 * charts and reports skip it, and the publish guard never lifts a person's
 * mark. Unmarking clears the flag and its reason.
 */
import { isIsoDate } from "../dates.ts";
import { UsageError, VmcrawlError } from "../errors.ts";
import { setDayMark } from "../store/statistics.ts";
import type { Store } from "../store/types.ts";

export function statisticsDate(text: string): string {
  if (!isIsoDate(text)) throw new UsageError(`"${text}" is not a date: expected YYYY-MM-DD`);
  return text;
}

export { flaggedDays } from "../store/statistics.ts";

/** Marks `date` invalid (`reason` kept), or valid again when `invalid` is false. */
export async function flagDay(store: Pick<Store, "query">, date: string, invalid: boolean, reason?: string): Promise<void> {
  const day = statisticsDate(date);
  const found = await setDayMark(store.query, day, invalid, invalid ? reason?.trim() || "marked invalid by hand" : null);
  if (!found) throw new VmcrawlError("USAGE", `no statistics are recorded for ${day}`, { exitCode: 2 });
}
