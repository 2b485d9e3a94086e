/**
 * Mastodon's security advisories (reference §11.5, without its 100-item cap):
 * imported from GitHub, each turned into a semver range of the versions it
 * affects, and measured against the published servers: how many servers and
 * monthly users run an affected version. The derivation is pure and says
 * when it is unsure (`needs_review`); a person's override always wins.
 */
import semver from "semver";
import { countByVersion } from "../stats/daily.ts";
import { advisoryRows, upsertAdvisory } from "../store/advisories.ts";
import type { Query } from "../store/queries.ts";
import type { Store } from "../store/types.ts";
import type { GithubReader } from "./github.ts";
import { MASTODON_REPO } from "./github.ts";

export interface DerivedSpec {
  /** A semver range ('>=4.3.0-0 <4.3.24 || >=4.4.0-0 <4.4.18'), '*' for every version, '' when nothing could be derived. */
  readonly spec: string;
  readonly status: "ok" | "needs_review";
}

const VERSION = String.raw`v?(\d+\.\d+\.\d+(?:-[0-9a-z.]+)?)`;
const COMPARATOR = new RegExp(`^(<=|>=|<|>|==|=)?\\s*${VERSION}$`);
const HYPHEN = new RegExp(`^${VERSION}\\s*-\\s*${VERSION}$`);
const SERIES = /^(?:==?\s*)?v?(\d+)\.(\d+)\.[x*]$/;
const EVERYTHING = /^(all|any|\*|all versions|all supported(?: versions?)?)$/;

/** One part of a published range as a semver comparator set; '*' for all; undefined when not understood. */
function part(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  if (EVERYTHING.test(t)) return "*";
  const hyphen = HYPHEN.exec(t);
  if (hyphen) return `>=${hyphen[1]} <=${hyphen[2]}`;
  const series = SERIES.exec(t);
  if (series) return `>=${series[1]}.${series[2]}.0-0 <${series[1]}.${Number(series[2]) + 1}.0-0`;
  const m = COMPARATOR.exec(t);
  if (!m) return undefined;
  const op = m[1] === "==" || m[1] === "=" || m[1] === undefined ? "" : m[1];
  return `${op}${m[2]}`;
}

const branchOf = (version: string) => {
  const v = semver.parse(version);
  return v === null ? undefined : { major: v.major, minor: v.minor, key: `${v.major}.${v.minor}` };
};

/**
 * The affected versions, from each vulnerability's range (`< 4.5.10, < 4.4.18`, `>= 4.3.0, < 4.3.8`,
 * `4.1.x`, `all`) and the patched versions. Lone upper bounds on several branches are fenced to
 * their own branch (a 4.5 fix says nothing of 4.4.x), except the oldest, which stays open below
 * (older, unsupported branches are presumed affected). "All versions" with patched versions
 * becomes a clause per fixed branch in the same way.
 */
export function deriveAffected(vulnerabilities: readonly { range: string; patched: string }[]): DerivedSpec {
  let review = false;
  const clauses: string[] = [];
  let everything = false;
  for (const { range } of vulnerabilities) {
    const parts = range.split(",").map((p) => p.trim()).filter((p) => p !== "");
    const read = parts.map(part);
    if (read.some((p) => p === undefined)) review = true;
    const known = read.filter((p): p is string => p !== undefined);
    if (known.includes("*")) everything = true;
    // ">= 4.3.0, < 4.3.8" is one interval; "< 4.5.10, < 4.4.18" are alternatives.
    else if (parts.length > 1 && parts.some((p) => p.trim().startsWith(">"))) {
      if (known.length === parts.length) clauses.push(known.join(" "));
    } else clauses.push(...known);
  }
  if (everything) {
    const fixes = vulnerabilities.flatMap((v) => v.patched.split(",")).map((p) => p.trim().replace(/^v/, "")).filter((p) => semver.valid(p) !== null);
    if (fixes.length === 0) return { spec: "*", status: review ? "needs_review" : "ok" };
    clauses.splice(0, clauses.length, ...fixes.map((f) => `<${f}`));
  }
  const fenced = fenceUpperBounds(clauses);
  const spec = [...new Set(fenced)].join(" || ");
  if (spec === "" || semver.validRange(spec, { includePrerelease: true }) === null) return { spec: "", status: "needs_review" };
  return { spec, status: review ? "needs_review" : "ok" };
}

