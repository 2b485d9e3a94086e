/**
 * The daemon loop on an embedded SQLite file: due domains are leased and handed out as crawl
 * slots free up (a slow domain holds nobody back), each once; the pause switch holds new work;
 * --drain ends when nothing is due; a stop ends it at once.
 */
import { sqliteLeases } from "../../src/store/leases.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type DaemonOptions, runDaemon } from "../../src/crawl/daemon.ts";
import type { RunSource, RunSummary } from "../../src/crawl/runner.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";

const stores: SqliteStore[] = [];

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function storeWith(domains: number): Promise<SqliteStore> {
  const dir = mkdtempSync(join(tmpdir(), "vmcrawl-daemon-"));
  const store = new SqliteStore(join(dir, "vmcrawl.db"), { cacheDir: dir });
  stores.push(store);
  await store.migrate();
  store.crawl.insertDomains(Array.from({ length: domains }, (_, i) => `d${String(i).padStart(3, "0")}.example`));
  return store;
}

/** A crawl that takes domains with `slots` workers and "crawls" each with `work`; records nothing. */
function fakeCrawl(slots: number, work: (domain: string) => Promise<void>, seen: string[]) {
  return async (source: RunSource): Promise<RunSummary> => {
    const iterator = source.domains[Symbol.asyncIterator]();
    await Promise.all(
      Array.from({ length: slots }, async () => {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          seen.push(next.value.name);
          await work(next.value.name);
        }
      }),
    );
    return { recorded: seen.length, skipped: 0, abandoned: 0, held: 0, interrupted: false, ms: 0 };
  };
}

function options(store: SqliteStore, overrides: Partial<DaemonOptions>): DaemonOptions {
  return {
    store,
    fleet: undefined,
    worker: "test:1",
    batchSize: 10,
    leaseSeconds: 900,
    pollMs: 20,
    drain: true,
    signal: new AbortController().signal,
    log: () => {},
    crawl: fakeCrawl(4, async () => {}, []),
    maintenance: { maxDropPercent: 50, errorLogDays: 30 },
    ...overrides,
  };
}

