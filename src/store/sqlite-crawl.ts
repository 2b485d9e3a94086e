/**
 * The crawl's reads and writes on the SQLite store: which domains a mode
 * selects (in keyset pages, so no list is ever held whole), new domains in,
 * outcomes out in one transaction per batch, daily statistics.
 */
import type Database from "better-sqlite3";
import type { ProbeOutcome } from "../crawl/probe.ts";
import { delayHours, nextCrawlAt, type ScheduleOptions } from "../crawl/schedule.ts";
import { type ErrorState, type Publication, type RawUpdate, transition } from "../crawl/state.ts";
import type { DailyStatistics } from "../stats/daily.ts";
import { type GuardVerdict, guardDay } from "../stats/guard.ts";
import { invalidReason, PREVIOUS_VALID_DAY, statisticsUpsert } from "../stats/record.ts";
import type { ReleaseBranch } from "../versions/patch.ts";
import { domainSpellings, isListedAs, parseDomain } from "../net/domain.ts";
import { sanitizeOutcome } from "./sanitize.ts";

export interface Selection {
  /** Which table the candidates come from. */
  readonly from: "raw" | "mastodon";
  /** SQL condition on `r` (raw_domains) or `m` (mastodon_domains); constant text, never user input. */
  readonly where: string;
  readonly order: "asc" | "desc" | "length";
}

export interface Candidate {
  readonly domain: string;
  /** SQLite's length(): characters, not UTF-16 units, so it works as a keyset cursor. */
  readonly length: number;
  readonly softwareVersion: string | null;
}

/** Where the next page starts: after this domain (and, for length order, this length). */
export interface Cursor {
  readonly domain: string;
  readonly length?: number;
}

export interface RecordedOutcome {
  readonly outcome: ProbeOutcome;
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly worker: string;
}

export interface RecordOptions {
  readonly errorBuffer: number;
  readonly hardDni: ReadonlySet<string>;
  readonly schedule: ScheduleOptions;
  /** Fleet mode: also queue each change in the outbox, in the same transaction, for PostgreSQL. */
  readonly stage?: boolean;
  readonly random?: () => number;
}

/**
 * One change for PostgreSQL, as the outbox carries it: the outcome's effect, already computed
 * here (the node holds the domain's lease, so its local state is the current one).
 */
export type StagedChange =
  | {
      readonly kind: "outcome";
      readonly domain: string;
      readonly at: string;
      readonly seconds: number;
      readonly raw: RawUpdate & { readonly nextCrawlAt: string };
      readonly publication: Publication;
      readonly error?: { readonly message: string; readonly worker: string };
      /** An alias's canonical domain, to be crawled in its own right. */
      readonly addDomain?: string;
    }
  | { readonly kind: "domains"; readonly domains: readonly string[] }
  /** Whether `fetch` still asks this server for peers (false after a lasting refusal). */
  | { readonly kind: "peers"; readonly domain: string; readonly polled: boolean; readonly at: string };

