/**
 * Every run that writes results ends with maintenance: today's statistics, then retention. A
 * one-shot crawl prunes too (not only the daemon), on SQLite and on PostgreSQL (a fleet node,
 * under the maintenance lock), through the binary.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import { binaryStore, requireBinary, runBinary, STORE_KINDS } from "../crawl/e2e.ts";

const server = inject("postgres");
let sim: Fedisim;
let dir: string;

beforeAll(async () => {
  requireBinary();
  sim = await startFedisim(generateScenario({ domains: 4, seed: 29 }), { latencyScale: 0.1 });
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-run-maintenance-"));
  sim.writeFiles(dir);
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();


describe.each(STORE_KINDS)("a one-shot crawl's maintenance (%s)", (name) => {
  it.skipIf(name === "postgres" && server === null)("records today's statistics and prunes what retention says, keeping the rest", async () => {
    const { env, store: open } = await binaryStore(name, { server, sim, dir, node: "maintenance" });
    const store = open();
    try {
      await store.migrate();
      await store.query("INSERT INTO mastodon_domains (domain, software_version, active_users_monthly, timestamp) VALUES ('stale.example', '4.5.6', 3, ?), ('fresh.example', '4.5.6', 3, ?)", [daysAgo(10), daysAgo(1)]);
      await store.query("INSERT INTO error_log (timestamp, domain, error) VALUES (?, 'old.example', 'DNS: NXDOMAIN'), (?, 'recent.example', 'DNS: NXDOMAIN')", [daysAgo(60), daysAgo(2)]);
    } finally {
      await store.close();
    }
    const target = sim.scenario.listed[0]!.name;
    const run = await runBinary(["--target", target], { env, cwd: dir, timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/statistics for \d{4}-\d{2}-\d{2} recorded; retention removed 1 published server not heard from in 7 days and 1 error_log row older than 30 days/);

    const after = open();
    try {
      expect((await after.query("SELECT domain FROM mastodon_domains WHERE domain IN ('stale.example', 'fresh.example') ORDER BY domain", [])).map((r) => r.domain)).toEqual(["fresh.example"]);
      expect((await after.query("SELECT domain FROM error_log WHERE domain IN ('old.example', 'recent.example') ORDER BY domain", [])).map((r) => r.domain)).toEqual(["recent.example"]);
      expect((await after.query("SELECT date FROM statistics", [])).map((r) => r.date)).toEqual([new Date().toISOString().slice(0, 10)]);
    } finally {
      await after.close();
    }
  });
});
