/**
 * The store contract shared by the SQLite and PostgreSQL adapters. Both
 * return the same shapes (booleans as booleans, timestamps as ISO-8601 UTC
 * strings), so callers and the shared contract tests never see a dialect.
 */
import type { Effect, ErrorState } from "../core/decide.ts";
import type { DomainName } from "../net/domain.ts";
import type { VersionContext } from "../versions/clean.ts";
import type { ReleaseBranch } from "../versions/patch.ts";
import type { Dialect } from "./migrations.ts";
import type { Query } from "./queries.ts";
import type { MigrationReport } from "./migrate.ts";

export type Value = string | number | boolean | null;
export type Row = Readonly<Record<string, Value>>;

export interface DomainReport {
  readonly domain: DomainName;
  /** Usually one row; two when the domain was stored under both its Unicode and punycode spellings. */
  readonly raw: readonly Row[];
  readonly mastodon: readonly Row[];
  /** DNI entries for the domain itself or a parent at a label boundary. */
  readonly dni: readonly Row[];
  readonly lastError: Row | null;
}

export interface Store {
  readonly dialect: Dialect;
  /** Where the data lives, for messages: a file path, or host:port/database (never credentials). */
  readonly location: string;
  /** Applies pending schema migrations; safe to call from several processes at once. */
  migrate(): Promise<MigrationReport>;
  /** Everything known about one domain, looked up under each of its spellings. */
  describeDomain(domain: DomainName): Promise<DomainReport>;
  /** The main branch and nightly ranges that version cleaning needs. */
  versionContext(): Promise<VersionContext>;
  /** Standard SQL with `?` placeholders, values bound; rows with the same types in every dialect. */
  readonly query: Query;
  /**
   * Runs `work` in one transaction (all or nothing) with a query bound to it. SQLite: nothing else
   * of this process should write meanwhile, as the file has one connection.
   */
  transaction<T>(work: (query: Query) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Columns that are booleans; SQLite stores them as 0/1 and its adapter converts them back. */
export const BOOLEAN_COLUMNS = new Set(["peers", "invalid", "is_security"]);

/**
 * One change for PostgreSQL, as the outbox carries it: an outcome's effect (decided on the node,
 * which holds the domain's lease, so its local state is the current one), new domains, or
 * whether `fetch` still asks a server for peers (false after a lasting refusal).
 */
export type StagedChange =
  | ({ readonly kind: "outcome" } & Effect)
  | { readonly kind: "domains"; readonly domains: readonly string[] }
  | { readonly kind: "peers"; readonly domain: string; readonly polled: boolean; readonly at: string };

/** A staged change PostgreSQL refused, kept with its error (sql/sqlite/006). */
export interface QuarantinedEntry {
  readonly seq: number;
  readonly kind: string;
  /** The domain it is about, when it is about one. */
  readonly domain: string | undefined;
  readonly createdAt: string;
  readonly quarantinedAt: string;
  readonly error: string;
}

export interface Backlog {
  readonly entries: number;
  /** When the oldest waiting entry was staged (ISO), if any. */
  readonly oldest: string | undefined;
}

export interface StagedEntry {
  readonly seq: number;
  readonly change: StagedChange;
}

export interface ApplyResult {
  /** Entries applied by this call (those after the node's receipt). */
  readonly applied: number;
  /** The node's receipt after the call: every entry up to it is in PostgreSQL. */
  readonly lastSeq: number;
}

/** A domain's error state with its last crawl, as PostgreSQL hands it to the node that leased it. */
export interface DomainState extends ErrorState {
  readonly domain: string;
  readonly lastCrawledAt: string | null;
}

/** What a node copies from PostgreSQL to work offline: branches, nightly ranges, the DNI list. */
export interface ReferenceData {
  readonly releaseVersions: readonly ReleaseBranch[];
  readonly nightly: readonly { version: string; start_date: string; end_date: string; is_security: boolean }[];
  readonly dni: readonly { domain: string; comment: string | null; force: string }[];
  /** The TLD list `manage tld update` stored, if any: a node keeps whichever copy is newer. */
  readonly tlds: { readonly tlds: readonly string[]; readonly updatedAt: string } | undefined;
}

/** The fleet-wide (PostgreSQL) or file-wide (SQLite) pause switch. */
export interface ControlState {
  readonly paused: boolean;
  readonly reason: string | null;
  readonly setBy: string | null;
  readonly setAt: string | null;
}

/** A crawl menu option's candidates, as SQL (store/menu-sql.ts). */
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
