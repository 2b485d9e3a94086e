/**
 * The embedded store: one SQLite file in WAL mode. better-sqlite3 is
 * synchronous; the adapter keeps the async `Store` contract so callers do not
 * care which dialect they hold.
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { VmcrawlError } from "../errors.ts";
import type { DomainName } from "../net/domain.ts";
import type { VersionContext } from "../versions/clean.ts";
import { MIGRATIONS_TABLE, type AppliedMigration, type MigrationReport, migrationReport, planMigrations } from "./migrate.ts";
import { migrations } from "./migrations.ts";
import { sqliteNativeBinding } from "./native.ts";
import { SqliteCrawlStore } from "./sqlite-crawl.ts";
import { SqlitePeersStore } from "./sqlite-peers.ts";
import { SqliteStaging } from "./sqlite-staging.ts";
import { describeDomain, loadVersionContext, type Query } from "./queries.ts";
import { BOOLEAN_COLUMNS, type DomainReport, type Row, type Store, type Value } from "./types.ts";

export interface SqliteOptions {
  /** Where the native addon is unpacked when running as a single executable. */
  readonly cacheDir: string;
  /** Milliseconds a writer waits for another writer's lock before failing. @default 5000 */
  readonly busyTimeoutMs?: number;
}

export class SqliteStore implements Store {
  readonly dialect = "sqlite" as const;
  readonly location: string;
  readonly db: Database.Database;
  /** The crawl's selections and writes on this database. */
  readonly crawl: SqliteCrawlStore;
  /** Fleet mode: the outbox, local settings and the replica of PostgreSQL's data. */
  readonly staging: SqliteStaging;
  /** fetch: the TLD list and which servers are still asked for peers. */
  readonly peers: SqlitePeersStore;

  private readonly options: SqliteOptions;

  constructor(path: string, options: SqliteOptions) {
    this.location = path;
    this.options = options;
    if (path !== ":memory:") {
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      } catch (err) {
        throw new VmcrawlError("STORE", `cannot create the directory for ${path}: ${(err as Error).message}; set VMCRAWL_SQLITE_PATH to a writable place`, { cause: err });
      }
    }
    try {
      // The types say nativeBinding is a path; better-sqlite3 also takes the loaded exports object.
      const nativeBinding = sqliteNativeBinding(options.cacheDir) as string | undefined;
      this.db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000, ...(nativeBinding ? { nativeBinding } : {}) });
      this.db.pragma("journal_mode = WAL");
      // NORMAL is durable across application crashes in WAL mode; only a power loss can drop the last commits.
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("foreign_keys = ON");
    } catch (err) {
      if ((err as { code?: string }).code === "NATIVE_ADDON") throw err;
      throw new VmcrawlError("STORE", `cannot open the SQLite database ${path}: ${(err as Error).message}`, { cause: err });
    }
    this.crawl = new SqliteCrawlStore(this.db);
    this.staging = new SqliteStaging(this.db);
    this.peers = new SqlitePeersStore(this.db);
  }

  async migrate(): Promise<MigrationReport> {
    const known = migrations.sqlite;
    this.db.exec(MIGRATIONS_TABLE);
    // IMMEDIATE takes the write lock before reading, so two processes starting together cannot both apply a migration.
    const apply = this.db.transaction(() => {
      const applied = this.db.prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version").all() as AppliedMigration[];
      const pending = planMigrations(known, applied);
      const record = this.db.prepare("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)");
      for (const m of pending) {
        this.db.exec(m.sql);
        record.run(m.version, m.name, m.checksum, new Date().toISOString());
      }
      return pending;
    });
    return migrationReport(apply.immediate(), known);
  }

  async describeDomain(domain: DomainName): Promise<DomainReport> {
    return describeDomain(this.query, domain);
  }

  async versionContext(): Promise<VersionContext> {
    return loadVersionContext(this.query);
  }

  readonly query: Query = async (text, params) => {
    const statement = this.db.prepare(text);
    // SQLite has no boolean type: TRUE is 1, as the schema's booleans are stored.
    const bound = params.map((p) => (typeof p === "boolean" ? Number(p) : p));
    if (!statement.reader) {
      statement.run(...bound);
      return [];
    }
    return (statement.all(...bound) as Record<string, Value>[]).map(fromSqliteRow);
  };

  async transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    // IMMEDIATE: the write lock first, so another process cannot change what `work` reads.
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = await work(this.query);
      this.db.exec("COMMIT");
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      throw err;
    }
  }

  /**
   * Another connection to the same file: for work that runs its own transactions while this
   * connection's writes go on (WAL lets them take turns), such as the daemon's GitHub refresh.
   */
  another(): SqliteStore {
    return new SqliteStore(this.location, this.options);
  }

  /** The SQLite library's own version (proves the addon loaded). */
  engineVersion(): string {
    return this.db.prepare("SELECT sqlite_version()").pluck().get() as string;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function fromSqliteRow(row: Record<string, Value>): Row {
  const out: Record<string, Value> = {};
  for (const [column, value] of Object.entries(row)) {
    out[column] = BOOLEAN_COLUMNS.has(column) && typeof value === "number" ? value !== 0 : value;
  }
  return out;
}
