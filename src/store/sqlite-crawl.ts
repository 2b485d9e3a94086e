/**
 * The crawl's reads and writes on the SQLite store: new domains in, outcomes
 * out in one transaction per batch, daily statistics. (Which domains a mode
 * selects is candidates.ts, the same for both dialects.)
 */
import type Database from "better-sqlite3";
import type { Effect, ErrorState } from "../core/decide.ts";
import type { DailyStatistics, VersionCount } from "../stats/daily.ts";
import type { GuardVerdict } from "../stats/guard.ts";
import { invalidReason, PREVIOUS_VALID_DAY, type PreviousDay, SQLITE_VERSION_ROWS, statisticsUpsert } from "./statistics.ts";
import type { ReleaseBranch } from "../versions/patch.ts";
import { ERROR_LOG_COLUMNS, errorLogRow, insertErrorLog, namedValues, PUBLISHED_COLUMNS, publishedRow, RAW_COLUMNS, rawRow, upsertPublished, upsertRaw, withdrawable } from "./effects.ts";
import { sanitizeStaged } from "./sanitize.ts";
import type { Candidate, Cursor, Selection, StagedChange } from "./types.ts";

export type { Candidate, Cursor, Selection };

export class SqliteCrawlStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
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

  /** The stored error state of each of `domains` that has a row (none: never crawled). */
  errorStates(domains: readonly string[]): Map<string, ErrorState> {
    const rows = this.db
      .prepare(`SELECT domain, error_type AS errorType, error_count AS errorCount, terminal_type AS terminalType, error_endpoint AS errorEndpoint, error_reason AS errorReason
         FROM raw_domains WHERE domain IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(domains)) as (ErrorState & { domain: string })[];
    return new Map(rows.map(({ domain, ...state }) => [domain, state]));
  }

  /**
   * Applies a batch of effects in one transaction, all or nothing, each through the sanitize
   * boundary first (effects.ts holds the rules, shared with PostgreSQL). In fleet mode each is also
   * staged in the outbox, in the same transaction, exactly as applied.
   */
  applyEffects(effects: readonly Effect[], options: { stage?: boolean } = {}): void {
    const upsert = this.db.prepare(upsertRaw(namedValues(RAW_COLUMNS), "claimed_by = NULL, claimed_until = NULL"));
    const publish = this.db.prepare(upsertPublished(namedValues(PUBLISHED_COLUMNS)));
    const unpublish = this.db.prepare(`DELETE FROM mastodon_domains AS m WHERE m.domain = ? AND ${withdrawable("?")}`);
    const logError = this.db.prepare(insertErrorLog(namedValues(ERROR_LOG_COLUMNS)));
    const addDomain = this.db.prepare("INSERT INTO raw_domains (domain) VALUES (?) ON CONFLICT (domain) DO NOTHING");
    const stage = this.db.prepare("INSERT INTO outbox (kind, payload) VALUES ('outcome', ?)");

    this.db.transaction(() => {
      for (const effect of effects) {
        const change = sanitizeStaged({ kind: "outcome", ...effect });
        if (change.kind !== "outcome") continue;
        upsert.run(rawRow(change));
        const published = publishedRow(change);
        if (published !== undefined) publish.run(published);
        else if (change.publication.action === "unpublish") unpublish.run(change.domain, change.at);
        const logged = errorLogRow(change);
        if (logged !== undefined) logError.run(logged);
        if (change.addDomain !== undefined) addDomain.run(change.addDomain);
        if (options.stage) stage.run(JSON.stringify(change satisfies StagedChange));
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
   * Today's row of statistics, with the verdict `judge` gives against the last valid day before it
   * (the publish guard, stats/guard.ts), and its per-version counts, read and written in one
   * transaction; a day a person marked invalid stays so. Returns the verdict.
   */
  recordStatistics(
    date: string,
    updatedAt: string,
    counters: DailyStatistics,
    judge: (previous: PreviousDay | undefined) => GuardVerdict,
    versions: readonly VersionCount[] = [],
  ): GuardVerdict {
    return this.db.transaction(() => {
      const verdict = judge(this.db.prepare(PREVIOUS_VALID_DAY).get(date) as PreviousDay | undefined);
      this.db.prepare(SQLITE_VERSION_ROWS.clear).run(date);
      const insert = this.db.prepare(SQLITE_VERSION_ROWS.insert);
      for (const v of versions) insert.run({ date, ...v });
      this.db.prepare(statisticsUpsert(counters, verdict, (name) => `@${name}`)).run({ date, updatedAt, invalidReason: invalidReason(verdict), ...counters });
      return verdict;
    })();
  }
}


