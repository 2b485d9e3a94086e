/**
 * Reading the daily statistics back, for `vmcrawl stats`: the days of a
 * window, newest last, and the branch names behind each role. The shares
 * are computed here, once.
 */
import type { Query } from "../store/queries.ts";
import { statisticsRowsSince } from "../store/statistics.ts";
import { type ReleaseBranch, roleOf } from "../versions/patch.ts";
import type { DailyStatistics } from "./daily.ts";

export interface StatisticsDay extends DailyStatistics {
  readonly date: string;
  readonly updated_at: string | null;
  readonly invalid: boolean;
  readonly invalid_reason: string | null;
}

export const ROLES = ["main", "latest", "previous", "deprecated"] as const;
export type SupportedRole = (typeof ROLES)[number];

export async function statisticsSince(query: Query, firstDate: string): Promise<StatisticsDay[]> {
  return (await statisticsRowsSince(query, firstDate)) as unknown as StatisticsDay[];
}

/** The branches behind each role: main and latest are one each, deprecated and EOL may be several. */
export function branchesByRole(branches: readonly ReleaseBranch[]): Record<SupportedRole | "eol", string[]> {
  const roles: Record<SupportedRole | "eol", string[]> = { main: [], latest: [], previous: [], deprecated: [], eol: [] };
  for (const b of branches) roles[roleOf(b)].push(b.branch);
  return roles;
}

/** part / whole as a share from 0 to 1; undefined when there is no whole. */
export function share(part: number, whole: number): number | undefined {
  return whole > 0 ? part / whole : undefined;
}
