/**
 * Where a cleaned version sits: its branch (major.minor, matched exactly, so
 * 4.1 never matches 4.10), that branch's role (main, latest, previous,
 * deprecated, EOL) and whether it is patched (at least the branch's latest,
 * pre-release aware). One definition for selection, statistics and reports.
 */
import semver from "semver";

export interface ReleaseBranch {
  readonly nLevel: number;
  readonly branch: string;
  readonly status: "main" | "release" | "eol";
  readonly latest: string;
}

export type BranchRole = "main" | "latest" | "previous" | "deprecated" | "eol";

export interface Placement {
  /** undefined: not a version we can place (unparseable, or newer than any tracked branch). */
  readonly role: BranchRole | undefined;
  readonly branch: string | undefined;
  readonly patched: boolean;
}

/** A version's branch, major.minor ("4.5" for 4.5.3 and its pre-releases); null for what is not a version. */
export function branchOf(version: string): string | null {
  const parsed = semver.parse(version);
  return parsed === null ? null : `${parsed.major}.${parsed.minor}`;
}

export function placeVersion(version: string, branches: readonly ReleaseBranch[]): Placement {
  const parsed = semver.parse(version);
  if (parsed === null) return { role: undefined, branch: undefined, patched: false };
  const key = `${parsed.major}.${parsed.minor}`;
  const row = branches.find((b) => b.branch === key);
  if (row === undefined) {
    // Older than every tracked branch: long past its end of life. Newer: unknown, so not placed.
    const oldest = [...branches].map((b) => semver.coerce(b.branch)).filter((v) => v !== null).sort(semver.compare)[0];
    const older = oldest !== undefined && semver.lt(`${key}.0`, oldest.version);
    return { role: older ? "eol" : undefined, branch: key, patched: false };
  }
  const role = roleOf(row);
  if (role === "eol") return { role, branch: key, patched: false };
  const latest = semver.parse(row.latest);
  // semver orders pre-releases before their release (4.6.0-alpha.3 < 4.6.0-alpha.4 < 4.6.0).
  return { role, branch: key, patched: latest !== null && semver.gte(parsed, latest) };
}

export function roleOf(row: ReleaseBranch): BranchRole {
  if (row.status === "eol") return "eol";
  if (row.status === "main") return "main";
  if (row.nLevel === 0) return "latest";
  if (row.nLevel === 1) return "previous";
  return "deprecated";
}