export class SqliteCrawlStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  count(selection: Selection): number {
    return this.db.prepare(`SELECT count(*) FROM ${table(selection)} WHERE ${selection.where}`).pluck().get() as number;
  }

  /** Up to `limit` candidates after `cursor`, in the selection's order; from `pivot` on when given (random starts). */
  page(selection: Selection, cursor: Cursor | undefined, limit: number, bounds: { from?: string; before?: string } = {}): Candidate[] {
    const alias = selection.from === "raw" ? "r" : "m";
    const version = selection.from === "raw" ? "NULL" : "m.software_version";
    const conditions = [selection.where];
    const params: (string | number)[] = [];
    if (bounds.from !== undefined) {
      conditions.push(`${alias}.domain >= ?`);
      params.push(bounds.from);
    }
    if (bounds.before !== undefined) {
      conditions.push(`${alias}.domain < ?`);
      params.push(bounds.before);
    }
    if (cursor !== undefined) {
      if (selection.order === "length") {
        conditions.push(`(length(${alias}.domain), ${alias}.domain) > (?, ?)`);
        params.push(cursor.length ?? 0, cursor.domain);
      } else {
        conditions.push(`${alias}.domain ${selection.order === "desc" ? "<" : ">"} ?`);
        params.push(cursor.domain);
      }
    }
    const order = selection.order === "length" ? `length(${alias}.domain), ${alias}.domain` : `${alias}.domain ${selection.order === "desc" ? "DESC" : "ASC"}`;
    const rows = this.db
      .prepare(`SELECT ${alias}.domain AS domain, length(${alias}.domain) AS length, ${version} AS softwareVersion FROM ${table(selection)} WHERE ${conditions.join(" AND ")} ORDER BY ${order} LIMIT ?`)
      .all(...params, limit) as Candidate[];
    return rows;
  }

  /** Domains due for a crawl at `now` (ISO), soonest first, never hard-DNI ones: the embedded daemon's work. */
  /**
   * Leases up to `limit` due domains to `worker` until `until` (ISO): never-crawled first, then the
   * longest overdue. A leased domain is not handed out again until its outcome is recorded (which
   * clears the lease) or the lease runs out, so a daemon can claim more while some are in flight.
   */
  claimDue(worker: string, now: string, until: string, limit: number): string[] {
    return this.db
      .prepare(
        `UPDATE raw_domains SET claimed_by = ?, claimed_until = ? WHERE domain IN (
           SELECT domain FROM raw_domains r WHERE alias_of IS NULL AND terminal_type IS NULL AND (next_crawl_at IS NULL OR next_crawl_at <= ?)
             AND (claimed_until IS NULL OR claimed_until < ?)
             AND NOT EXISTS (SELECT 1 FROM dni d WHERE d.force = 'hard' AND (r.domain = d.domain OR substr(r.domain, -length(d.domain) - 1) = '.' || d.domain))
           ORDER BY next_crawl_at IS NOT NULL, next_crawl_at, domain LIMIT ?)
         RETURNING domain`,
      )
      .pluck()
      .all(worker, until, now, now, limit) as string[];
  }

  /** Gives back the leases `worker` still holds (domains it claimed but did not finish). */
  releaseLeases(worker: string): number {
    return this.db.prepare("UPDATE raw_domains SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ?").run(worker).changes;
  }

  /** Adds domains not known yet; returns how many were new. One transaction; staged for PostgreSQL too in fleet mode. */
  insertDomains(domains: readonly string[], options: { stage?: boolean } = {}): number {
    // One statement per batch (the names as a JSON array) rather than one per name: fetch adds a million at a time.
    const insert = this.db
      .prepare("INSERT INTO raw_domains (domain, first_seen) SELECT value, ? FROM json_each(?) WHERE true ON CONFLICT (domain) DO NOTHING RETURNING domain")
      .pluck();
    const stage = this.db.prepare("INSERT INTO outbox (kind, payload) VALUES ('domains', ?)");
    return this.db.transaction(() => {
      if (domains.length === 0) return 0;
      const added = insert.all(new Date().toISOString(), JSON.stringify(domains)) as string[];
      // Only what is new here: a domain this file already had was staged when it arrived.
      if (options.stage && added.length > 0) stage.run(JSON.stringify({ kind: "domains", domains: added } satisfies StagedChange));
      return added.length;
    })();
  }

  /** Hard DNI entries: never crawled, never added. */
  hardDni(): Set<string> {
    return new Set(this.db.prepare("SELECT domain FROM dni WHERE force = 'hard'").pluck().all() as string[]);
  }

  releaseBranches(): ReleaseBranch[] {
    return this.db.prepare("SELECT n_level AS nLevel, branch, status, latest FROM release_versions ORDER BY n_level").all() as ReleaseBranch[];
  }

  /**
   * Writes a batch of outcomes in one transaction, each through the sanitize boundary first: the error state machine on raw_domains,
   * publication on mastodon_domains (newer data only), failures appended to error_log, and the
   * canonical domain of an alias added so it is crawled in its own right. All or nothing.
   */
  recordOutcomes(batch: readonly RecordedOutcome[], options: RecordOptions): void {
    const previous = this.db.prepare("SELECT error_type AS errorType, error_count AS errorCount, terminal_type AS terminalType FROM raw_domains WHERE domain = ?");
    const upsertRaw = this.db.prepare(`
      INSERT INTO raw_domains (domain, last_crawled_at, next_crawl_at, last_response_time, error_type, error_endpoint, error_reason, error_count, terminal_type, nodeinfo, alias_of, claimed_by, claimed_until)
      VALUES (@domain, @at, @nextCrawlAt, @seconds, @errorType, @errorEndpoint, @errorReason, @errorCount, @terminalType, @nodeinfo, @aliasOf, NULL, NULL)
      ON CONFLICT (domain) DO UPDATE SET
        last_crawled_at = excluded.last_crawled_at, next_crawl_at = excluded.next_crawl_at, last_response_time = excluded.last_response_time,
        error_type = excluded.error_type, error_endpoint = excluded.error_endpoint, error_reason = excluded.error_reason,
        error_count = excluded.error_count, terminal_type = excluded.terminal_type, nodeinfo = excluded.nodeinfo,
        alias_of = excluded.alias_of, claimed_by = NULL, claimed_until = NULL`);
    // An older outcome never overwrites a newer one (several crawlers, or a late sync).
    const publish = this.db.prepare(`
      INSERT INTO mastodon_domains (domain, software_version, full_version, active_users_monthly, nodeinfo, timestamp)
      VALUES (@domain, @version, @fullVersion, @mau, @software, @at)
      ON CONFLICT (domain) DO UPDATE SET
        software_version = excluded.software_version, full_version = excluded.full_version,
        active_users_monthly = excluded.active_users_monthly, nodeinfo = excluded.nodeinfo, timestamp = excluded.timestamp
      WHERE mastodon_domains.timestamp IS NULL OR mastodon_domains.timestamp < excluded.timestamp`);
    const unpublish = this.db.prepare("DELETE FROM mastodon_domains WHERE domain = ?");
    const logError = this.db.prepare(
      "INSERT INTO error_log (timestamp, domain, error, worker, error_type, error_endpoint, error_reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    const addDomain = this.db.prepare("INSERT INTO raw_domains (domain) VALUES (?) ON CONFLICT (domain) DO NOTHING");
    const stage = this.db.prepare("INSERT INTO outbox (kind, payload) VALUES ('outcome', ?)");

    this.db.transaction(() => {
      for (const recorded of batch) {
        const { at, worker } = recorded;
        const outcome = sanitizeOutcome(recorded.outcome);
        const domain = outcome.domain;
        const step = transition(previous.get(domain) as ErrorState | undefined, outcome, options.errorBuffer);
        const raw = { ...step.raw, nextCrawlAt: nextCrawlAt(at, delayHours(outcome, step.raw.errorCount, options.schedule), options.random) };
        const seconds = outcome.ms / 1000;
        upsertRaw.run({ domain, at, seconds, ...raw });
        if (step.publication.action === "publish") {
          const { software, version, fullVersion, mau } = step.publication;
          publish.run({ domain, version, fullVersion, mau, software, at });
        } else if (step.publication.action === "unpublish") {
          unpublish.run(domain);
        }
        const error = step.logError && outcome.kind === "error" ? { message: outcome.reason, worker } : undefined;
        if (error !== undefined && outcome.kind === "error") {
          logError.run(at, domain, error.message, worker, outcome.error_class, outcome.endpoint, outcome.cause);
        }
        const addDomainName = outcome.kind === "alias" && !isListedInAnySpelling(outcome.canonical, options.hardDni) ? outcome.canonical : undefined;
        if (addDomainName !== undefined) addDomain.run(addDomainName);
        if (options.stage) {
          const change: StagedChange = { kind: "outcome", domain, at, seconds, raw, publication: step.publication, ...(error ? { error } : {}), ...(addDomainName ? { addDomain: addDomainName } : {}) };
          stage.run(JSON.stringify(change));
        }
      }
    })();
  }

  /** Published servers that answered since `since` (ISO), for statistics. */
  *published(since: string): Generator<{ software_version: string | null; active_users_monthly: number | null }> {
    yield* this.db.prepare("SELECT software_version, active_users_monthly FROM mastodon_domains WHERE timestamp >= ?").iterate(since) as Iterable<{
      software_version: string | null;
      active_users_monthly: number | null;
    }>;
  }

  /**
   * Today's row of statistics, with the publish guard's verdict against the last valid day
   * before it (`maxDropPercent`); a day a person marked invalid stays so. Returns the verdict.
   */
  recordStatistics(date: string, updatedAt: string, counters: DailyStatistics, maxDropPercent: number): GuardVerdict {
    return this.db.transaction(() => {
      const previous = this.db.prepare(PREVIOUS_VALID_DAY).get(date) as { date: string; instances: number; mau: number } | undefined;
      const verdict = guardDay(counters, previous, maxDropPercent / 100);
      this.db.prepare(statisticsUpsert(counters, verdict, (name) => `@${name}`)).run({ date, updatedAt, invalidReason: invalidReason(verdict), ...counters });
      return verdict;
    })();
  }
}

/** Whether `name` is on `list` in any of its spellings (the list holds names as people typed them). */
function isListedInAnySpelling(name: string, list: ReadonlySet<string>): boolean {
  const parsed = parseDomain(name);
  return parsed.ok ? isListedAs(domainSpellings(parsed.value), list) : list.has(name);
}

function table(selection: Selection): string {
  return selection.from === "raw" ? "raw_domains r" : "mastodon_domains m";
}

