/**
 * The day's statistics (reference §12, with its bugs fixed): servers and
 * monthly users per branch role, and how many of them run a patched
 * release. Pure: rows in, counters out. A version's branch is its exact
 * major.minor; patched means at least the branch's latest (placeVersion).
 * Versions on branches older than every tracked one count as EOL.
 */
import { type BranchRole, branchOf, placeVersion, type ReleaseBranch } from "../versions/patch.ts";

/** A published server counts while it answered within this many days (seed public page "Retention"). */
export const COUNTED_DAYS = 3;

/** Servers and monthly users per reported version (servers without a version left out). */
export function countByVersion(servers: Iterable<{ readonly version: string | null; readonly mau: number }>): Map<string, { instances: number; mau: number }> {
  const byVersion = new Map<string, { instances: number; mau: number }>();
  for (const s of servers) {
    if (s.version === null) continue;
    const v = byVersion.get(s.version) ?? { instances: 0, mau: 0 };
    v.instances++;
    v.mau += s.mau;
    byVersion.set(s.version, v);
  }
  return byVersion;
}

/** The oldest last answer that still counts at `now`. */
export function countedSince(now: Date): Date {
  return new Date(now.getTime() - COUNTED_DAYS * 86_400_000);
}

export interface DailyStatistics {
  /** Published servers counted (answered within the window), placed on a branch or not. */
  instances: number;
  /** Of those, on a patched release of a supported branch (main, latest, previous, deprecated). */
  patched_instances: number;
  patched_mau: number;
  mau: number;
  unique_versions: number;
  main_instances: number;
  latest_instances: number;
  previous_instances: number;
  deprecated_instances: number;
  eol_instances: number;
  main_patched_instances: number;
  latest_patched_instances: number;
  previous_patched_instances: number;
  deprecated_patched_instances: number;
  main_branch_mau: number;
  latest_branch_mau: number;
  previous_branch_mau: number;
  deprecated_branch_mau: number;
  eol_branch_mau: number;
  main_patched_mau: number;
  latest_patched_mau: number;
  previous_patched_mau: number;
  deprecated_patched_mau: number;
}

/** One cleaned version's servers and their monthly active users on a day (patch velocity's input). */
export interface VersionCount {
  readonly version: string;
  /** major.minor, or null for what is not a version. */
  readonly branch: string | null;
  readonly instances: number;
  readonly mau: number;
}

export function computeStatistics(rows: Iterable<{ software_version: string | null; active_users_monthly: number | null }>, branches: readonly ReleaseBranch[]): DailyStatistics {
  return computeDay(rows, branches).counters;
}

/** The day's counters and its per-version counts, in one pass over the counted servers. */
export function computeDay(
  rows: Iterable<{ software_version: string | null; active_users_monthly: number | null }>,
  branches: readonly ReleaseBranch[],
): { counters: DailyStatistics; versions: VersionCount[] } {
  const s: DailyStatistics = {
    instances: 0,
    patched_instances: 0,
    patched_mau: 0,
    mau: 0,
    unique_versions: 0,
    main_instances: 0,
    latest_instances: 0,
    previous_instances: 0,
    deprecated_instances: 0,
    eol_instances: 0,
    main_patched_instances: 0,
    latest_patched_instances: 0,
    previous_patched_instances: 0,
    deprecated_patched_instances: 0,
    main_branch_mau: 0,
    latest_branch_mau: 0,
    previous_branch_mau: 0,
    deprecated_branch_mau: 0,
    eol_branch_mau: 0,
    main_patched_mau: 0,
    latest_patched_mau: 0,
    previous_patched_mau: 0,
    deprecated_patched_mau: 0,
  };
  const versions = new Map<string, { instances: number; mau: number }>();
  const placements = new Map<string, ReturnType<typeof placeVersion>>();
  for (const row of rows) {
    const mau = row.active_users_monthly ?? 0;
    s.instances += 1;
    s.mau += mau;
    if (row.software_version === null) continue;
    const counted = versions.get(row.software_version);
    if (counted === undefined) versions.set(row.software_version, { instances: 1, mau });
    else {
      counted.instances += 1;
      counted.mau += mau;
    }
    let placement = placements.get(row.software_version);
    if (placement === undefined) placements.set(row.software_version, (placement = placeVersion(row.software_version, branches)));
    const role: BranchRole | undefined = placement.role;
    if (role === undefined) continue;
    s[`${role}_instances`] += 1;
    s[`${role}_branch_mau`] += mau;
    if (placement.patched && role !== "eol") {
      s[`${role}_patched_instances`] += 1;
      s[`${role}_patched_mau`] += mau;
      s.patched_instances += 1;
      s.patched_mau += mau;
    }
  }
  s.unique_versions = versions.size;
  const perVersion = [...versions].map(([version, c]) => ({ version, branch: branchOf(version), instances: c.instances, mau: c.mau }));
  return { counters: s, versions: perVersion };
}
