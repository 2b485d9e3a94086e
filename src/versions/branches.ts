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
import type { Query } from "../store/queries.ts";
import type { Row, Store } from "../store/types.ts";
import type { ReleaseBranch } from "./patch.ts";

const refuse = (message: string) => new VmcrawlError("VERSIONS", message, { exitCode: ExitCode.usage });
/** Levels are moved out of the way here first, so no two rows ever meet on the key. */
const PARKED = 1000;

export async function readBranches(query: Query): Promise<ReleaseBranch[]> {
  return (await query('SELECT n_level AS "nLevel", branch, status, latest FROM release_versions ORDER BY n_level', [])) as unknown as ReleaseBranch[];
}

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
  await query(`UPDATE release_versions SET n_level = n_level + ${PARKED} WHERE n_level >= 0`, []);
  for (const [level, branch] of order.entries()) await query("UPDATE release_versions SET n_level = ? WHERE branch = ?", [level, branch]);
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
      await query("UPDATE release_versions SET latest = ? WHERE branch = ?", [to, b.branch]);
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
    await query(`UPDATE release_versions SET n_level = n_level + ${PARKED + 1} WHERE n_level >= 0`, []);
    await query("UPDATE release_versions SET status = 'release', n_level = 0, latest = ? WHERE n_level = -1", [`${main.branch}.0`]);
    await query(`UPDATE release_versions SET n_level = n_level - ${PARKED} WHERE n_level >= ${PARKED}`, []);
    await query("INSERT INTO release_versions (n_level, branch, status, latest) VALUES (-1, ?, 'main', ?)", [next, `${next}.0-alpha.0`]);
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
    await query("UPDATE release_versions SET status = 'eol' WHERE branch = ?", [branch]);
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
    const [exists] = await query("SELECT 1 AS x FROM nightly_versions WHERE version = ? AND is_security = ?", [parsed.version, security]);
    if (exists !== undefined) throw refuse(`${parsed.version}${security ? " (security)" : ""} already has a range; change its end date instead`);
    let closed: string[] = [];
    if (!security && input.closePrevious !== false) {
      const open = await query("SELECT version FROM nightly_versions WHERE is_security = FALSE AND start_date < ? AND end_date >= ?", [start, start]);
      closed = open.map((r) => String(r.version));
      for (const version of closed) await query("UPDATE nightly_versions SET end_date = ? WHERE version = ? AND is_security = FALSE", [dayBefore(start), version]);
    }
    await query("INSERT INTO nightly_versions (version, start_date, end_date, is_security) VALUES (?, ?, ?, ?)", [parsed.version, start, end, security]);
    return { closed };
  });
}

/** Every nightly range, ranges newest first, security pins after them. */
export async function nightlyRanges(query: Query): Promise<Row[]> {
  return query("SELECT version, start_date, end_date, is_security FROM nightly_versions ORDER BY is_security, start_date DESC, version", []);
}

/** One range as a line: "4.6.0-alpha.3        2026-01-21 to now". */
export function describeNightly(range: Row): string {
  return `${String(range.version).padEnd(20)} ${String(range.start_date)} to ${range.end_date === OPEN_END ? "now" : String(range.end_date)}${range.is_security ? "  security pin" : ""}`;
}

export async function setNightlyEnd(store: Pick<Store, "transaction">, version: string, end: string): Promise<void> {
  validDate(end, "end date");
  await store.transaction(async (query) => {
    const [row] = await query("SELECT start_date FROM nightly_versions WHERE version = ? AND is_security = FALSE", [version]);
    if (row === undefined) throw refuse(`no nightly range for ${version}`);
    if (end < String(row.start_date)) throw refuse(`the end date ${end} is before the range's start ${String(row.start_date)}`);
    await query("UPDATE nightly_versions SET end_date = ? WHERE version = ? AND is_security = FALSE", [end, version]);
  });
}

/** What manage's "show current version information" shows: branches by role, and the nightly in force today. */
export async function versionInfo(query: Query, today: string): Promise<string> {
  const branches = await readBranches(query);
  const [nightly] = await query("SELECT version, start_date, end_date FROM nightly_versions WHERE is_security = FALSE AND start_date <= ? AND end_date >= ? ORDER BY start_date DESC LIMIT 1", [today, today]);
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
