/**
 * Patch velocity (issue 24), pure: from per-version daily counts (the servers and monthly users
 * that answered on each recorded day, per cleaned version), how a release spread through its
 * branch, and how long a security advisory left servers exposed.
 *
 *  - A release R of branch B (its major.minor) is adopted by a server on R or a later patch of B;
 *    the share is of B's servers (and users) that day, so servers leaving B for a newer branch
 *    (B going end-of-life) leave the share's base, and a day with none of B's servers has no share.
 *  - Skipping a release counts as adopting it (4.5.2 → 4.5.4 has 4.5.3); a downgrade lowers the
 *    later days' shares, and "days to X %" is the first recorded day the share reached X.
 *  - Curves begin when recording began: a release published before the first recorded day is
 *    `partial`, and a threshold already reached on that first day is reported as "at most" so many
 *    days. Nothing is extrapolated; days with no recording have no point.
 */
import semver from "semver";
import { affects } from "../versions/advisories.ts";
import { branchOf } from "../versions/patch.ts";

/** Servers and monthly users on one cleaned version on one recorded day. */
export interface VersionDay {
  /** YYYY-MM-DD. */
  readonly date: string;
  readonly version: string;
  readonly servers: number;
  readonly users: number;
}

export interface Release {
  readonly version: string;
  /** YYYY-MM-DD. */
  readonly publishedOn: string;
}

export interface AdoptionPoint {
  readonly date: string;
  readonly days: number;
  /** Servers (users) of the branch on the release or a later patch. */
  readonly servers: number;
  readonly users: number;
  /** Of the branch's servers (users) that day; undefined when the branch had none. */
  readonly serverShare: number | undefined;
  readonly userShare: number | undefined;
}

/** When a share first reached a threshold: days after publication, "at most" on a partial curve's first day. */
export interface Reached {
  readonly days: number;
  readonly atMost: boolean;
}

export const THRESHOLDS = [0.25, 0.5, 0.75, 0.9] as const;

export interface Adoption {
  readonly release: string;
  readonly branch: string;
  readonly publishedOn: string;
  /** Published before recording began: the curve starts at the first recorded day. */
  readonly partial: boolean;
  readonly points: readonly AdoptionPoint[];
  /** Per threshold (THRESHOLDS order): when servers, and users, first reached it; undefined: not yet. */
  readonly servers: readonly (Reached | undefined)[];
  readonly users: readonly (Reached | undefined)[];
}

const DAY_MS = 86_400_000;

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The recorded days, oldest first, each with its counts. */
function byDate(days: readonly VersionDay[]): [string, VersionDay[]][] {
  const dates = new Map<string, VersionDay[]>();
  for (const day of days) {
    const list = dates.get(day.date);
    if (list === undefined) dates.set(day.date, [day]);
    else list.push(day);
  }
  return [...dates.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const share = (part: number, whole: number) => (whole > 0 ? part / whole : undefined);

export function adoptionCurve(release: Release, days: readonly VersionDay[]): Adoption {
  const branch = branchOf(release.version);
  if (branch === null) throw new RangeError(`"${release.version}" is not a version`);
  const recorded = byDate(days);
  const firstRecorded = recorded[0]?.[0];
  const points: AdoptionPoint[] = [];
  for (const [date, counts] of recorded) {
    if (date < release.publishedOn) continue;
    let inBranch = { servers: 0, users: 0 };
    let adopted = { servers: 0, users: 0 };
    for (const c of counts) {
      if (branchOf(c.version) !== branch) continue;
      inBranch = { servers: inBranch.servers + c.servers, users: inBranch.users + c.users };
      if (semver.gte(c.version, release.version)) adopted = { servers: adopted.servers + c.servers, users: adopted.users + c.users };
    }
    points.push({
      date,
      days: daysBetween(release.publishedOn, date),
      servers: adopted.servers,
      users: adopted.users,
      serverShare: share(adopted.servers, inBranch.servers),
      userShare: share(adopted.users, inBranch.users),
    });
  }
  const partial = firstRecorded === undefined || firstRecorded > release.publishedOn;
  const reached = (of: (p: AdoptionPoint) => number | undefined) =>
    THRESHOLDS.map((threshold) => {
      const first = points.find((p) => (of(p) ?? 0) >= threshold);
      return first === undefined ? undefined : { days: first.days, atMost: partial && first === points[0] };
    });
  return { release: release.version, branch, publishedOn: release.publishedOn, partial, points, servers: reached((p) => p.serverShare), users: reached((p) => p.userShare) };
}

export interface ExposurePoint {
  readonly date: string;
  readonly days: number;
  /** Servers (users) on an affected version that day. */
  readonly servers: number;
  readonly users: number;
}

export interface Exposure {
  readonly publishedOn: string;
  readonly partial: boolean;
  readonly points: readonly ExposurePoint[];
  /** The sum of exposed servers over the recorded days since publication. */
  readonly serverDays: number;
}

/** Servers and users on a version `spec` affects (a semver range, advisories.ts), each recorded day since publication. */
export function exposure(spec: string, publishedOn: string, days: readonly VersionDay[]): Exposure {
  const recorded = byDate(days);
  const points = recorded
    .filter(([date]) => date >= publishedOn)
    .map(([date, counts]) => {
      const hit = counts.filter((c) => affects(spec, c.version));
      return { date, days: daysBetween(publishedOn, date), servers: hit.reduce((n, c) => n + c.servers, 0), users: hit.reduce((n, c) => n + c.users, 0) };
    });
  const firstRecorded = recorded[0]?.[0];
  return { publishedOn, partial: firstRecorded === undefined || firstRecorded > publishedOn, points, serverDays: points.reduce((n, p) => n + p.servers, 0) };
}

export interface VelocityChoice {
  /** Only this branch's releases ("4.5"). */
  readonly branch?: string;
  /** Only this release. */
  readonly release?: string;
  /** Releases per branch when none is named: the newest. @default 3 */
  readonly perBranch?: number;
}

/**
 * The adoption curves `vmcrawl stats velocity` shows: a named release, or a branch's newest
 * releases, or the newest of each of `branches` (the supported ones), newest branch first.
 * Only releases GitHub published (the releases table) and that have a stable version count.
 */
export function velocityReport(releases: readonly Release[], days: readonly VersionDay[], branches: readonly string[], choice: VelocityChoice = {}): Adoption[] {
  const stable = releases.filter((r) => semver.valid(r.version) !== null && semver.prerelease(r.version) === null);
  if (choice.release !== undefined) return stable.filter((r) => r.version === choice.release).map((r) => adoptionCurve(r, days));
  const wanted = choice.branch !== undefined ? [choice.branch] : branches;
  return wanted.flatMap((branch) =>
    stable
      .filter((r) => branchOf(r.version) === branch)
      .sort((a, b) => semver.rcompare(a.version, b.version))
      .slice(0, choice.perBranch ?? 3)
      .map((r) => adoptionCurve(r, days)),
  );
}
