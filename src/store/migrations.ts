/**
 * The schema migrations embedded in the binary, per dialect. Adding one: put
 * `NNN_name.sql` in both `sql/sqlite/` and `sql/postgres/`, then list it
 * here; a test checks this list against the directories.
 */
import { createHash } from "node:crypto";
import sqlite001 from "../../sql/sqlite/001_schema.sql";
import sqlite002 from "../../sql/sqlite/002_seed_versions.sql";
import sqlite003 from "../../sql/sqlite/003_fleet.sql";
import sqlite004 from "../../sql/sqlite/004_statistics_totals.sql";
import sqlite005 from "../../sql/sqlite/005_advisories.sql";
import sqlite006 from "../../sql/sqlite/006_outbox_quarantine.sql";
import sqlite007 from "../../sql/sqlite/007_version_statistics.sql";
import postgres001 from "../../sql/postgres/001_schema.sql";
import postgres002 from "../../sql/postgres/002_seed_versions.sql";
import postgres003 from "../../sql/postgres/003_fleet.sql";
import postgres004 from "../../sql/postgres/004_statistics_totals.sql";
import postgres005 from "../../sql/postgres/005_advisories.sql";
import postgres006 from "../../sql/postgres/006_outbox_quarantine.sql";
import postgres007 from "../../sql/postgres/007_version_statistics.sql";

export type Dialect = "sqlite" | "postgres";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** sha256 of the text, recorded when applied so a later edit of an applied file is caught. */
  readonly checksum: string;
}

const migration = (version: number, name: string, sql: string): Migration => ({
  version,
  name,
  sql,
  checksum: createHash("sha256").update(sql).digest("hex"),
});

export const migrations: Readonly<Record<Dialect, readonly Migration[]>> = {
  sqlite: [migration(1, "schema", sqlite001), migration(2, "seed_versions", sqlite002), migration(3, "fleet", sqlite003), migration(4, "statistics_totals", sqlite004), migration(5, "advisories", sqlite005), migration(6, "outbox_quarantine", sqlite006), migration(7, "version_statistics", sqlite007)],
  postgres: [migration(1, "schema", postgres001), migration(2, "seed_versions", postgres002), migration(3, "fleet", postgres003), migration(4, "statistics_totals", postgres004), migration(5, "advisories", postgres005), migration(6, "outbox_quarantine", postgres006), migration(7, "version_statistics", postgres007)],
};
