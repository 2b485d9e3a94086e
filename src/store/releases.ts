/** The releases table (both dialects): each Mastodon release and the day GitHub published it. */
import type { Query } from "./queries.ts";

export interface ReleaseRow {
  readonly version: string;
  /** YYYY-MM-DD. */
  readonly publishedOn: string;
}

/** Adds releases not known yet and corrects the date of those that are; call inside a transaction. */
export async function upsertReleases(query: Query, releases: readonly ReleaseRow[]): Promise<void> {
  for (const r of releases) {
    await query("INSERT INTO releases (version, published_on) VALUES (?, ?) ON CONFLICT (version) DO UPDATE SET published_on = excluded.published_on", [r.version, r.publishedOn]);
  }
}

export async function releaseRows(query: Query): Promise<ReleaseRow[]> {
  return (await query("SELECT version, published_on FROM releases ORDER BY published_on, version", [])).map((r) => ({ version: String(r.version), publishedOn: String(r.published_on) }));
}
