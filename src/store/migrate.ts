/**
 * Which migrations a database still needs: pure, so the rules are tested
 * without a database. The dialect adapters run the plan inside one
 * transaction under their own lock (SQLite `BEGIN IMMEDIATE`, PostgreSQL an
 * advisory lock), so concurrent starts apply each migration exactly once.
 */
import { VmcrawlError } from "../errors.ts";
import type { Migration } from "./migrations.ts";

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
}

export interface MigrationReport {
  /** Migrations applied by this call, oldest first. */
  readonly applied: readonly { version: number; name: string }[];
  /** Schema version after this call. */
  readonly version: number;
}

/** Created by the adapters before planning; the same in both dialects. */
export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  checksum   TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

export function planMigrations(known: readonly Migration[], applied: readonly AppliedMigration[]): Migration[] {
  const byVersion = new Map(known.map((m) => [m.version, m]));
  const newest = known.at(-1)?.version ?? 0;
  for (const row of applied) {
    const ours = byVersion.get(row.version);
    if (ours === undefined) {
      throw new VmcrawlError(
        "MIGRATION",
        `the database has schema migration ${row.version} (${row.name}), which this vmcrawl does not know (it knows up to ${newest}); use a newer vmcrawl with this database`,
      );
    }
    if (ours.checksum !== row.checksum) {
      throw new VmcrawlError(
        "MIGRATION",
        `schema migration ${row.version} (${row.name}) was applied from a different text than this vmcrawl embeds; a migration must never change once released, add a new one instead`,
      );
    }
  }
  const done = new Set(applied.map((row) => row.version));
  return known.filter((m) => !done.has(m.version));
}

export function migrationReport(pending: readonly Migration[], known: readonly Migration[]): MigrationReport {
  return {
    applied: pending.map(({ version, name }) => ({ version, name })),
    version: known.at(-1)?.version ?? 0,
  };
}
