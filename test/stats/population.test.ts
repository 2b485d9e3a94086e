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

const server = inject("postgres");
const NOW = new Date("2026-11-23T12:00:00.000Z");
const POPULATION = 10_000;

// The seeded branches (sql/*/002_seed_versions.sql), written out again here on purpose.
const BRANCHES = [
  { branch: "4.6", role: "main", latest: "4.6.0-alpha.4" },
  { branch: "4.5", role: "latest", latest: "4.5.6" },
  { branch: "4.4", role: "previous", latest: "4.4.13" },
  { branch: "4.3", role: "deprecated", latest: "4.3.19" },
  { branch: "4.2", role: "eol", latest: "4.2.29" },
  { branch: "4.1", role: "eol", latest: "4.1.22" },
  { branch: "4.0", role: "eol", latest: "4.0.15" },
] as const;

interface Server {
  domain: string;
  version: string | null;
  mau: number | null;
  timestamp: string;
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function population(): Server[] {
  const rnd = random(2026);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const servers: Server[] = [];
  for (let i = 0; i < POPULATION; i++) {
    const kind = rnd();
    let version: string | null;
    if (kind < 0.03) version = null;
    else if (kind < 0.05) version = pick(["3.5.17", "3.4.1", "2.9.0"]); // older than every tracked branch: EOL
    else if (kind < 0.07) version = pick(["4.10.0", "4.10.3", "5.0.0"]); // newer than tracked: not placed (4.10 is not 4.1)
    else if (kind < 0.12) version = pick(["4.6.0-alpha.3", "4.6.0-alpha.4", "4.6.0-alpha.5", "4.6.0-beta.1", "4.6.0-rc.1"]);
    else {
      const b = pick(BRANCHES.slice(1));
      const [major, minor, patch] = b.latest.split(".").map(Number) as [number, number, number];
      const p = Math.max(0, patch + pick([-3, -1, 0, 0, 0, 1]));
      version = `${major}.${minor}.${p}${rnd() < 0.1 ? pick(["-rc.1", "-beta.2"]) : ""}`;
    }
    const mau = rnd() < 0.04 ? null : Math.floor(rnd() ** 3 * 20_000);
    // Mostly answered within 3 days; some not (they do not count), a few right at the edge.
    const ageDays = rnd() < 0.1 ? 3 + rnd() * 4 : rnd() < 0.02 ? 2.999 : rnd() * 2.9;
    servers.push({ domain: `s${i}.example`, version, mau, timestamp: new Date(NOW.getTime() - ageDays * 86_400_000).toISOString() });
  }
  return servers;
}

/** X.Y.Z or X.Y.Z-label.N, compared by hand: numbers first, a pre-release before its release. */
function parse(version: string): { core: [number, number, number]; pre: [string, number] | undefined } | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-(alpha|beta|rc)\.(\d+))?$/.exec(version);
  if (!m) return undefined;
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] === undefined ? undefined : [m[4], Number(m[5])] };
}

function atLeast(version: string, latest: string): boolean {
  const a = parse(version)!;
  const b = parse(latest)!;
  for (let i = 0; i < 3; i++) if (a.core[i] !== b.core[i]) return a.core[i]! > b.core[i]!;
  if (a.pre === undefined) return true;
  if (b.pre === undefined) return false;
  const order = ["alpha", "beta", "rc"];
  if (a.pre[0] !== b.pre[0]) return order.indexOf(a.pre[0]) > order.indexOf(b.pre[0]);
  return a.pre[1] >= b.pre[1];
}

function expected(servers: readonly Server[]): Record<string, number> {
  const since = NOW.getTime() - 3 * 86_400_000;
  const counted = servers.filter((s) => Date.parse(s.timestamp) >= since);
  const c: Record<string, number> = { instances: counted.length, mau: 0, patched_instances: 0, patched_mau: 0 };
  for (const role of ["main", "latest", "previous", "deprecated", "eol"]) {
    c[`${role}_instances`] = 0;
    c[`${role}_branch_mau`] = 0;
    if (role !== "eol") {
      c[`${role}_patched_instances`] = 0;
      c[`${role}_patched_mau`] = 0;
    }
  }
  c.unique_versions = new Set(counted.map((s) => s.version).filter((v) => v !== null)).size;
  for (const s of counted) {
    const mau = s.mau ?? 0;
    c.mau! += mau;
    if (s.version === null) continue;
    const parsed = parse(s.version)!;
    const key = `${parsed.core[0]}.${parsed.core[1]}`;
    const branch = BRANCHES.find((b) => b.branch === key);
    const older = parsed.core[0] < 4;
    if (branch === undefined && !older) continue;
    const role = branch?.role ?? "eol";
    c[`${role}_instances`]! += 1;
    c[`${role}_branch_mau`]! += mau;
    if (role !== "eol" && atLeast(s.version, branch!.latest)) {
      c[`${role}_patched_instances`]! += 1;
      c[`${role}_patched_mau`]! += mau;
      c.patched_instances! += 1;
      c.patched_mau! += mau;
    }
  }
  return c;
}

const servers = population();
const truth = expected(servers);
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
