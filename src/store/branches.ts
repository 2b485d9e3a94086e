/**
 * The tables of the branch model and the nightly ranges (release_versions,
 * nightly_versions), for both dialects: the reads and writes that
 * versions/branches.ts composes into its operations inside one transaction.
 * Levels are moved out of the way first, so no two rows ever meet on the key.
 */
import type { ReleaseBranch } from "../versions/patch.ts";
import type { Query } from "./queries.ts";
import type { Row } from "./types.ts";

/** Where levels are parked while they are renumbered. */
const PARKED = 1000;

export async function readBranches(query: Query): Promise<ReleaseBranch[]> {
  return (await query('SELECT n_level AS "nLevel", branch, status, latest FROM release_versions ORDER BY n_level', [])) as unknown as ReleaseBranch[];
}

/** Every branch but main numbered 0, 1, 2… in `order` (which names each of them once). */
export async function renumberBranches(query: Query, order: readonly string[]): Promise<void> {
  await query(`UPDATE release_versions SET n_level = n_level + ${PARKED} WHERE n_level >= 0`, []);
  for (const [level, branch] of order.entries()) await query("UPDATE release_versions SET n_level = ? WHERE branch = ?", [level, branch]);
}

export async function setBranchLatest(query: Query, branch: string, latest: string): Promise<void> {
  await query("UPDATE release_versions SET latest = ? WHERE branch = ?", [latest, branch]);
}

export async function setBranchEol(query: Query, branch: string): Promise<void> {
  await query("UPDATE release_versions SET status = 'eol' WHERE branch = ?", [branch]);
}

/** Main becomes the latest release at level 0 (its latest `released`), every other branch moves down one, `next` is main. */
export async function promoteMainBranch(query: Query, released: string, next: string, nextLatest: string): Promise<void> {
  await query(`UPDATE release_versions SET n_level = n_level + ${PARKED + 1} WHERE n_level >= 0`, []);
  await query("UPDATE release_versions SET status = 'release', n_level = 0, latest = ? WHERE n_level = -1", [released]);
  await query(`UPDATE release_versions SET n_level = n_level - ${PARKED} WHERE n_level >= ${PARKED}`, []);
  await query("INSERT INTO release_versions (n_level, branch, status, latest) VALUES (-1, ?, 'main', ?)", [next, nextLatest]);
}

export async function nightlyExists(query: Query, version: string, security: boolean): Promise<boolean> {
  return (await query("SELECT 1 AS x FROM nightly_versions WHERE version = ? AND is_security = ?", [version, security])).length > 0;
}

/** Nightly (not security) ranges that started before `date` and are still open on it. */
export async function nightliesOpenOn(query: Query, date: string): Promise<string[]> {
  return (await query("SELECT version FROM nightly_versions WHERE is_security = FALSE AND start_date < ? AND end_date >= ?", [date, date])).map((r) => String(r.version));
}

export async function insertNightly(query: Query, version: string, start: string, end: string, security: boolean): Promise<void> {
  await query("INSERT INTO nightly_versions (version, start_date, end_date, is_security) VALUES (?, ?, ?, ?)", [version, start, end, security]);
}

/** A nightly (not security) range's start, or undefined when there is none for `version`. */
export async function nightlyStart(query: Query, version: string): Promise<string | undefined> {
  const [row] = await query("SELECT start_date FROM nightly_versions WHERE version = ? AND is_security = FALSE", [version]);
  return row === undefined ? undefined : String(row.start_date);
}

export async function setNightlyEndDate(query: Query, version: string, end: string): Promise<void> {
  await query("UPDATE nightly_versions SET end_date = ? WHERE version = ? AND is_security = FALSE", [end, version]);
}

/** Every nightly range, ranges newest first, security pins after them. */
export async function nightlyRanges(query: Query): Promise<Row[]> {
  return query("SELECT version, start_date, end_date, is_security FROM nightly_versions ORDER BY is_security, start_date DESC, version", []);
}

/** Every range, newest first (the API's list). */
export async function nightlyRangesByStart(query: Query): Promise<Row[]> {
  return query("SELECT version, start_date, end_date, is_security FROM nightly_versions ORDER BY start_date DESC, version", []);
}

/** The nightly range in force on `date`, if any. */
export async function nightlyOn(query: Query, date: string): Promise<Row | undefined> {
  const [row] = await query("SELECT version, start_date, end_date FROM nightly_versions WHERE is_security = FALSE AND start_date <= ? AND end_date >= ? ORDER BY start_date DESC LIMIT 1", [date, date]);
  return row;
}

/** The last non-security nightly ranges, newest first (the manage menu's suggestions). */
export async function recentNightlies(query: Query, limit: number): Promise<Row[]> {
  return query("SELECT version, end_date FROM nightly_versions WHERE is_security = FALSE ORDER BY start_date DESC LIMIT ?", [limit]);
}
