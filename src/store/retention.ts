/**
 * Retention (reference §13), run by the daemon's maintenance: a published
 * server not heard from in 7 days leaves the published list (statistics
 * count the last 3 days, so no day's figures change), and error_log keeps
 * VMCRAWL_ERROR_LOG_RETENTION_DAYS. raw_domains is never pruned: it is the
 * list of everything known. One query text for both dialects.
 */
import type { Query } from "./queries.ts";

/** How long a published server stays listed without a successful crawl. */
export const PUBLISHED_RETENTION_DAYS = 7;

export interface Pruned {
  readonly published: number;
  readonly errors: number;
}

export async function pruneExpired(query: Query, now: Date, errorLogDays: number): Promise<Pruned> {
  const before = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  const published = await query("DELETE FROM mastodon_domains WHERE timestamp <= ? RETURNING domain", [before(PUBLISHED_RETENTION_DAYS)]);
  const errors = await query("DELETE FROM error_log WHERE timestamp < ? RETURNING domain", [before(errorLogDays)]);
  return { published: published.length, errors: errors.length };
}
