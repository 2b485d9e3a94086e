/**
 * The publish guard: a day whose figures fall far below the day before is
 * more likely a crawl that went wrong (the network away, a broken build)
 * than a fediverse that shrank overnight, so it is marked invalid with the
 * reason, and charts skip it. The guard's own mark is lifted when a later
 * recording of the same day looks normal again; a person's mark is never
 * touched (GUARD_PREFIX tells them apart).
 */
import type { DailyStatistics } from "./daily.ts";

export const GUARD_PREFIX = "publish guard:";

export type GuardVerdict = { readonly suspect: false } | { readonly suspect: true; readonly reason: string };

/** A day recorded, and the guard's verdict on it. */
export interface RecordedDay {
  readonly date: string;
  readonly verdict: GuardVerdict;
}

/** `maxDrop`: the largest share (0–1) instances or monthly users may fall from `previous`. */
export function guardDay(today: Pick<DailyStatistics, "instances" | "mau">, previous: { date: string; instances: number; mau: number } | undefined, maxDrop: number): GuardVerdict {
  if (previous === undefined) return { suspect: false };
  const drops: string[] = [];
  const check = (what: string, now: number, before: number) => {
    if (before <= 0) return;
    const drop = (before - now) / before;
    if (drop > maxDrop) drops.push(`${what} fell ${Math.round(drop * 100)}% (${before} → ${now})`);
  };
  check("instances", today.instances, previous.instances);
  check("monthly active users", today.mau, previous.mau);
  if (drops.length === 0) return { suspect: false };
  return { suspect: true, reason: `${GUARD_PREFIX} ${drops.join(", ")} since ${previous.date}, more than ${Math.round(maxDrop * 100)}%` };
}

/** "statistics for 2026-12-02 recorded", and why the guard marked the day, if it did. */
export function describeRecorded({ date, verdict }: RecordedDay): string {
  return `statistics for ${date} recorded${verdict.suspect ? ` and marked invalid (${verdict.reason})` : ""}`;
}
