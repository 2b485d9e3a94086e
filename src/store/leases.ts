/**
 * Claims on due domains, once per dialect behind one interface. A domain is
 * claimable when it is no alias, not terminal, due (never crawled, or its
 * next crawl has come), not leased (or its lease ran out) and not on the
 * hard DNI list (itself or a parent at a label boundary). Never-crawled
 * domains come first, then the longest overdue. A claimed domain is not
 * handed out again until its outcome is recorded (which releases the lease)
 * or the lease runs out, so a daemon can claim more while some are in flight.
 *
 * PostgreSQL claims with SKIP LOCKED, so nodes claiming at the same moment
 * never get the same domain; an SQLite file has one writer at a time.
 */
import type Database from "better-sqlite3";
import type postgres from "postgres";
import type { DomainState } from "./types.ts";

export interface Leases {
  /** Leases up to `limit` due domains to `holder` for `seconds`; the state of each, as the decision needs it. */
  claim(holder: string, seconds: number, limit: number): Promise<DomainState[]>;
  /**
   * Leases those of `domains` no one else holds and no one crawled since `since` (ISO; a menu
   * selection's page in a fleet: another node running the same selection may have crawled one and
   * released it already), whatever their state otherwise: the selection chose them. Their states,
   * in no particular order.
   */
  claimNamed(holder: string, seconds: number, domains: readonly string[], since: string): Promise<DomainState[]>;
  /** The time by the store's clock (PostgreSQL's for a fleet: every node's leases and crawls are compared with it). */
  clock(): Promise<string>;
  /** Gives back the leases `holder` still holds (claimed, never finished); how many. */
  release(holder: string): Promise<number>;
}

/** Due rows of raw_domains `r` at the time `now`: what the daemon crawls next, and the API counts as due. */
export function dueCondition(now: string): string {
  return `r.alias_of IS NULL AND r.terminal_type IS NULL AND (r.next_crawl_at IS NULL OR r.next_crawl_at <= ${now})`;
}

/** Rows of raw_domains `r` no one but `holder` holds a live lease on at the time `now`. */
function free(now: string, holder: string): string {
  return `(r.claimed_until IS NULL OR r.claimed_until < ${now} OR r.claimed_by = ${holder})`;
}

function notCrawledSince(since: string): string {
  return `(r.last_crawled_at IS NULL OR r.last_crawled_at < ${since})`;
}

/** The claimable rows of raw_domains `r` at the time `now`; `endsWith(a, b)` spells "a ends with b" in the dialect. */
function claimable(now: string, endsWith: (name: string, suffix: string) => string): string {
  return `${dueCondition(now)}
    AND (r.claimed_until IS NULL OR r.claimed_until < ${now})
    AND NOT EXISTS (SELECT 1 FROM dni d WHERE d.force = 'hard' AND (r.domain = d.domain OR ${endsWith("r.domain", "'.' || d.domain")}))`;
}

/** The columns a DomainState is read from (toState). */
export const STATE_COLUMNS = "domain, last_crawled_at, error_type, error_count, terminal_type, error_endpoint, error_reason";

export function postgresLeases(sql: postgres.Sql): Leases {
  return {
    async claim(holder, seconds, limit) {
      const rows = await sql.unsafe(
        `UPDATE raw_domains SET claimed_by = $1, claimed_until = now() + make_interval(secs => $2)
         WHERE domain IN (
           SELECT domain FROM raw_domains r WHERE ${claimable("now()", (name, suffix) => `right(${name}, length(d.domain) + 1) = ${suffix}`)}
           ORDER BY next_crawl_at NULLS FIRST, domain LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING ${STATE_COLUMNS}`,
        [holder, seconds, limit],
      );
      return rows.map(toState);
    },
    async claimNamed(holder, seconds, domains, since) {
      if (domains.length === 0) return [];
      const rows = await sql.unsafe(
        `UPDATE raw_domains SET claimed_by = $1, claimed_until = now() + make_interval(secs => $2)
         WHERE domain IN (
           SELECT domain FROM raw_domains r WHERE r.domain = ANY($3::text[]) AND ${free("now()", "$1")} AND ${notCrawledSince("$4::timestamptz")}
           FOR UPDATE SKIP LOCKED)
         RETURNING ${STATE_COLUMNS}`,
        [holder, seconds, domains as string[], since] as never[],
      );
      return rows.map(toState);
    },
    async clock() {
      const [row] = await sql`SELECT now() AS now`;
      return (row!.now as Date).toISOString();
    },
    async release(holder) {
      return (await sql`UPDATE raw_domains SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ${holder}`).count;
    },
  };
}

export function sqliteLeases(db: Database.Database, now: () => Date = () => new Date()): Leases {
  return {
    async claim(holder, seconds, limit) {
      const at = now();
      const until = new Date(at.getTime() + seconds * 1000).toISOString();
      const rows = db
        .prepare(
          `UPDATE raw_domains SET claimed_by = @holder, claimed_until = @until WHERE domain IN (
             SELECT domain FROM raw_domains r WHERE ${claimable("@now", (name, suffix) => `substr(${name}, -length(d.domain) - 1) = ${suffix}`)}
             ORDER BY next_crawl_at IS NOT NULL, next_crawl_at, domain LIMIT @limit)
           RETURNING ${STATE_COLUMNS}`,
        )
        .all({ holder, until, now: at.toISOString(), limit }) as Record<string, unknown>[];
      return rows.map(toState);
    },
    async claimNamed(holder, seconds, domains, since) {
      const at = now();
      const until = new Date(at.getTime() + seconds * 1000).toISOString();
      const rows = db
        .prepare(
          `UPDATE raw_domains AS r SET claimed_by = @holder, claimed_until = @until
           WHERE r.domain IN (SELECT value FROM json_each(@domains)) AND ${free("@now", "@holder")} AND ${notCrawledSince("@since")}
           RETURNING ${STATE_COLUMNS}`,
        )
        .all({ holder, until, now: at.toISOString(), domains: JSON.stringify(domains), since }) as Record<string, unknown>[];
      return rows.map(toState);
    },
    async clock() {
      return now().toISOString();
    },
    async release(holder) {
      return db.prepare("UPDATE raw_domains SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ?").run(holder).changes;
    },
  };
}

export function toState(row: Record<string, unknown>): DomainState {
  const at = row.last_crawled_at;
  return {
    domain: String(row.domain),
    lastCrawledAt: at instanceof Date ? at.toISOString() : ((at as string | null) ?? null),
    errorType: (row.error_type as string | null) ?? null,
    errorCount: Number(row.error_count ?? 0),
    terminalType: (row.terminal_type as string | null) ?? null,
    errorEndpoint: (row.error_endpoint as string | null) ?? null,
    errorReason: (row.error_reason as string | null) ?? null,
  };
}
