/**
 * How an `Effect` (core/decide.ts) becomes rows, for both dialects side by
 * side: one column map per table, and the statements generated from it with
 * the same guards, so SQLite and PostgreSQL can never write an outcome by
 * different rules.
 *
 *  - raw_domains: an older outcome never overwrites a newer one (`<=` on
 *    last_crawled_at, so the same outcome applied twice is harmless).
 *  - mastodon_domains: publication only over an older row; a withdrawal
 *    only of a row no newer than itself.
 *  - error_log: one row per failure, with that failure's class, endpoint
 *    and cause (the raw state's may be a terminal state's, kept as it was).
 *
 * Only the lease clause differs: PostgreSQL releases a lease only if the
 * node applying the outcome still holds it (its lease may have run out and
 * another node claimed the domain); an SQLite file's leases belong to the
 * processes on that one machine, and an outcome always ends its own.
 */
import type { Effect } from "../core/decide.ts";

type Column = "text" | "timestamptz" | "float8" | "int";
type ColumnValue = string | number | null;

export const RAW_COLUMNS = {
  domain: "text",
  last_crawled_at: "timestamptz",
  next_crawl_at: "timestamptz",
  last_response_time: "float8",
  error_type: "text",
  error_endpoint: "text",
  error_reason: "text",
  error_count: "int",
  terminal_type: "text",
  nodeinfo: "text",
  alias_of: "text",
} as const satisfies Record<string, Column>;

export const PUBLISHED_COLUMNS = {
  domain: "text",
  software_version: "text",
  full_version: "text",
  active_users_monthly: "int",
  nodeinfo: "text",
  timestamp: "timestamptz",
} as const satisfies Record<string, Column>;

export const ERROR_LOG_COLUMNS = {
  timestamp: "timestamptz",
  domain: "text",
  error: "text",
  worker: "text",
  error_type: "text",
  error_endpoint: "text",
  error_reason: "text",
} as const satisfies Record<string, Column>;

export type Columns = Record<string, Column>;
export type RowOf<C extends Columns> = { readonly [K in keyof C]: ColumnValue };

export function rawRow(e: Effect): RowOf<typeof RAW_COLUMNS> {
  return {
    domain: e.domain,
    last_crawled_at: e.at,
    next_crawl_at: e.raw.nextCrawlAt,
    last_response_time: e.seconds,
    error_type: e.raw.errorType,
    error_endpoint: e.raw.errorEndpoint,
    error_reason: e.raw.errorReason,
    error_count: e.raw.errorCount,
    terminal_type: e.raw.terminalType,
    nodeinfo: e.raw.nodeinfo,
    alias_of: e.raw.aliasOf,
  };
}

/** The published row, when the effect publishes. */
export function publishedRow(e: Effect): RowOf<typeof PUBLISHED_COLUMNS> | undefined {
  const p = e.publication;
  if (p.action !== "publish") return undefined;
  return { domain: e.domain, software_version: p.version, full_version: p.fullVersion, active_users_monthly: p.mau, nodeinfo: p.software, timestamp: e.at };
}

/** The error_log row, when the effect logs a failure. */
export function errorLogRow(e: Effect): RowOf<typeof ERROR_LOG_COLUMNS> | undefined {
  if (e.error === undefined) return undefined;
  return {
    timestamp: e.at,
    domain: e.domain,
    error: e.error.message,
    worker: e.error.worker,
    error_type: e.error.errorType ?? e.raw.errorType,
    error_endpoint: e.error.errorEndpoint ?? e.raw.errorEndpoint,
    error_reason: e.error.errorReason ?? e.raw.errorReason,
  };
}

/** Each column but the key takes the incoming value. */
function assignments(columns: Columns, key: string): string {
  return Object.keys(columns)
    .filter((name) => name !== key)
    .map((name) => `${name} = excluded.${name}`)
    .join(", ");
}

/**
 * The raw_domains upsert, rows coming from `source` (VALUES or SELECT, columns in RAW_COLUMNS'
 * order); `lease` is the dialect's claim clause (see above).
 */
export function upsertRaw(source: string, lease: string): string {
  return `INSERT INTO raw_domains (${Object.keys(RAW_COLUMNS).join(", ")}) ${source}
    ON CONFLICT (domain) DO UPDATE SET ${assignments(RAW_COLUMNS, "domain")}, ${lease}
    WHERE raw_domains.last_crawled_at IS NULL OR raw_domains.last_crawled_at <= excluded.last_crawled_at`;
}

/** The mastodon_domains upsert: newer data only. */
export function upsertPublished(source: string): string {
  return `INSERT INTO mastodon_domains (${Object.keys(PUBLISHED_COLUMNS).join(", ")}) ${source}
    ON CONFLICT (domain) DO UPDATE SET ${assignments(PUBLISHED_COLUMNS, "domain")}
    WHERE mastodon_domains.timestamp IS NULL OR mastodon_domains.timestamp < excluded.timestamp`;
}

/** The withdrawal guard, over `m` (mastodon_domains) and the withdrawal's time `at`: an older withdrawal leaves a newer success. */
export function withdrawable(at: string): string {
  return `(m.timestamp IS NULL OR m.timestamp <= ${at})`;
}

export function insertErrorLog(source: string): string {
  return `INSERT INTO error_log (${Object.keys(ERROR_LOG_COLUMNS).join(", ")}) ${source}`;
}

/** `VALUES (@a, @b, …)` for SQLite's named parameters, in the map's order. */
export function namedValues(columns: Columns): string {
  return `VALUES (${Object.keys(columns)
    .map((name) => `@${name}`)
    .join(", ")})`;
}

/** `SELECT * FROM unnest($1::text[], …)` for PostgreSQL, one array parameter per column from `first`. */
export function unnestSource(columns: Columns, first = 1): string {
  const casts = Object.entries(columns).map(([, type], i) => `$${first + i}::${type}[]`);
  return `SELECT * FROM unnest(${casts.join(", ")})`;
}

/** The column arrays `unnestSource` binds, in the map's order. */
export function columnArrays<C extends Columns>(columns: C, rows: readonly RowOf<C>[]): ColumnValue[][] {
  return Object.keys(columns).map((name) => rows.map((row) => row[name] ?? null));
}
