import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { sqlitePauseSwitch } from "../../src/store/control.ts";
import { sqliteLeases } from "../../src/store/leases.ts";
import { storeContract } from "./contract.ts";
import { writePathContract } from "./write-contract.ts";

const cacheDir = join(tmpdir(), "vmcrawl-test-cache");

function freshPath(): string {
  return join(mkdtempSync(join(tmpdir(), "vmcrawl-sqlite-")), "nested", "dir", "vmcrawl.db");
}

storeContract("sqlite", async () => {
  const path = freshPath();
  const store = new SqliteStore(path, { cacheDir });
  return { store, query: (text, params = []) => store.query(text, params), another: async () => new SqliteStore(path, { cacheDir }) };
});

writePathContract("sqlite", async () => {
  const store = new SqliteStore(freshPath(), { cacheDir });
  await store.migrate();
  return {
    errorStates: async (domains) => store.crawl.errorStates(domains),
    apply: async (effects) => store.crawl.applyEffects(effects),
    // What the outbox carries applied as SQLite applies it: the same effects, the same new domains.
    applyOutbox: async (entries) => {
      for (const { change } of entries) {
        if (change.kind === "outcome") store.crawl.applyEffects([change]);
        else if (change.kind === "domains") store.crawl.insertDomains(change.domains);
      }
    },
    leases: sqliteLeases(store.db),
    pause: sqlitePauseSwitch(store.db),
    query: (text, params = []) => store.query(text, params),
    close: () => store.close(),
  };
});

describe("sqlite specifics", () => {
  it("opens in WAL mode with a busy timeout, creating missing parent directories", async () => {
    const store = new SqliteStore(freshPath(), { cacheDir, busyTimeoutMs: 1234 });
    try {
      expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(store.db.pragma("busy_timeout", { simple: true })).toBe(1234);
      expect(store.db.pragma("foreign_keys", { simple: true })).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("keeps outbox seq monotonic: a number is never reused after the outbox empties", async () => {
    const store = new SqliteStore(freshPath(), { cacheDir });
    try {
      await store.migrate();
      const insert = store.db.prepare("INSERT INTO outbox (kind, payload) VALUES ('outcome', ?)");
      insert.run('{"domain":"a.example"}');
      insert.run('{"domain":"b.example"}');
      store.db.exec("DELETE FROM outbox");
      expect(Number(insert.run('{"domain":"c.example"}').lastInsertRowid)).toBe(3);
      expect(() => insert.run("not json")).toThrow(/CHECK constraint failed/);
    } finally {
      await store.close();
    }
  });

  it("rolls back every migration of a failed run, leaving no half-made schema", async () => {
    const path = freshPath();
    const store = new SqliteStore(path, { cacheDir });
    try {
      store.db.exec("CREATE TABLE dni (domain TEXT)"); // collides with migration 001
      await expect(store.migrate()).rejects.toThrow(/table dni already exists/);
      const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
      expect(tables).toEqual(["dni", "schema_migrations"]);
      expect(store.db.prepare("SELECT count(*) FROM schema_migrations").pluck().get()).toBe(0);
    } finally {
      await store.close();
    }
  });
});
