/** The security_advisories table, for both dialects (versions/advisories.ts reads GitHub and derives the ranges). */
import type { Query } from "./queries.ts";
import type { Row } from "./types.ts";

export interface AdvisoryRow {
  readonly ghsaId: string;
  readonly cveId: string | null;
  readonly summary: string;
  readonly severity: string | null;
  readonly url: string | null;
  readonly publishedAt: string | null;
  readonly vulnerableRange: string;
  readonly patchedVersions: string;
  readonly affectedSpec: string;
  readonly parseStatus: string;
  readonly updatedAt: string;
}

/** Stores an advisory; a person's override_spec is kept. */
export async function upsertAdvisory(query: Query, a: AdvisoryRow): Promise<void> {
  await query(
    `INSERT INTO security_advisories (ghsa_id, cve_id, summary, severity, url, published_at, vulnerable_range, patched_versions, affected_spec, parse_status, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (ghsa_id) DO UPDATE SET cve_id = excluded.cve_id, summary = excluded.summary, severity = excluded.severity, url = excluded.url,
       published_at = excluded.published_at, vulnerable_range = excluded.vulnerable_range, patched_versions = excluded.patched_versions,
       affected_spec = excluded.affected_spec, parse_status = excluded.parse_status, updated_at = excluded.updated_at`,
    [a.ghsaId, a.cveId, a.summary, a.severity, a.url, a.publishedAt, a.vulnerableRange, a.patchedVersions, a.affectedSpec, a.parseStatus, a.updatedAt],
  );
}

/** Every advisory, newest first. */
export async function advisoryRows(query: Query): Promise<Row[]> {
  return query("SELECT ghsa_id, cve_id, summary, severity, published_at, affected_spec, parse_status, override_spec FROM security_advisories ORDER BY published_at DESC, ghsa_id", []);
}

/** Each advisory's patched versions as GitHub gave them ("4.5.7, 4.4.14"): which releases were security releases. */
export async function patchedVersionTexts(query: Query): Promise<string[]> {
  return (await query("SELECT patched_versions FROM security_advisories", [])).map((r) => String(r.patched_versions ?? ""));
}
