/**
 * The day's statistics over a generated population of 10,000 published servers, recorded by
 * the production code into SQLite and into a real PostgreSQL, each compared counter by counter
 * with an independent computation written here (its own version parsing and ordering, not
 * semver and not placeVersion), and with each other. Then the publish guard on both.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { recordPostgresStatistics } from "../../src/stats/postgres.ts";
import { recordSqliteStatistics } from "../../src/stats/sqlite.ts";
import { transaction } from "../../src/store/postgres-tx.ts";
import { PostgresStore } from "../../src/store/postgres.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { freshDatabase } from "../support/postgres.ts";
import { expected, expectedVersions, population } from "../support/population.ts";

const server = inject("postgres");
const NOW = new Date("2026-11-23T12:00:00.000Z");
const POPULATION = 10_000;

const servers = population(POPULATION, NOW);
const truth = expected(servers, NOW);
let sqlite: SqliteStore;
let pg: PostgresStore | undefined;

async function load(store: SqliteStore | PostgresStore): Promise<void> {
  await store.migrate();
  for (let i = 0; i < servers.length; i += 500) {
    const chunk = servers.slice(i, i + 500);
    await store.query(
      `INSERT INTO mastodon_domains (domain, software_version, active_users_monthly, timestamp) VALUES ${chunk.map(() => "(?, ?, ?, ?)").join(", ")}`,
      chunk.flatMap((s) => [s.domain, s.version, s.mau, s.timestamp]),
    );
  }
}

const day = async (store: SqliteStore | PostgresStore, date: string) => (await store.query("SELECT * FROM statistics WHERE date = ?", [date]))[0];
const versionsOf = async (store: SqliteStore | PostgresStore, date: string) =>
  (await store.query("SELECT version, branch, instances, mau FROM version_statistics WHERE date = ?", [date])).sort((a, b) => (String(a.version) < String(b.version) ? -1 : 1));

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "vmcrawl-population-"));
  sqlite = new SqliteStore(join(dir, "vmcrawl.db"), { cacheDir: dir });
  await load(sqlite);
  if (server !== null) {
    pg = new PostgresStore(await freshDatabase(server, "population"));
    await load(pg);
  }
}, 120_000);

afterAll(async () => {
  await sqlite?.close();
  await pg?.close();
});

describe(`statistics over ${POPULATION.toLocaleString("en")} generated servers`, () => {
  it("the population covers every case: each role, patched and not, unplaced, no version, no users, too old", () => {
    for (const key of ["main_instances", "latest_patched_instances", "previous_instances", "deprecated_patched_instances", "eol_instances"]) expect(truth[key], key).toBeGreaterThan(50);
    expect(truth.latest_instances! - truth.latest_patched_instances!).toBeGreaterThan(50);
    expect(servers.filter((s) => s.version?.startsWith("4.10.")).length).toBeGreaterThan(20);
    expect(servers.filter((s) => s.version === null).length).toBeGreaterThan(100);
    expect(servers.filter((s) => s.mau === null).length).toBeGreaterThan(100);
    expect(truth.instances).toBeLessThan(POPULATION - 500);
  });

  it("SQLite records exactly the independent computation, counter by counter", async () => {
    expect(recordSqliteStatistics(sqlite.crawl, NOW, 50)).toEqual({ suspect: false });
    const row = await day(sqlite, "2026-11-23");
    for (const [counter, value] of Object.entries(truth)) expect(row?.[counter], counter).toBe(value);
    expect(row).toMatchObject({ date: "2026-11-23", updated_at: NOW.toISOString(), invalid: false, invalid_reason: null });
  });

  it.skipIf(server === null)("PostgreSQL records the same row, value for value and type for type", async () => {
    expect(await transaction(pg!.sql, (tx) => recordPostgresStatistics(tx, NOW, 50))).toEqual({ suspect: false });
    const [fromPg, fromSqlite] = [await day(pg!, "2026-11-23"), await day(sqlite, "2026-11-23")];
    for (const [counter, value] of Object.entries(truth)) expect(fromPg?.[counter], counter).toBe(value);
    expect(fromPg).toEqual(fromSqlite);
  });

  it("records the day's per-version counts beside it, in both stores, as computed independently", async () => {
    const want = expectedVersions(servers, NOW);
    expect(want.length).toBeGreaterThan(20);
    expect(await versionsOf(sqlite, "2026-11-23")).toEqual(want);
    if (pg !== undefined) expect(await versionsOf(pg, "2026-11-23")).toEqual(want);
    // Recording the day again replaces its counts rather than adding to them.
    recordSqliteStatistics(sqlite.crawl, NOW, 50);
    expect(await versionsOf(sqlite, "2026-11-23")).toEqual(want);
  });
});

describe.each([
  ["sqlite", () => sqlite, (now: Date, pct: number) => Promise.resolve(recordSqliteStatistics(sqlite.crawl, now, pct))],
  ["postgres", () => pg!, (now: Date, pct: number) => transaction(pg!.sql, (tx) => recordPostgresStatistics(tx, now, pct))],
] as const)("the publish guard (%s)", (name, store, record) => {
  const next = new Date(NOW.getTime() + 86_400_000);
  it.skipIf(name === "postgres" && server === null)("marks a day whose figures collapse, lifts its own mark when they recover, never a person's", async () => {
    const s = store();
    // Yesterday (the day recorded above) is the yardstick. Two thirds of today's servers vanish.
    await s.query("UPDATE mastodon_domains SET timestamp = ? WHERE domain NOT LIKE 's%0.example' AND domain NOT LIKE 's%1.example' AND domain NOT LIKE 's%2.example'", [new Date(NOW.getTime() - 10 * 86_400_000).toISOString()]);
    const verdict = await record(next, 50);
    expect(verdict.suspect).toBe(true);
    const marked = await day(s, "2026-11-24");
    expect(marked?.invalid).toBe(true);
    expect(marked?.invalid_reason).toMatch(/^publish guard: instances fell \d+% \(\d+ → \d+\).* since 2026-11-23, more than 50%$/);
    // A looser threshold (or recovered figures) lifts the guard's own mark on the next recording of the day.
    expect((await record(next, 100)).suspect).toBe(false);
    expect(await day(s, "2026-11-24")).toMatchObject({ invalid: false, invalid_reason: null });
    // A person's mark stays whatever the guard thinks.
    await s.query("UPDATE statistics SET invalid = TRUE, invalid_reason = ? WHERE date = ?", ["crawler misconfigured", "2026-11-24"]);
    await record(next, 100);
    await record(next, 50);
    expect(await day(s, "2026-11-24")).toMatchObject({ invalid: true, invalid_reason: "crawler misconfigured" });
  });
});
