/**
 * Reads and small writes on raw_domains and mastodon_domains that services
 * other than the crawl need (the API's snapshot, requeue, fetch's sources),
 * for both dialects. The crawl's own reads and writes are sqlite-crawl.ts
 * and postgres-fleet.ts.
 */
import { dueCondition } from "./leases.ts";
import type { Query } from "./queries.ts";
import type { Row } from "./types.ts";

/** Published servers that answered since `since` (ISO), with the class of their latest failure if any, by domain. */
export async function publishedSince(query: Query, since: string): Promise<Row[]> {
  return query(
    `SELECT m.domain, m.software_version, m.full_version, m.active_users_monthly, m.timestamp, r.error_type
     FROM mastodon_domains m LEFT JOIN raw_domains r ON r.domain = m.domain WHERE m.timestamp >= ? ORDER BY m.domain`,
    [since],
  );
}

/** Every published server with its version (requeue's groups). */
export async function publishedVersions(query: Query): Promise<{ readonly domain: string; readonly version: string | null }[]> {
  return (await query("SELECT domain, software_version FROM mastodon_domains", [])).map((r) => ({ domain: String(r.domain), version: r.software_version === null ? null : String(r.software_version) }));
}

export async function publishedCount(query: Query): Promise<number> {
  const [row] = await query("SELECT count(*) AS n FROM mastodon_domains", []);
  return Number(row?.n ?? 0);
}

/** Domains whose last failure, or terminal state, is of `errorClass`. */
export async function domainsFailingIn(query: Query, errorClass: string): Promise<string[]> {
  return (await query("SELECT domain FROM raw_domains WHERE error_type = ? OR terminal_type = ?", [errorClass, errorClass])).map((r) => String(r.domain));
}

/**
 * Makes `domain` due now; whether it is known. A terminal domain leaves its terminal state (a person
 * asked for it again), keeping its class and count: one more failure of that class makes it terminal
 * again, another class starts a new streak, success clears it.
 */
export async function makeDue(query: Query, domain: string): Promise<boolean> {
  const [row] = await query("UPDATE raw_domains SET next_crawl_at = NULL, terminal_type = NULL WHERE domain = ? RETURNING domain", [domain]);
  return row !== undefined;
}

const POLLED = `FROM mastodon_domains m LEFT JOIN raw_domains r ON r.domain = m.domain
  WHERE m.active_users_monthly > ? AND (r.peers IS NULL OR r.peers = TRUE)`;

/**
 * Published servers with more than `minActive` monthly users still asked for peers (not refused
 * for good): largest first from `offset`, or at random.
 */
export async function peerSourceDomains(query: Query, minActive: number, order: { readonly top: { limit: number; offset: number } } | { readonly random: { limit: number } }): Promise<string[]> {
  const rows =
    "top" in order
      ? await query(`SELECT m.domain ${POLLED} ORDER BY m.active_users_monthly DESC, m.domain LIMIT ? OFFSET ?`, [minActive, order.top.limit, order.top.offset])
      : await query(`SELECT m.domain ${POLLED} ORDER BY random() LIMIT ?`, [minActive, order.random.limit]);
  return rows.map((r) => String(r.domain));
}

export interface CrawlerTotals {
  readonly domains: number;
  readonly due: number;
  readonly leased: number;
  readonly terminal: number;
  readonly lastCrawledAt: string | null;
  readonly failingByClass: Record<string, number>;
}

/** The crawler's queue at `at` (ISO), for the API's /crawler. */
export async function crawlerTotals(query: Query, at: string): Promise<CrawlerTotals> {
  const [[totals], classes] = await Promise.all([
    query(
      `SELECT count(*) AS domains,
         sum(CASE WHEN ${dueCondition("?")} THEN 1 ELSE 0 END) AS due,
         sum(CASE WHEN claimed_until IS NOT NULL AND claimed_until > ? THEN 1 ELSE 0 END) AS leased,
         sum(CASE WHEN terminal_type IS NOT NULL THEN 1 ELSE 0 END) AS terminal,
         max(last_crawled_at) AS last_crawled_at
       FROM raw_domains r`,
      [at, at],
    ),
    query("SELECT error_type, count(*) AS n FROM raw_domains WHERE error_type IS NOT NULL GROUP BY error_type ORDER BY error_type", []),
  ]);
  return {
    domains: Number(totals?.domains ?? 0),
    due: Number(totals?.due ?? 0),
    leased: Number(totals?.leased ?? 0),
    terminal: Number(totals?.terminal ?? 0),
    lastCrawledAt: (totals?.last_crawled_at as string | null | undefined) ?? null,
    failingByClass: Object.fromEntries(classes.map((r) => [String(r.error_type), Number(r.n)])),
  };
}

/** A round trip that proves the store answers. */
export async function ping(query: Query): Promise<void> {
  await query("SELECT 1 AS ok", []);
}
