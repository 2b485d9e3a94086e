/**
 * The Grafana dashboard (grafana/vmcrawl.json): every panel's SQL run against a real
 * PostgreSQL holding a generated population and recorded statistics, with Grafana's time macro
 * expanded as Grafana does; the figures equal the independent computation.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { recordPostgresStatistics } from "../../src/stats/postgres.ts";
import { adoptionCurve } from "../../src/stats/velocity.ts";
import { versionDaysSince } from "../../src/store/statistics.ts";
import { transaction } from "../../src/store/postgres-tx.ts";
import { PostgresStore } from "../../src/store/postgres.ts";
import { expected, population } from "../support/population.ts";
import { freshDatabase } from "../support/postgres.ts";

const server = inject("postgres");
const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "grafana", "vmcrawl.json"), "utf8")) as {
  panels: { id: number; title: string; targets: { rawSql: string }[] }[];
};
const now = new Date();
const servers = population(2000, now, 3);
const truth = expected(servers, now);
let store: PostgresStore;

/** Grafana's $__timeFilter(x), for the dashboard's default range (the last 90 days). */
const expand = (sql: string) => sql.replace(/\$__timeFilter\(([^)]+)\)/g, "$1 BETWEEN now() - interval '90 days' AND now()");
const panel = async (id: number) => store.query(expand(dashboard.panels.find((p) => p.id === id)!.targets[0]!.rawSql), []);

beforeAll(async () => {
  if (server === null) return;
  store = new PostgresStore(await freshDatabase(server, "grafana"));
  await store.migrate();
  for (let i = 0; i < servers.length; i += 500) {
    const chunk = servers.slice(i, i + 500);
    await store.query(`INSERT INTO mastodon_domains (domain, software_version, active_users_monthly, timestamp) VALUES ${chunk.map(() => "(?, ?, ?, ?)").join(", ")}`, chunk.flatMap((s) => [s.domain, s.version, s.mau, s.timestamp]));
  }
  for (let d = 4; d >= 0; d--) await transaction(store.sql, (tx) => recordPostgresStatistics(tx, new Date(now.getTime() - d * 86_400_000), 100));
  await store.query("UPDATE statistics SET invalid = TRUE, invalid_reason = 'test' WHERE date = ?", [new Date(now.getTime() - 2 * 86_400_000).toISOString().slice(0, 10)]);
  await store.query("INSERT INTO raw_domains (domain, error_type) VALUES ('x.example', 'DNS')", []);
}, 120_000);

afterAll(async () => {
  await store?.close();
});

describe.skipIf(server === null)("the Grafana dashboard's SQL on PostgreSQL", () => {
  it("runs every panel's query", async () => {
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    for (const p of dashboard.panels) for (const t of p.targets) await expect(store.query(expand(t.rawSql), []), p.title).resolves.toBeDefined();
  });

  it("shows the figures the independent computation gives", async () => {
    expect(await panel(1)).toEqual([{ servers: truth.instances }]);
    expect(await panel(2)).toEqual([{ users: truth.mau }]);
    expect(Number((await panel(3))[0]!.patched_share)).toBeCloseTo(truth.patched_instances! / truth.instances!, 6);
    expect(Number((await panel(4))[0]!.patched_share)).toBeCloseTo(truth.patched_mau! / truth.mau!, 6);
    // Five days recorded, one marked invalid: four points.
    expect(await panel(5)).toHaveLength(4);
    const counted = servers.filter((s) => Date.parse(s.timestamp) >= now.getTime() - 3 * 86_400_000 && s.version !== null);
    const perVersion = new Map<string, number>();
    for (const s of counted) perVersion.set(s.version!, (perVersion.get(s.version!) ?? 0) + 1);
    const top = [...perVersion].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
    expect((await panel(8))[0]).toMatchObject({ version: top[0], servers: top[1] });
    expect(await panel(7)).toHaveLength(7);
    expect((await panel(10))[0]).toMatchObject({ domains: 1, failing: 1 });
  });

  it("draws each release's adoption as vmcrawl stats velocity computes it", async () => {
    // The latest of two branches, published the day the first statistics were recorded.
    const published = new Date(now.getTime() - 4 * 86_400_000).toISOString().slice(0, 10);
    await store.query("INSERT INTO releases (version, published_on) VALUES ('4.5.6', ?), ('4.4.13', ?)", [published, published]);
    const days = await versionDaysSince(store.query, published);
    const rows = await panel(11);
    expect(new Set(rows.map((r) => r.metric))).toEqual(new Set(["4.5.6", "4.4.13"]));
    for (const version of ["4.5.6", "4.4.13"]) {
      const curve = adoptionCurve({ version, publishedOn: published }, days);
      const drawn = rows.filter((r) => r.metric === version);
      expect(drawn.map((r) => new Date(String(r.time)).toISOString().slice(0, 10))).toEqual(curve.points.map((p) => p.date));
      drawn.forEach((r, i) => expect(Number(r.value), `${version} on ${curve.points[i]!.date}`).toBeCloseTo(curve.points[i]!.serverShare!, 9));
      expect(curve.points[0]!.serverShare).toBeGreaterThan(0);
      expect(curve.points[0]!.serverShare).toBeLessThan(1);
    }
  });
});
