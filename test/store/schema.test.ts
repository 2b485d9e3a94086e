import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { migrations } from "../../src/store/migrations.ts";
import { PostgresStore } from "../../src/store/postgres.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { freshDatabase } from "../support/postgres.ts";

const sqlDir = join(import.meta.dirname, "../../sql");
const server = inject("postgres");

describe("embedded migrations", () => {
  it.each(["sqlite", "postgres"] as const)("sql/%s holds exactly the migrations the binary embeds, byte for byte", (dialect) => {
    const files = readdirSync(join(sqlDir, dialect)).sort();
    expect(files).toEqual(migrations[dialect].map((m) => `${String(m.version).padStart(3, "0")}_${m.name}.sql`));
    for (const m of migrations[dialect]) {
      expect(m.sql).toBe(readFileSync(join(sqlDir, dialect, `${String(m.version).padStart(3, "0")}_${m.name}.sql`), "utf8"));
    }
  });

  it("numbers and names migrations the same in both dialects", () => {
    const shape = (d: "sqlite" | "postgres") => migrations[d].map(({ version, name }) => ({ version, name }));
    expect(shape("postgres")).toEqual(shape("sqlite"));
    expect(shape("sqlite").map((m) => m.version)).toEqual(shape("sqlite").map((_, i) => i + 1));
  });

  it("keeps the seed data identical in both dialects", () => {
    const seed = (d: "sqlite" | "postgres") => migrations[d].find((m) => m.name === "seed_versions")!.sql;
    expect(seed("postgres")).toBe(seed("sqlite"));
  });
});

describe.skipIf(server === null)("one logical schema", () => {
  it("has the same tables and columns in SQLite and PostgreSQL, except the staging and receipt tables", async () => {
    const sqlite = new SqliteStore(join(mkdtempSync(join(tmpdir(), "vmcrawl-schema-")), "v.db"), { cacheDir: join(tmpdir(), "vmcrawl-test-cache") });
    const pg = new PostgresStore(await freshDatabase(server!));
    try {
      await sqlite.migrate();
      await pg.migrate();
      const sqliteTables = (await sqlite.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", [])).map((r) => String(r.name));
      const columns: Record<string, { sqlite: string[]; postgres: string[] }> = {};
      for (const table of sqliteTables) {
        columns[table] = { sqlite: (await sqlite.query(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`, [])).map((r) => String(r.name)), postgres: [] };
      }
      const pgColumns = await pg.query("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position", []);
      for (const row of pgColumns) {
        const entry = (columns[String(row.table_name)] ??= { sqlite: [], postgres: [] });
        entry.postgres.push(String(row.column_name));
      }
      expect(Object.keys(columns).sort()).toEqual([
        "crawler_control", "dni", "error_log", "local_settings", "mastodon_domains", "nightly_versions", "outbox", "outbox_quarantine", "raw_domains", "release_versions", "releases", "schema_migrations", "security_advisories", "statistics", "sync_receipts", "tld_cache", "version_statistics",
      ]);
      // Staging only in SQLite, receipts only in PostgreSQL.
      const oneSided = ["outbox", "outbox_quarantine", "local_settings", "sync_receipts"];
      expect(columns.outbox!.postgres).toEqual([]);
      expect(columns.outbox_quarantine!.postgres).toEqual([]);
      expect(columns.local_settings!.postgres).toEqual([]);
      expect(columns.sync_receipts!.sqlite).toEqual([]);
      for (const [table, { sqlite: s, postgres: p }] of Object.entries(columns)) {
        if (oneSided.includes(table)) continue;
        expect(p, `columns of ${table}`).toEqual(s);
      }
      expect(columns.raw_domains!.sqlite).toEqual([
        "domain", "first_seen", "last_crawled_at", "next_crawl_at", "last_response_time", "error_type", "error_endpoint", "error_reason",
        "error_count", "terminal_type", "nodeinfo", "alias_of", "peers", "claimed_by", "claimed_until",
      ]);
      // The 20 counters of reference §12, then our totals.
      const counters = columns.statistics!.sqlite.filter((c) => !["date", "updated_at", "invalid", "invalid_reason"].includes(c));
      expect(counters).toHaveLength(23);
      expect(counters.slice(-3)).toEqual(["instances", "patched_instances", "patched_mau"]);
    } finally {
      await sqlite.close();
      await pg.close();
    }
  });
});
