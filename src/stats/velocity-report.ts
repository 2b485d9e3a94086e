/**
 * Patch velocity as `vmcrawl stats velocity` and the API's /velocity give it: the chosen releases'
 * curves (velocity.ts) from the store's release days and per-version counts, and the one JSON form
 * both print, whose fields are a contract for scripts (test/stats/velocity-command.test.ts).
 */
import { advisoryRows, patchedVersionTexts } from "../store/advisories.ts";
import { releaseRows } from "../store/releases.ts";
import type { Query } from "../store/queries.ts";
import { versionDaysSince } from "../store/statistics.ts";
import { readBranches } from "../versions/branches.ts";
import { type Adoption, type Exposure, exposure, type Reached, THRESHOLDS, type VelocityChoice, velocityReport } from "./velocity.ts";

/** A release's curve, and whether it fixed a security advisory (a patched version of one imported). */
export interface ReleaseVelocity extends Adoption {
  readonly security: boolean;
}

/** The curves of the releases `choice` names, or the newest of each supported branch. */
export async function loadVelocity(query: Query, choice: VelocityChoice = {}): Promise<ReleaseVelocity[]> {
  const releases = await releaseRows(query);
  const supported = (await readBranches(query)).filter((b) => b.status === "release").map((b) => b.branch);
  // Chosen first, so only the days since the oldest one's publication are read.
  const since = velocityReport(releases, [], supported, choice)
    .map((a) => a.publishedOn)
    .sort()[0];
  if (since === undefined) return [];
  const security = securityReleases(await patchedVersionTexts(query));
  return velocityReport(releases, await versionDaysSince(query, since), supported, choice).map((a) => ({ ...a, security: security.has(a.release) }));
}

/** The versions named in advisories' patched versions ("4.5.7, 4.4.14", ">= 4.3.5"): linear, one token at a time. */
export function securityReleases(patchedVersions: readonly string[]): Set<string> {
  const versions = new Set<string>();
  for (const text of patchedVersions) for (const token of text.split(/[\s,|<>=]+/)) if (/^\d{1,4}\.\d{1,4}\.\d{1,6}$/.test(token)) versions.add(token);
  return versions;
}

export interface VelocityJson {
  readonly release: string;
  readonly branch: string;
  /** It fixed a security advisory. */
  readonly security: boolean;
  readonly publishedOn: string;
  readonly partial: boolean;
  /** Days after publication until the share of the branch's servers (users) first reached 25/50/75/90 %; null: not yet. */
  readonly daysTo: { readonly servers: Record<string, Reached | null>; readonly users: Record<string, Reached | null> };
  readonly latest: { readonly date: string; readonly serverShare: number | null; readonly userShare: number | null } | null;
  readonly points: readonly { date: string; days: number; servers: number; users: number; serverShare: number | null; userShare: number | null }[];
}

export function velocityJson(a: ReleaseVelocity): VelocityJson {
  const keyed = (reached: readonly (Reached | undefined)[]) => Object.fromEntries(THRESHOLDS.map((t, i) => [String(t * 100), reached[i] ?? null]));
  const points = a.points.map((p) => ({ date: p.date, days: p.days, servers: p.servers, users: p.users, serverShare: p.serverShare ?? null, userShare: p.userShare ?? null }));
  const last = points.at(-1);
  return {
    release: a.release,
    branch: a.branch,
    security: a.security,
    publishedOn: a.publishedOn,
    partial: a.partial,
    daysTo: { servers: keyed(a.servers), users: keyed(a.users) },
    latest: last === undefined ? null : { date: last.date, serverShare: last.serverShare, userShare: last.userShare },
    points,
  };
}

/** Why a branch and release as typed cannot choose releases: which one, and what was expected. */
export interface ChoiceProblem {
  readonly field: "branch" | "release";
  readonly given: string;
  readonly expected: string;
}

/** A branch ("4.5") or a release ("4.5.3") as people type them, or what is wrong with them. */
export function velocityChoice(branch: string | undefined, release: string | undefined): VelocityChoice | ChoiceProblem {
  if (branch !== undefined && release !== undefined) return { field: "release", given: release, expected: "no branch beside it: branch and release each choose the releases" };
  if (branch !== undefined && !/^\d{1,4}\.\d{1,4}$/.test(branch.trim())) return { field: "branch", given: branch, expected: "major.minor, such as 4.5" };
  if (release !== undefined && !/^\d{1,4}\.\d{1,4}\.\d{1,6}$/.test(release.trim())) return { field: "release", given: release, expected: "a version such as 4.5.3" };
  return { ...(branch !== undefined ? { branch: branch.trim() } : {}), ...(release !== undefined ? { release: release.trim() } : {}) };
}

/** One advisory's exposure since it was published: the servers and users on an affected version each recorded day. */
export interface AdvisoryExposure extends Exposure {
  readonly ghsaId: string;
  readonly cveId: string | null;
  /** The range used: a person's override, else the one derived from GitHub's. */
  readonly spec: string;
}

/** Every imported advisory with a publication date and a range, newest first. */
export async function loadExposure(query: Query): Promise<AdvisoryExposure[]> {
  const advisories = (await advisoryRows(query)).flatMap((a) => {
    const published = typeof a.published_at === "string" ? /^\d{4}-\d{2}-\d{2}/.exec(a.published_at)?.[0] : undefined;
    const spec = typeof a.override_spec === "string" && a.override_spec !== "" ? a.override_spec : String(a.affected_spec ?? "");
    return published === undefined || spec === "" ? [] : [{ ghsaId: String(a.ghsa_id), cveId: a.cve_id === null ? null : String(a.cve_id), spec, published }];
  });
  const since = advisories.map((a) => a.published).sort()[0];
  if (since === undefined) return [];
  const days = await versionDaysSince(query, since);
  return advisories.map((a) => ({ ghsaId: a.ghsaId, cveId: a.cveId, spec: a.spec, ...exposure(a.spec, a.published, days) }));
}
