/**
 * What the API serves, computed from the system of record (either dialect,
 * one query text): the published servers that answered within the window
 * (COUNTED_DAYS, seed public page "Retention"), placed on their branch by the one
 * definition (versions/patch.ts). Aggregates count every such server; lists
 * of servers leave out DNI domains, soft and hard, at label boundaries (seed
 * "Not reported"). Built once per cache period and shared by the endpoints.
 */
import { isListed } from "../net/domain.ts";
import { computeStatistics, countByVersion, countedSince, type DailyStatistics } from "../stats/daily.ts";
import { type StatisticsDay, statisticsSince } from "../stats/history.ts";
import { dniDomains } from "../store/dni.ts";
import { publishedSince } from "../store/domains.ts";
import type { Query } from "../store/queries.ts";
import { readBranches } from "../versions/branches.ts";
import { type BranchRole, placeVersion, type ReleaseBranch, roleOf } from "../versions/patch.ts";


export interface Instance {
  readonly domain: string;
  readonly version: string | null;
  readonly fullVersion: string | null;
  readonly mau: number;
  readonly branch: string | null;
  readonly role: BranchRole | null;
  readonly patched: boolean;
  readonly eol: boolean;
  /** Last successful crawl (ISO). */
  readonly lastSeen: string;
  /** The current failure class, when the server has failed since it last answered. */
  readonly failing: string | null;
}

export interface Snapshot {
  readonly asOf: string;
  readonly since: string;
  readonly branches: readonly ReleaseBranch[];
  readonly totals: DailyStatistics;
  /** Every counted server, DNI included (for aggregates). */
  readonly all: readonly Instance[];
  /** The servers that may be listed one by one (no DNI domain), largest first, ties by domain. */
  readonly listed: readonly Instance[];
}

export async function loadSnapshot(query: Query, now: Date): Promise<Snapshot> {
  const since = countedSince(now).toISOString();
  const [branches, rows, dni] = await Promise.all([
    readBranches(query),
    publishedSince(query, since),
    dniDomains(query),
  ]);
  const hidden = new Set(dni);
  const all = rows.map((r): Instance => {
    const version = r.software_version === null ? null : String(r.software_version);
    const placement = version === null ? undefined : placeVersion(version, branches);
    return {
      domain: String(r.domain),
      version,
      fullVersion: r.full_version === null ? null : String(r.full_version),
      mau: Number(r.active_users_monthly ?? 0),
      branch: placement?.branch ?? null,
      role: placement?.role ?? null,
      patched: placement?.patched ?? false,
      eol: placement?.role === "eol",
      lastSeen: String(r.timestamp),
      failing: r.error_type === null || r.error_type === undefined ? null : String(r.error_type),
    };
  });
  const totals = computeStatistics(
    all.map((i) => ({ software_version: i.version, active_users_monthly: i.mau })),
    branches,
  );
  // Largest first, ties by domain (code units): the instance list's default order, so it needs no sort of its own.
  const listed = all.filter((i) => !isListed(i.domain, hidden)).sort((a, b) => b.mau - a.mau || (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  return { asOf: now.toISOString(), since, branches, totals, all, listed };
}

export interface BranchFigures {
  readonly branch: string;
  readonly role: BranchRole;
  readonly latest: string;
  readonly instances: number;
  readonly mau: number;
  readonly patchedInstances: number;
  readonly patchedMau: number;
}

/** Each tracked branch (and each older one found), with its servers and how many are patched. */
export function branchFigures(snapshot: Snapshot): BranchFigures[] {
  const figures = new Map<string, { role: BranchRole; latest: string; instances: number; mau: number; patchedInstances: number; patchedMau: number }>();
  for (const b of snapshot.branches) {
    figures.set(b.branch, { role: roleOf(b), latest: b.latest, instances: 0, mau: 0, patchedInstances: 0, patchedMau: 0 });
  }
  for (const i of snapshot.all) {
    if (i.branch === null || i.role === null) continue;
    const f = figures.get(i.branch) ?? { role: i.role, latest: "", instances: 0, mau: 0, patchedInstances: 0, patchedMau: 0 };
    f.instances++;
    f.mau += i.mau;
    if (i.patched) {
      f.patchedInstances++;
      f.patchedMau += i.mau;
    }
    figures.set(i.branch, f);
  }
  const order = (key: string) => key.split(".").map(Number) as [number, number];
  return [...figures]
    .sort(([a], [b]) => order(b)[0] - order(a)[0] || order(b)[1] - order(a)[1])
    .map(([branch, f]) => ({ branch, ...f }));
}

/** Servers and users per reported version, most servers first. */
export function versionFigures(snapshot: Snapshot): { version: string; instances: number; mau: number }[] {
  return [...countByVersion(snapshot.all)].map(([version, v]) => ({ version, ...v })).sort((a, b) => b.instances - a.instances || a.version.localeCompare(b.version));
}

export async function history(query: Query, now: Date, days: number): Promise<StatisticsDay[]> {
  return statisticsSince(query, new Date(now.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10));
}