describe("the daemon loop (embedded)", () => {
  it("hands out every due domain once, claiming more while others are still in flight", async () => {
    const store = await storeWith(45);
    const seen: string[] = [];
    // One domain is slow: it finishes only after every other domain has been handed out.
    let releaseSlow!: () => void;
    const slow = new Promise<void>((r) => (releaseSlow = r));
    const crawl = fakeCrawl(4, async (domain) => {
      if (domain === "d000.example") await slow;
      if (seen.length === 45) releaseSlow();
    }, seen);
    const result = await runDaemon(options(store, { crawl }));
    expect(seen.sort()).toEqual(Array.from({ length: 45 }, (_, i) => `d${String(i).padStart(3, "0")}.example`));
    expect(result.batches).toBe(5);
  });

  it("does not hand out a leased domain again until its lease runs out; released leases return at once", async () => {
    const store = await storeWith(3);
    let now = "2026-11-23T12:00:00.000Z";
    const leases = sqliteLeases(store.db, () => new Date(now));
    const claim = async (holder: string, seconds: number, limit: number) => (await leases.claim(holder, seconds, limit)).map((s) => s.domain).sort();
    expect(await claim("a", 900, 2)).toEqual(["d000.example", "d001.example"]);
    expect(await claim("b", 900, 10)).toEqual(["d002.example"]);
    now = "2026-11-23T12:14:59.000Z";
    expect(await claim("b", 900, 10)).toEqual([]);
    now = "2026-11-23T12:15:01.000Z";
    expect(await claim("b", 900, 10)).toEqual(["d000.example", "d001.example", "d002.example"]);
    expect(await leases.release("b")).toBe(3);
    now = "2026-11-23T12:15:02.000Z";
    expect(await claim("c", 900, 10)).toHaveLength(3);
  });

  it("waits while paused, says so once, and goes on after resume", async () => {
    const store = await storeWith(5);
    store.db.prepare("UPDATE crawler_control SET paused = 1, reason = 'maintenance' WHERE id = 1").run();
    const log: string[] = [];
    const seen: string[] = [];
    setTimeout(() => store.db.prepare("UPDATE crawler_control SET paused = 0 WHERE id = 1").run(), 200);
    await runDaemon(options(store, { log: (l) => log.push(l), crawl: fakeCrawl(2, async () => {}, seen) }));
    expect(log.filter((l) => l === "daemon: paused (maintenance); waiting")).toHaveLength(1);
    expect(seen).toHaveLength(5);
  });

  it("stops at once when told to, even while waiting for due work", async () => {
    const store = await storeWith(0);
    const stop = new AbortController();
    const log: string[] = [];
    const started = Date.now();
    setTimeout(() => stop.abort(), 100);
    await runDaemon(options(store, { drain: false, pollMs: 60_000, signal: stop.signal, log: (l) => log.push(l) }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(log).toEqual(["daemon: nothing due; waiting"]);
  });

  it("refreshes versions from GitHub before it crawls, into the SQLite file; a failure is logged and the crawl goes on", async () => {
    const store = await storeWith(3);
    const order: string[] = [];
    const log: string[] = [];
    await runDaemon(
      options(store, {
        refreshVersions: async (target) => {
          // A connection of its own to the same file, so its transactions never take in crawl writes.
          order.push(target !== store && (target as SqliteStore).location === store.location ? "refresh into the SQLite file" : "refresh elsewhere");
          return ["versions: 4.5 4.5.6 → 4.5.7 (GitHub's API)"];
        },
        crawl: fakeCrawl(4, async (d) => void order.push(`crawl ${d}`), []),
        log: (l) => log.push(l),
      }),
    );
    expect(order[0]).toBe("refresh into the SQLite file");
    expect(order.slice(1).every((o) => o.startsWith("crawl "))).toBe(true);
    expect(log).toContain("daemon: versions: 4.5 4.5.6 → 4.5.7 (GitHub's API)");

    const failing: string[] = [];
    const summary = await runDaemon(
      options(await storeWith(2), {
        refreshVersions: async () => {
          throw new Error("GitHub (https://api.github.com/…) answered HTTP 503");
        },
        log: (l) => failing.push(l),
      }),
    );
    expect(summary.crawled).toBe(2);
    expect(failing).toContain("daemon: versions not refreshed from GitHub (GitHub (https://api.github.com/…) answered HTTP 503); the stored ones stay");
  });

  it("refreshes again with maintenance once VMCRAWL_VERSION_REFRESH_INTERVAL has passed, embedded too", async () => {
    let asked = 0;
    await runDaemon(options(await storeWith(1), { versionRefreshEveryMs: 1, refreshVersions: async () => [`asked ${++asked}`] }));
    // At the start, and with the maintenance the drained daemon runs before it stops.
    expect(asked).toBe(2);
  });

  it("does not touch GitHub when refreshes are off (VMCRAWL_VERSION_REFRESH_INTERVAL=0)", async () => {
    let asked = 0;
    await runDaemon(options(await storeWith(1), { versionRefreshEveryMs: 0, refreshVersions: async () => [`asked ${++asked}`] }));
    expect(asked).toBe(0);
  });

  it("runs maintenance when it drains: today's statistics, then retention, said in one line", async () => {
    const store = await storeWith(2);
    const long = new Date(Date.now() - 40 * 86_400_000).toISOString();
    store.db.prepare("INSERT INTO mastodon_domains (domain, software_version, timestamp) VALUES ('d000.example', '4.5.2', ?)").run(long);
    store.db.prepare("INSERT INTO error_log (timestamp, domain, error) VALUES (?, 'd001.example', 'DNS'), (?, 'd001.example', 'DNS')").run(long, long);
    const log: string[] = [];
    await runDaemon(options(store, { log: (l) => log.push(l) }));
    expect(store.db.prepare("SELECT date FROM statistics").pluck().all()).toEqual([new Date().toISOString().slice(0, 10)]);
    expect(log).toContain("daemon: retention removed 1 published server not heard from in 7 days and 2 error_log rows older than 30 days");
    expect(store.db.prepare("SELECT count(*) FROM error_log").pluck().get()).toBe(0);
  });
});
