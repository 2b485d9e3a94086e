/**
 * A running daemon follows a person's manage changes: after `manage versions promote`, the next
 * outcomes are judged against the new main branch without a restart (re-read every
 * VMCRAWL_FILTER_CACHE_SECONDS), embedded and as a fleet node (whose copy of PostgreSQL's tables is
 * refreshed too). Through the binary.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import { binaryStore, requireBinary, runBinary, STORE_KINDS } from "./e2e.ts";

const server = inject("postgres");
let sim: Fedisim;
let dir: string;

beforeAll(async () => {
  requireBinary();
  // Servers reporting 4.7.1, 5.0.0 or 4.6.3: all newer than the seeded main branch 4.6.
  sim = await startFedisim(generateScenario({ domains: 8, seed: 31, families: ["version-above-main"], latency: { medianMs: 0 } }));
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-daemon-follows-"));
  sim.writeFiles(dir);
}, 60_000);

afterAll(async () => {
  await sim?.close();
});


/** Polls `check` until it holds or `ms` pass. */
async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(STORE_KINDS)("a running daemon after manage versions promote (%s)", (name) => {
  it.skipIf(name === "postgres" && server === null)("judges the next outcomes against the new main branch", { timeout: 150_000 }, async () => {
    const { env, store: open } = await binaryStore(name, { server, sim, dir, node: "follows" }, { VMCRAWL_FILTER_CACHE_SECONDS: "1" });
    const onMain = sim.scenario.listed.filter((d) => d.software?.version === "4.6.3").map((d) => d.name);
    expect(onMain.length, "the scenario has a server on 4.6.3").toBeGreaterThan(0);
    const first = await runBinary(["--file", join(dir, "domains.txt")], { env, cwd: dir });
    expect(first.code, first.stderr).toBe(0);

    const published = async () => {
      const store = open();
      try {
        return (await store.query("SELECT domain FROM mastodon_domains ORDER BY domain", [])).map((r) => String(r.domain));
      } finally {
        await store.close();
      }
    };
    expect(await published()).toEqual([]);

    let daemon: ChildProcess | undefined;
    const running = runBinary(["daemon"], { env, cwd: dir, timeoutMs: 140_000, onSpawn: (child) => (daemon = child) });
    try {
      // Up, with nothing due: everything crawled above is hours from its next crawl.
      await sleep(3000);
      expect((await runBinary(["manage", "versions", "promote"], { env, cwd: dir })).code).toBe(0);
      // At least one re-read (every second here) before the domains fall due again.
      await sleep(2500);
      expect((await runBinary(["manage", "requeue", "--error-class", "JSON"], { env, cwd: dir })).code).toBe(0);
      // The daemon looks for due work every 15 s when idle; then its outcomes reach the store (a node pushes as it goes).
      await until(
        async () => {
          const now = await published();
          return onMain.every((d) => now.includes(d));
        },
        90_000,
        "the 4.6.3 servers published",
      );
      expect((await published()).sort()).toEqual([...onMain].sort());
    } finally {
      daemon?.kill("SIGTERM");
      const ended = await running;
      expect(ended.signal === null || ended.signal === "SIGTERM", ended.stderr).toBe(true);
    }
  });
});
