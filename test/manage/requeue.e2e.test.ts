/**
 * `manage requeue` really requeues: terminal domains a person sends back are crawled by the next
 * daemon pass, and nothing else is, on SQLite and on PostgreSQL (a fleet node's daemon), through
 * the binary.
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
  sim = await startFedisim(generateScenario({ domains: 8, seed: 23 }), { latencyScale: 0.1 });
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-requeue-"));
  sim.writeFiles(dir);
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

const LONG_AGO = "2026-01-01T00:00:00.000Z";
const FAR_AHEAD = "2099-01-01T00:00:00.000Z";


describe.each(STORE_KINDS)("manage requeue, then daemon --drain (%s)", (name) => {
  it.skipIf(name === "postgres" && server === null)("crawls exactly the requeued domains, terminal ones included", async () => {
    const { env, store: open } = await binaryStore(name, { server, sim, dir, node: "requeue" });
    const names = sim.scenario.listed.slice(0, 4).map((d) => d.name);
    const store = open();
    try {
      await store.migrate();
      // Every domain terminal in DNS, crawled long ago and not due for decades.
      for (const domain of names) {
        await store.query("INSERT INTO raw_domains (domain, last_crawled_at, next_crawl_at, error_type, error_count, terminal_type, error_reason) VALUES (?, ?, ?, 'DNS', 24, 'DNS', 'NXDOMAIN')", [
          domain,
          LONG_AGO,
          FAR_AHEAD,
        ]);
      }
    } finally {
      await store.close();
    }
    const requeued = names.slice(0, 2);
    const requeue = await runBinary(["manage", "requeue", requeued.join(",")], { env, cwd: dir });
    expect(requeue.stdout, requeue.stderr).toContain(`Requeued 2 domains`);

    const daemon = await runBinary(["daemon", "--drain"], { env, cwd: dir, timeoutMs: 120_000 });
    expect(daemon.code, daemon.stderr).toBe(0);

    const after = open();
    try {
      const rows = await after.query(`SELECT domain, last_crawled_at FROM raw_domains WHERE domain IN (${names.map(() => "?").join(", ")}) ORDER BY domain`, names);
      const crawled = rows.filter((r) => r.last_crawled_at !== LONG_AGO).map((r) => r.domain);
      expect(crawled).toEqual([...requeued].sort());
    } finally {
      await after.close();
    }
  });
});
