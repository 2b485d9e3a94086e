/**
 * `vmcrawl fetch` on a real terminal (tmux): while a large peers list is read, a live block
 * shows servers done, entries read and the list in flight; finished servers' lines scroll
 * above it, and the block is redrawn in place. Elsewhere: plain lines and heartbeats.
 */
import { mkdtempSync } from "node:fs";
import Database from "better-sqlite3";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import { crawlerEnv, requireBinary, runBinary } from "../crawl/e2e.ts";
import { requireTmuxUnderCi, Terminals, terminalTestsRun, waitFor } from "../support/tmux.ts";

const ENTRIES = 600_000;
let sim: Fedisim;
let dir: string;
const terminals = new Terminals();

beforeAll(async () => {
  requireBinary();
  requireTmuxUnderCi();
  sim = await startFedisim(generateScenario({ domains: 10, seed: 5, families: ["mastodon"], hugePeers: true, hugePeersCount: ENTRIES, latency: { medianMs: 0 } }), {
    logRequests: false,
    files: { "tlds.fedisim.test": { "/tlds.txt": "SOCIAL\n" } },
  });
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-fetch-tty-"));
  sim.writeFiles(dir);
});

afterAll(async () => {
  terminals.close();
  await sim?.close();
});

describe.skipIf(!terminalTestsRun())("vmcrawl fetch on a terminal", () => {
  it("shows the lists being read live, then each server's line and the summary", async () => {
    const huge = sim.scenario.listed.find((s) => s.family === "mastodon-huge-peers")!;
    const home = mkdtempSync(join(tmpdir(), "vmcrawl-fetch-tty-home-"));
    const session = terminals.start(home, dir, ["fetch", "--target", huge.name, "--no-crawl"], {
      ...sim.crawlerEnv,
      VMCRAWL_CA_FILE: join(dir, "ca.pem"),
      VMCRAWL_TLD_URL: "https://tlds.fedisim.test/tlds.txt",
    });
    const live = await waitFor(session, (t) => /reading: 1\n.* [1-9][\d,]* entries/.test(t), "the list in flight with entries read");
    expect(live).toMatch(/vmcrawl fetching peers: 0 \/ 1 servers +[\d,]+ entries read +[\d,]+ new +elapsed \d+s/);
    expect(live).toContain(huge.name);
    const done = await waitFor(session, (t) => t.includes("EXIT="), "the end of the fetch", 60_000);
    expect(done).toContain(`${huge.name} ${ENTRIES} peers: ${ENTRIES} new, 0 known`);
    expect(done).toMatch(/vmcrawl fetching peers: 1 \/ 1 servers +600,000 entries read +600,000 new/);
    expect(done).toMatch(/reading: 0/);
    expect(done).toMatch(/vmcrawl: fetched peers from 1 server in [\d.]+ s \(1 answered\): 600000 entries, 600000 new domains/);
    expect(done).toContain("EXIT=0");
    // Redrawn in place: the block appears once, however many frames were drawn.
    expect(done.match(/vmcrawl fetching peers/g)).toHaveLength(1);
  }, 90_000);
});

describe("vmcrawl fetch not on a terminal", () => {
  it("writes the server's line and heartbeats while the list is read, plain text only", async () => {
    const huge = sim.scenario.listed.find((s) => s.family === "mastodon-huge-peers")!;
    const env = crawlerEnv(sim, dir, mkdtempSync(join(tmpdir(), "vmcrawl-fetch-lines-home-")), {
      VMCRAWL_TLD_URL: "https://tlds.fedisim.test/tlds.txt",
      VMCRAWL_PROGRESS_HEARTBEAT_SECONDS: "0.2",
    });
    const run = await runBinary(["fetch", "--target", huge.name, "--no-crawl"], { env, cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines.at(-1)).toMatch(new RegExp(`^\\S+Z ${huge.name.replace(/\./g, "\\.")} ${ENTRIES} peers: ${ENTRIES} new, 0 known \\([\\d.]+ s\\)$`));
    const heartbeats = lines.slice(0, -1);
    expect(heartbeats.length).toBeGreaterThanOrEqual(1);
    for (const line of heartbeats) expect(line).toMatch(/^\S+Z heartbeat: fetch 0\/1 servers, [\d,]+ entries read, [\d,]+ new, 1 list being read, elapsed \d+s$/);
    expect(run.stdout).not.toContain("\x1b");
  }, 60_000);
});

describe("vmcrawl fetch interrupted", () => {
  it("stops on SIGINT part way through a list with exit 130, keeping every name already admitted", async () => {
    const huge = sim.scenario.listed.find((s) => s.family === "mastodon-huge-peers")!;
    const home = mkdtempSync(join(tmpdir(), "vmcrawl-fetch-int-home-"));
    const env = crawlerEnv(sim, dir, home, { VMCRAWL_TLD_URL: "https://tlds.fedisim.test/tlds.txt", VMCRAWL_PROGRESS_HEARTBEAT_SECONDS: "0.2" });
    let signalled = false;
    const run = await runBinary(["fetch", "--target", huge.name], {
      env,
      cwd: dir,
      onLine: (line, child) => {
        // Once some names are in, mid-list.
        if (!signalled && /heartbeat: .* [1-9][\d,]* new/.test(line)) {
          signalled = true;
          child.kill("SIGINT");
        }
      },
    });
    expect(signalled).toBe(true);
    expect(run.code, run.stderr).toBe(130);
    const kept = Number(/interrupted: (\d+) new domains? kept from 0 servers \(lists in flight abandoned\)/.exec(run.stderr)?.[1]);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(ENTRIES);
    expect(run.stderr).not.toMatch(/crawled \d+ new domains/);
    const db = new Database(join(home, ".local/share/vmcrawl/vmcrawl.db"), { readonly: true });
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(db.prepare("SELECT count(*) FROM raw_domains").pluck().get()).toBe(kept);
      // An abandoned list says nothing about the server: it is not marked.
      expect(db.prepare("SELECT count(*) FROM raw_domains WHERE peers = 0").pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  }, 60_000);
});
