/**
 * The branch model (reference §11.1, seed "Version Tracking"): one main
 * branch at n_level −1, release branches 0, 1, 2… (latest, previous,
 * deprecated), end-of-life branches after them, newest first. Each operation
 * is one transaction and leaves that order intact, so a branch's role never
 * depends on a level left stale (upstream §22.11). The manage wizard calls
 * these; a refusal says why and changes nothing (VmcrawlError "VERSIONS").
 */
import semver from "semver";
import { isIsoDate } from "../dates.ts";
import { ExitCode, VmcrawlError } from "../errors.ts";
import {
  insertNightly,
  nightliesOpenOn,
  nightlyExists,
  nightlyOn,
  nightlyStart,
  promoteMainBranch,
  readBranches,
  renumberBranches,
  setBranchEol,
  setBranchLatest,
  setNightlyEndDate,
} from "../store/branches.ts";
import type { Query } from "../store/queries.ts";
import type { Row, Store } from "../store/types.ts";
import type { ReleaseBranch } from "./patch.ts";

export { nightlyRanges, readBranches } from "../store/branches.ts";

const refuse = (message: string) => new VmcrawlError("VERSIONS", message, { exitCode: ExitCode.usage });

/** "4.5" → [4, 5]; undefined for anything else. */
function branchNumbers(branch: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(branch);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Releases in the given order, then EOL branches newest first, numbered from 0; main stays at −1. */
async function renumber(query: Query, releases: readonly string[], eol: readonly string[]): Promise<void> {
  const byVersion = (a: string, b: string) => {
    const [x0, x1] = branchNumbers(a) ?? [0, 0];
    const [y0, y1] = branchNumbers(b) ?? [0, 0];
    return y0 - x0 || y1 - x1;
  };
  const order = [...releases, ...[...eol].sort(byVersion)];
  await renumberBranches(query, order);
}

function split(branches: readonly ReleaseBranch[]) {
  return {
    main: branches.find((b) => b.status === "main"),
    releases: branches.filter((b) => b.status === "release").map((b) => b.branch),
    eol: branches.filter((b) => b.status === "eol").map((b) => b.branch),
  };
}

export interface LatestChange {
  readonly branch: string;
  readonly from: string;
  readonly to: string;
}

/** Sets the `latest` of tracked branches (never creates one, never changes a status); returns what changed. */
export async function setLatest(store: Pick<Store, "transaction">, latest: ReadonlyMap<string, string>): Promise<LatestChange[]> {
  for (const [branch, version] of latest) {
    if (semver.valid(version) === null) throw refuse(`"${version}" for branch ${branch} is not a version (x.y.z, with an optional pre-release)`);
  }
  return store.transaction(async (query) => {
    const changes: LatestChange[] = [];
    for (const b of await readBranches(query)) {
      const to = latest.get(b.branch);
      if (to === undefined || to === b.latest) continue;
      await setBranchLatest(query, b.branch, to);
      changes.push({ branch: b.branch, from: b.latest, to });
    }
    return changes;
  });
}

/**
 * A new stable release of the main branch: main becomes the latest release (its `latest` the
 * x.y.0 release), every release and EOL branch moves down one level, and the next minor is main.
 */
export async function promoteMain(store: Pick<Store, "transaction">): Promise<{ readonly promoted: string; readonly main: string }> {
  return store.transaction(async (query) => {
    const { main } = split(await readBranches(query));
    if (main === undefined) throw refuse("there is no main branch to promote");
    const numbers = branchNumbers(main.branch);
    if (numbers === undefined) throw refuse(`the main branch "${main.branch}" is not major.minor`);
    const next = `${numbers[0]}.${numbers[1] + 1}`;
    await promoteMainBranch(query, `${main.branch}.0`, next, `${next}.0-alpha.0`);
    return { promoted: main.branch, main: next };
  });
}

/** A release branch no longer supported: EOL, and after every release branch. */
export async function markEol(store: Pick<Store, "transaction">, branch: string): Promise<void> {
  await store.transaction(async (query) => {
    const { releases, eol } = split(await readBranches(query));
    if (!releases.includes(branch)) {
      throw refuse(eol.includes(branch) ? `branch ${branch} is already end-of-life` : `branch ${branch} is not a release branch (release branches: ${releases.join(", ") || "none"})`);
    }
    await setBranchEol(query, branch);
    await renumber(query, releases.filter((b) => b !== branch), [...eol, branch]);
  });
}

/** Release branches in a new order (every one of them, each once); EOL branches stay after them. */
export async function reorderReleases(store: Pick<Store, "transaction">, order: readonly string[]): Promise<void> {
  await store.transaction(async (query) => {
    const { releases, eol } = split(await readBranches(query));
    const missing = releases.filter((b) => !order.includes(b));
    const unknown = order.filter((b) => !releases.includes(b));
    const twice = order.filter((b, i) => order.indexOf(b) !== i);
    if (missing.length + unknown.length + twice.length > 0) {
      const problems = [missing.length > 0 && `missing ${missing.join(", ")}`, unknown.length > 0 && `not release branches: ${unknown.join(", ")}`, twice.length > 0 && `given twice: ${twice.join(", ")}`].filter(Boolean);
      throw refuse(`the new order must list each release branch (${releases.join(", ")}) once: ${problems.join("; ")}`);
    }
    await renumber(query, order, eol);
  });
}

export interface NightlyRangeInput {
  readonly version: string;
  /** YYYY-MM-DD. */
  readonly start: string;
  /** YYYY-MM-DD. @default 2099-12-31, the current nightly */
  readonly end?: string;
  readonly isSecurity?: boolean;
  /** End the open range(s) the new one starts in on the day before it. @default true */
  readonly closePrevious?: boolean;
}

export const OPEN_END = "2099-12-31";

function validDate(text: string, what: string): string {
  if (!isIsoDate(text)) throw refuse(`${what} "${text}" is not a date (YYYY-MM-DD)`);
  return text;
}

function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** A nightly pre-release's date range (or, isSecurity, a one-day pin for a security build). */
export async function addNightly(store: Pick<Store, "transaction">, input: NightlyRangeInput): Promise<{ readonly closed: readonly string[] }> {
  const parsed = semver.parse(input.version);
  if (parsed === null || parsed.prerelease.length === 0) throw refuse(`"${input.version}" is not a pre-release version such as 4.6.0-alpha.5`);
  const start = validDate(input.start, "start date");
  const end = validDate(input.end ?? (input.isSecurity ? start : OPEN_END), "end date");
  if (end < start) throw refuse(`the end date ${end} is before the start date ${start}`);
  const security = input.isSecurity === true;
  return store.transaction(async (query) => {
    if (await nightlyExists(query, parsed.version, security)) throw refuse(`${parsed.version}${security ? " (security)" : ""} already has a range; change its end date instead`);
    let closed: string[] = [];
    if (!security && input.closePrevious !== false) {
      closed = await nightliesOpenOn(query, start);
      for (const version of closed) await setNightlyEndDate(query, version, dayBefore(start));
    }
    await insertNightly(query, parsed.version, start, end, security);
    return { closed };
  });
}

/** One range as a line: "4.6.0-alpha.3        2026-01-21 to now". */
export function describeNightly(range: Row): string {
  return `${String(range.version).padEnd(20)} ${String(range.start_date)} to ${range.end_date === OPEN_END ? "now" : String(range.end_date)}${range.is_security ? "  security pin" : ""}`;
}

export async function setNightlyEnd(store: Pick<Store, "transaction">, version: string, end: string): Promise<void> {
  validDate(end, "end date");
  await store.transaction(async (query) => {
    const start = await nightlyStart(query, version);
    if (start === undefined) throw refuse(`no nightly range for ${version}`);
    if (end < start) throw refuse(`the end date ${end} is before the range's start ${start}`);
    await setNightlyEndDate(query, version, end);
  });
}

/** What manage's "show current version information" shows: branches by role, and the nightly in force today. */
export async function versionInfo(query: Query, today: string): Promise<string> {
  const branches = await readBranches(query);
  const nightly = await nightlyOn(query, today);
  const line = (b: ReleaseBranch) => `  Branch: ${b.branch}  Status: ${b.status}  n_level: ${b.nLevel}  Latest: ${b.latest}`;
  const { main } = split(branches);
  return [
    "Main development version:",
    main === undefined ? "  none" : line(main),
    "Active release branches:",
    ...(branches.some((b) => b.status === "release") ? branches.filter((b) => b.status === "release").map(line) : ["  none"]),
    "End-of-life branches:",
    ...(branches.some((b) => b.status === "eol") ? branches.filter((b) => b.status === "eol").map(line) : ["  none"]),
    `Nightly builds of ${today}: ${nightly === undefined ? "no range covers today" : `${String(nightly.version)} (${String(nightly.start_date)} to ${String(nightly.end_date)})`}`,
  ].join("\n");
}
