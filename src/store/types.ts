/**
 * The store contract shared by the SQLite and PostgreSQL adapters. Both
 * return the same shapes (booleans as booleans, timestamps as ISO-8601 UTC
 * strings), so callers and the shared contract tests never see a dialect.
 */
import type { DomainName } from "../net/domain.ts";
import type { VersionContext } from "../versions/clean.ts";
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