/** `<4.5.10 || <4.4.18` → `>=4.5.0-0 <4.5.10 || <4.4.18`: every lone upper bound but the oldest kept to its branch. */
function fenceUpperBounds(clauses: readonly string[]): string[] {
  const lone = clauses.filter((c) => /^<=?[^\s]+$/.test(c)).map((c) => ({ clause: c, branch: branchOf(c.replace(/^<=?/, "")) }));
  const branches = [...new Set(lone.flatMap((l) => (l.branch ? [l.branch.key] : [])))];
  if (branches.length < 2) return [...clauses];
  const oldest = lone.flatMap((l) => (l.branch ? [l.branch] : [])).sort((a, b) => a.major - b.major || a.minor - b.minor)[0]!.key;
  return clauses.map((c) => {
    const found = lone.find((l) => l.clause === c);
    if (found?.branch === undefined || found.branch.key === oldest) return c;
    return `>=${found.branch.key}.0-0 ${c}`;
  });
}

/** Whether a cleaned version falls in a spec; an empty spec or a version that is not semver never matches. */
export function affects(spec: string, version: string): boolean {
  if (spec === "" || semver.valid(version) === null) return false;
  return semver.satisfies(version, spec, { includePrerelease: true });
}

interface GithubAdvisory {
  ghsa_id?: unknown;
  cve_id?: unknown;
  summary?: unknown;
  severity?: unknown;
  html_url?: unknown;
  published_at?: unknown;
  vulnerabilities?: { vulnerable_version_range?: unknown; patched_versions?: unknown }[] | null;
}

const text = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);

/** Reads every advisory and stores it with its derived spec, one transaction; overrides are kept. Returns how many. */
export async function importAdvisories(store: Pick<Store, "transaction">, github: GithubReader, now: Date): Promise<{ readonly imported: number; readonly needsReview: readonly string[] }> {
  const advisories = (await github.list(`${MASTODON_REPO}/security-advisories`)) as GithubAdvisory[];
  const rows = advisories.flatMap((a) => {
    const ghsa = text(a.ghsa_id);
    if (ghsa === null) return [];
    const vulnerabilities = (a.vulnerabilities ?? []).map((v) => ({ range: text(v.vulnerable_version_range) ?? "", patched: text(v.patched_versions) ?? "" }));
    const derived = deriveAffected(vulnerabilities);
    return [{ ghsa, a, vulnerabilities, derived }];
  });
  await store.transaction(async (query) => {
    for (const { ghsa, a, vulnerabilities, derived } of rows) {
      await upsertAdvisory(query, {
        ghsaId: ghsa,
        cveId: text(a.cve_id),
        summary: (text(a.summary) ?? ghsa).slice(0, 500),
        severity: text(a.severity),
        url: text(a.html_url),
        publishedAt: text(a.published_at),
        vulnerableRange: vulnerabilities.map((v) => v.range).filter(Boolean).join(", "),
        patchedVersions: vulnerabilities.map((v) => v.patched).filter(Boolean).join(", "),
        affectedSpec: derived.spec,
        parseStatus: derived.status,
        updatedAt: now.toISOString(),
      });
    }
  });
  return { imported: rows.length, needsReview: rows.filter((r) => r.derived.status === "needs_review").map((r) => r.ghsa) };
}

export interface AdvisoryImpact {
  readonly ghsaId: string;
  readonly cveId: string | null;
  readonly summary: string;
  readonly severity: string | null;
  readonly publishedAt: string | null;
  /** The range used: the override, else the derived one. */
  readonly spec: string;
  readonly status: "ok" | "needs_review" | "overridden";
  readonly instances: number;
  readonly mau: number;
}

/** Servers and monthly users on an affected version, per advisory (newest first), over the counted `servers`. */
export async function advisoryImpact(
  query: Query,
  servers: readonly { readonly version: string | null; readonly mau: number }[],
): Promise<{ readonly instances: number; readonly mau: number; readonly advisories: AdvisoryImpact[] }> {
  const advisories = await advisoryRows(query);
  // Each advisory is checked once per distinct version.
  const byVersion = countByVersion(servers);
  const instances = servers.length;
  const mau = servers.reduce((sum, s) => sum + s.mau, 0);
  return {
    instances,
    mau,
    advisories: advisories.map((a) => {
      const override = text(a.override_spec);
      const spec = override ?? String(a.affected_spec);
      let hit = { instances: 0, mau: 0 };
      for (const [version, count] of byVersion) if (affects(spec, version)) hit = { instances: hit.instances + count.instances, mau: hit.mau + count.mau };
      return {
        ghsaId: String(a.ghsa_id),
        cveId: text(a.cve_id),
        summary: String(a.summary),
        severity: text(a.severity),
        publishedAt: text(a.published_at),
        spec,
        status: override !== null ? "overridden" : (a.parse_status as "ok" | "needs_review"),
        ...hit,
      };
    }),
  };
}
