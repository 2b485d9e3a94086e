/**
 * What `vmcrawl doctor` reads from the stores, read-only: the SQLite file opened without creating
 * or changing it (no WAL switch, no migration), and PostgreSQL in a read-only transaction.
 */
import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import type { AppliedMigration } from "./migrate.ts";
import { planMigrations } from "./migrate.ts";
import { migrations } from "./migrations.ts";
import { sqliteNativeBinding } from "./native.ts";
import type { PostgresStore } from "./postgres.ts";
import { SqlitePeersStore } from "./sqlite-peers.ts";
import { SqliteStaging } from "./sqlite-staging.ts";

/** How far a database's schema is from this binary's: migrations to apply, or why it cannot be used. */
export type SchemaState = { readonly pending: number } | { readonly problem: string };

export interface SqliteInspection {
  readonly exists: boolean;
  readonly schema?: SchemaState;
  readonly backlog?: { readonly entries: number; readonly oldest: string | undefined };
  readonly quarantined?: number;
  readonly lastSync?: string;
  readonly lastSyncFailure?: string;
  /** The stored TLD list, if any. */
  readonly tlds?: { readonly count: number; readonly updatedAt: string };
}

function schemaOf(applied: readonly AppliedMigration[], dialect: "sqlite" | "postgres"): SchemaState {
  try {
    return { pending: planMigrations(migrations[dialect], applied).length };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

export function inspectSqlite(path: string, cacheDir: string): SqliteInspection {
  if (!existsSync(path)) return { exists: false };
  const nativeBinding = sqliteNativeBinding(cacheDir) as string | undefined;
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 2000, ...(nativeBinding ? { nativeBinding } : {}) });
  try {
    const hasTable = (name: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
    if (!hasTable("schema_migrations")) return { exists: true, schema: { pending: migrations.sqlite.length } };
    const schema = schemaOf(db.prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version").all() as AppliedMigration[], "sqlite");
    if (!("pending" in schema) || schema.pending > 0) return { exists: true, schema };
    const staging = new SqliteStaging(db);
    const stored = new SqlitePeersStore(db).tldCache().read();
    const lastSync = staging.setting("last_sync");
    const lastSyncFailure = staging.setting("last_sync_failure");
    return {
      exists: true,
      schema,
      backlog: staging.backlog(),
      quarantined: staging.quarantinedCount(),
      ...(lastSync === undefined ? {} : { lastSync }),
      ...(lastSyncFailure === undefined ? {} : { lastSyncFailure }),
      ...(stored === undefined ? {} : { tlds: { count: stored.tlds.length, updatedAt: stored.updatedAt } }),
    };
  } finally {
    db.close();
  }
}

export interface PostgresInspection {
  readonly schema: SchemaState;
  /** PostgreSQL's clock, and this machine's at the middle of the round trip that read it. */
  readonly serverNow: Date;
  readonly localNow: Date;
}

export async function inspectPostgres(pg: PostgresStore): Promise<PostgresInspection> {
  return pg.sql.begin("read only", async (tx) => {
    const [exists] = await tx`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`;
    const applied = exists?.present === true ? ((await tx`SELECT version, name, checksum FROM schema_migrations ORDER BY version`) as unknown as AppliedMigration[]) : [];
    const before = Date.now();
    const [row] = await tx`SELECT clock_timestamp() AS now`;
    const after = Date.now();
    return { schema: exists?.present === true ? schemaOf(applied, "postgres") : { pending: migrations.postgres.length }, serverNow: row!.now as Date, localNow: new Date((before + after) / 2) };
  });
}
