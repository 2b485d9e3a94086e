/**
 * Queries written once for both dialects: `?` placeholders, standard SQL.
 * Each adapter supplies a `Query` function that binds the parameters (the
 * PostgreSQL one renumbers `?` to `$n`); values are always bound, never
 * spliced into the text.
 */
import { type DomainName, domainSpellings, labelSuffixes } from "../net/domain.ts";
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

/** `?` → `$1, $2, …` for PostgreSQL. Our query texts hold no `?` inside string literals. */
export function numberPlaceholders(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}
