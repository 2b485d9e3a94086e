/**
 * Queries written once for both dialects: `?` placeholders, standard SQL.
 * Each adapter supplies a `Query` function that binds the parameters (the
 * PostgreSQL one renumbers `?` to `$n`); values are always bound, never
 * spliced into the text.
 */
import { type DomainName, domainSpellings, labelSuffixes } from "../net/domain.ts";
import type { VersionContext } from "../versions/clean.ts";
import type { DomainReport, Row, Value } from "./types.ts";

export type Query = (text: string, params: readonly Value[]) => Promise<Row[]>;

const placeholders = (count: number) => Array.from({ length: count }, () => "?").join(", ");

export async function describeDomain(query: Query, domain: DomainName): Promise<DomainReport> {
  const spellings = domainSpellings(domain);
  const inSpellings = `IN (${placeholders(spellings.length)})`;
  // A DNI rule for a parent covers its subdomains; match at label boundaries only.
  const suffixes = [...new Set(spellings.flatMap(labelSuffixes))];

  const [raw, mastodon, dni, lastError] = await Promise.all([
    query(`SELECT * FROM raw_domains WHERE domain ${inSpellings} ORDER BY domain`, spellings),
    query(`SELECT * FROM mastodon_domains WHERE domain ${inSpellings} ORDER BY domain`, spellings),
    query(`SELECT * FROM dni WHERE domain IN (${placeholders(suffixes.length)}) ORDER BY length(domain) DESC`, suffixes),
    query(`SELECT * FROM error_log WHERE domain ${inSpellings} ORDER BY event DESC LIMIT 1`, spellings),
  ]);
  return { domain, raw, mastodon, dni, lastError: lastError[0] ?? null };
}

/** What version cleaning needs from the database: the main branch and the nightly ranges. */
export async function loadVersionContext(query: Query): Promise<VersionContext> {
  const [main, nightly] = await Promise.all([
    query("SELECT branch FROM release_versions WHERE n_level = -1", []),
    query("SELECT version, start_date, end_date, is_security FROM nightly_versions ORDER BY start_date DESC", []),
  ]);
  const branch = /^(\d+)\.(\d+)$/.exec(String(main[0]?.branch ?? ""));
  return {
    ...(branch ? { mainBranch: { major: Number(branch[1]), minor: Number(branch[2]) } } : {}),
    nightly: nightly.map((r) => ({ version: String(r.version), start: String(r.start_date), end: String(r.end_date), isSecurity: r.is_security === true })),
  };
}

/** `?` → `$1, $2, …` for PostgreSQL. Our query texts hold no `?` inside string literals. */
export function numberPlaceholders(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}
