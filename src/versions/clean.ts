/**
 * From the version a server reports to the release it runs (reference
 * §11.4, without its bugs §22.12): build metadata and fork tags are dropped,
 * glued pre-release tags are spelled out, nightly build dates become the
 * pre-release they belong to. A version is never moved to another release
 * (upstream turned 4.5.9 into 4.5.0); one that cannot exist is refused.
 * Compared with semver, never as strings.
 */
import semver from "semver";

export interface NightlyRange {
  readonly version: string;
  /** YYYY-MM-DD, inclusive. */
  readonly start: string;
  readonly end: string;
  /** A pin for one security build date rather than a range. */
  readonly isSecurity: boolean;
}

export interface VersionContext {
  /** The main (development) branch, e.g. { major: 4, minor: 6 }; unknown → no upper bound. */
  readonly mainBranch?: { readonly major: number; readonly minor: number };
  readonly nightly: readonly NightlyRange[];
}

export type CleanVersion = { readonly ok: true; readonly version: string } | { readonly ok: false; readonly reason: string };

const PRERELEASE = /^(alpha|beta|rc)\.?(\d+)?(?:\..*)?$/;
const NIGHTLY = /^(\d+)\.(\d+)\.(\d+)-nightly[.-]?(\d{4})-?(\d{2})-?(\d{2})(-security)?$/;

/** The longest version read, as semver's own limit: a real one, fork tags and all, is a few dozen characters. */
export const MAX_VERSION_LENGTH = 256;

export function cleanVersion(reported: string, context: VersionContext): CleanVersion {
  if (reported.length > MAX_VERSION_LENGTH) return { ok: false, reason: `the version is ${reported.length} characters long, more than ${MAX_VERSION_LENGTH}` };
  let text = reported.trim();
  if (text === "") return { ok: false, reason: "the version is empty" };
  text = text.replace(/^v(?=\d)/i, "");
  // Build metadata and fork tags: "4.5.6+glitch", "4.3.19+hometown-1.1.2", "4.4.0 (compatible; …)".
  text = text.split(/[+~_\s/@&(]/, 1)[0]!;

  const nightly = NIGHTLY.exec(text);
  if (nightly) return bounded(nightlyVersion(nightly, context), reported, context);

  const match = /^(\d+)\.(\d+)\.(\d+)(?:\.\d+)*(?:-?(.*))?$/.exec(text);
  if (!match) return { ok: false, reason: `"${reported.slice(0, 60)}" is not a version` };
  const core = `${Number(match[1])}.${Number(match[2])}.${Number(match[3])}`;
  const tag = (match[4] ?? "").toLowerCase();
  const pre = PRERELEASE.exec(tag);
  // A known pre-release keeps its place; anything else after the numbers is a local tag ("glitch", "ht", "pre", "260115").
  // Mastodon's pre-releases are of x.y.0 only: on a patch release the tag is a fork's (4.3.4alpha1 is 4.3.4).
  const version = pre && Number(match[3]) === 0 ? `${core}-${pre[1]}${pre[2] === undefined ? "" : `.${pre[2]}`}` : core;
  return bounded(version, reported, context);
}

function nightlyVersion(match: RegExpExecArray, context: VersionContext): string {
  const [, major, minor, patch, year, month, day, security] = match;
  const date = `${year}-${month}-${day}`;
  if (security) {
    const pin = context.nightly.find((n) => n.isSecurity && n.start === date);
    if (pin) return pin.version;
  }
  // Nightly builds carry the date of the day before their code (reference §11.4 step 6).
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  const day1 = next.toISOString().slice(0, 10);
  const range = [...context.nightly].filter((n) => !n.isSecurity).sort((a, b) => b.start.localeCompare(a.start)).find((n) => n.start <= day1 && day1 <= n.end);
  return range?.version ?? `${Number(major)}.${Number(minor)}.${Number(patch)}-nightly.${year}${month}${day}`;
}

/** Refuses what cannot exist: not semver, or newer than the main branch being developed. */
function bounded(version: string, reported: string, context: VersionContext): CleanVersion {
  const parsed = semver.parse(version);
  if (parsed === null) return { ok: false, reason: `"${reported.slice(0, 60)}" is not a version` };
  const main = context.mainBranch;
  if (main !== undefined) {
    const above = parsed.major > main.major || (parsed.major === main.major && parsed.minor > main.minor);
    // While M.m is the main branch, M.m.0 (and its pre-releases) is all that can exist of it.
    const impossiblePatch = parsed.major === main.major && parsed.minor === main.minor && parsed.patch > 0;
    if (above || impossiblePatch) return { ok: false, reason: `version ${version} is newer than the main branch ${main.major}.${main.minor}` };
  }
  return { ok: true, version: parsed.version };
}
