/**
 * The binary on a real terminal (a tmux pseudo-terminal): the arrow-key crawl menu and the live
 * progress view, read back from the screen with capture-pane.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import { requireBinary } from "./e2e.ts";
import { binary, requireTmuxUnderCi, Terminals, terminalTestsRun, tmux, waitFor } from "../support/tmux.ts";

let sim: Fedisim;
let dir: string;
const terminals = new Terminals();

beforeAll(async () => {
  requireBinary();
  requireTmuxUnderCi();
  // Slow servers among quick ones, so the live view has something slow to show.
  sim = await startFedisim(generateScenario({ domains: 30, seed: 12, families: ["mastodon", "other", "slow-first-byte", "drip", "dns-nxdomain"], latency: { medianMs: 0 } }));
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-tty-"));
  sim.writeFiles(dir);
});

afterAll(async () => {
  terminals.close();
  await sim?.close();
});

function start(home: string, args: string[], env: Record<string, string> = {}): string {
  return terminals.start(home, dir, args, { ...sim.crawlerEnv, VMCRAWL_CA_FILE: join(dir, "ca.pem"), VMCRAWL_HTTP_TIMEOUT: "3", ...env });
}

function home(): string {
  return mkdtempSync(join(tmpdir(), "vmcrawl-tty-home-"));
}

describe.skipIf(!terminalTestsRun())("on a terminal", () => {
  it("shows a live view: progress, rate, ETA, outcomes, domains in flight with the slow ones marked", async () => {
    const session = start(home(), ["--file", join(dir, "domains.txt")], { VMCRAWL_SLOW_DOMAIN_SECONDS: "1", VMCRAWL_MAX_THREADS: "8" });
    const live = await waitFor(session, (t) => / slow$/m.test(t), "a domain marked slow");
    expect(live).toMatch(/vmcrawl crawling .*domains\.txt: \d+ \/ 30 \(\d+%\) +[\d.]+\/s +ETA /);
    expect(live).toMatch(/in flight: \d+/);
    expect(live).toMatch(/^ {4}\S+ +\d+\.\ds {2}slow$/m);
    const done = await waitFor(session, (t) => t.includes("EXIT="), "the end of the run", 60_000);
    expect(done).toMatch(/vmcrawl crawling .*: 30 \/ 30 \(100%\)/);
    expect(done).toMatch(/vmcrawl: crawled 30 domains in/);
    expect(done).toContain("EXIT=0");
    // Redrawn in place: the header appears once, not once per frame.
    expect(done.match(/vmcrawl crawling/g)).toHaveLength(1);
  }, 90_000);

  it("offers the crawl menu with arrow keys, and crawls what was chosen", async () => {
    const h = home();
    execFileSync(binary, ["db", "migrate"], { env: { HOME: h, PATH: "/usr/bin:/bin" } });
    const db = new Database(join(h, ".local/share/vmcrawl/vmcrawl.db"));
    const domains = sim.scenario.listed.slice(0, 5).map((s) => s.name);
    const insert = db.prepare("INSERT INTO raw_domains (domain) VALUES (?)");
    for (const d of domains) insert.run(d);
    db.close();

    const session = start(h, []);
    const menu = await waitFor(session, (t) => t.includes("What should vmcrawl crawl?"), "the menu");
    expect(menu).toMatch(/Random \(default for headless runs\)/);
    // Random (3) is preselected; three steps up is 0, Uncrawled.
    for (let i = 0; i < 3; i++) tmux(["send-keys", "-t", session, "Up"]);
    await waitFor(session, (t) => /●\s+0\s+Uncrawled|>\s+0\s+Uncrawled|0 {2}Uncrawled.*\(Process new domains\)/.test(t), "option 0 highlighted");
    tmux(["send-keys", "-t", session, "Enter"]);
    const done = await waitFor(session, (t) => t.includes("EXIT="), "the end of the run", 60_000);
    expect(done).toMatch(/vmcrawl crawling mode 0 \(Uncrawled \(recently fetched domains\)\)/);
    expect(done).toContain("EXIT=0");
    const after = new Database(join(h, ".local/share/vmcrawl/vmcrawl.db"), { readonly: true });
    expect(after.prepare("SELECT count(*) FROM raw_domains WHERE last_crawled_at IS NOT NULL").pluck().get()).toBe(5);
    after.close();
  }, 90_000);

  it("leaves cleanly when the menu is cancelled", async () => {
    const h = home();
    const session = start(h, []);
    await waitFor(session, (t) => t.includes("What should vmcrawl crawl?"), "the menu");
    tmux(["send-keys", "-t", session, "Escape"]);
    const done = await waitFor(session, (t) => t.includes("EXIT="), "the end");
    expect(done).toContain("cancelled, nothing crawled");
    expect(done).toContain("EXIT=0");
  }, 60_000);
});
