/**
 * The manage menu in a real terminal (tmux): each flow driven with keys, read back from the
 * screen, and its effect checked in the SQLite file. Validation happens at the prompt, a "no"
 * or Esc changes nothing, and a cancelled flow goes back to the menu.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import { requireBinary } from "../crawl/e2e.ts";
import { tempHome } from "../support/cli.ts";
import { binary, requireTmuxUnderCi, screen, Terminals, terminalTestsRun, tmux, waitFor } from "../support/tmux.ts";
import { IFTAS_CSV } from "./iftas-fixture.ts";

let sim: Fedisim;
const terminals = new Terminals();

beforeAll(async () => {
  requireBinary();
  requireTmuxUnderCi();
  sim = await startFedisim(generateScenario({ domains: 4, seed: 5 }), {
    files: {
      "dni.fedisim.test": { "/iftas.csv": IFTAS_CSV },
      "tlds.fedisim.test": { "/tlds.txt": "COM\nEXAMPLE\n" },
      "api.github.fedisim.test": {
        "/repos/mastodon/mastodon/releases?per_page=100": JSON.stringify([{ tag_name: "v4.5.8" }]),
        "/repos/mastodon/mastodon/contents/lib/mastodon/version.rb": "def major\n  4\nend\ndef minor\n  6\nend\ndef patch\n  0\nend\ndef default_prerelease\n  'alpha.4'\nend\n",
        "/repos/mastodon/mastodon/security-advisories?per_page=100": JSON.stringify([{ ghsa_id: "GHSA-wiz", summary: "S", vulnerabilities: [{ vulnerable_version_range: "all main", patched_versions: "" }] }]),
      },
    },
  });
});

afterAll(async () => {
  terminals.close();
  await sim?.close();
});

/** A migrated SQLite file in a new home; returns the home and a reader. */
function freshHome(): { home: string; db: () => Database.Database } {
  const home = tempHome();
  execFileSync(binary, ["db", "migrate"], { env: { HOME: home, PATH: "/usr/bin:/bin" } });
  return { home, db: () => new Database(join(home, ".local/share/vmcrawl/vmcrawl.db"), { readonly: true }) };
}

function read<T>(db: () => Database.Database, sql: string): T[] {
  const handle = db();
  try {
    return handle.prepare(sql).all() as T[];
  } finally {
    handle.close();
  }
}

function startManage(home: string): string {
  return terminals.start(home, home, ["manage"], {
    ...sim.crawlerEnv,
    VMCRAWL_CA_FILE: join(sim.dir, "ca.pem"),
    VMCRAWL_DNI_URL: "https://dni.fedisim.test/iftas.csv",
    VMCRAWL_TLD_URL: "https://tlds.fedisim.test/tlds.txt",
    VMCRAWL_GITHUB_API_URL: "https://api.github.fedisim.test",
  });
}

const keys = (session: string, ...k: string[]) => tmux(["send-keys", "-t", session, ...k]);
const type = (session: string, text: string) => tmux(["send-keys", "-t", session, "-l", text]);

/** Moves the menu's highlight down to `label` and picks it. */
async function choose(session: string, label: string): Promise<void> {
  // ◆ marks the prompt waiting for an answer (◇ the answered ones).
  await waitFor(session, (t) => /◆ .*\n(│.*\n)*│ {2}●/.test(t), "a menu waiting for a choice");
  for (let i = 0; i < 40; i++) {
    const active = screen(session).split("\n").find((l) => l.includes("●"));
    if (active?.includes(label)) {
      keys(session, "Enter");
      return;
    }
    keys(session, "Down");
    await new Promise((r) => setTimeout(r, 60));
  }
  throw new Error(`"${label}" never came up in the menu:\n${screen(session)}`);
}

/** From the start-date prompt of "Add a nightly version": types `start`, takes the open end, and waits for the question about the running range. */
async function nightlyDatesFrom(session: string, start: string): Promise<void> {
  for (let i = 0; i < 10; i++) keys(session, "BSpace");
  type(session, start);
  keys(session, "Enter");
  await waitFor(session, (t) => t.includes("Last build date"), "the end prompt");
  keys(session, "Enter");
  await waitFor(session, (t) => t.includes("The range running on that date"), "the previous range's choice");
}

async function quit(session: string): Promise<string> {
  await waitFor(session, (t) => /◆ {2}What would you like to do\?/.test(t), "the menu again");
  keys(session, "Escape");
  return waitFor(session, (t) => t.includes("EXIT="), "the end");
}

describe.skipIf(!terminalTestsRun())("vmcrawl manage on a terminal", () => {
  it("adds a DNI entry: a bad domain is refused at the prompt, then the entry is stored", async () => {
    const { home, db } = freshHome();
    const s = startManage(home);
    await choose(s, "Add a domain to the DNI list");
    await waitFor(s, (t) => t.includes("Domain (it and everything under it)"), "the domain prompt");
    type(s, "not a domain");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("not a domain name: it contains whitespace"), "the validation message");
    keys(s, "C-u");
    for (let i = 0; i < 12; i++) keys(s, "BSpace");
    type(s, "Spam.Example");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("Why (a comment is required)"), "the comment prompt");
    type(s, "spam waves");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("Force"), "the force choice");
    keys(s, "Down");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("Added spam.example (soft)"), "the confirmation");
    expect(await quit(s)).toContain("EXIT=0");
    expect(read(db, "SELECT domain, comment, force FROM dni")).toEqual([{ domain: "spam.example", comment: "spam waves", force: "soft" }]);
  }, 60_000);

  it("imports the IFTAS list after a yes, and removes an entry after a yes; a no changes nothing", async () => {
    const { home, db } = freshHome();
    const s = startManage(home);
    await choose(s, "Import the IFTAS DNI list");
    await waitFor(s, (t) => t.includes("add its new names as soft entries?"), "the question");
    keys(s, "y");
    await waitFor(s, (t) => t.includes("4 domains read: 4 new, 2 rows skipped"), "the import");
    await choose(s, "Remove a domain from the DNI list");
    await waitFor(s, (t) => t.includes("Domain to remove"), "the prompt");
    type(s, "bad.example");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("Remove bad.example from the DNI list?"), "the question");
    keys(s, "n");
    await choose(s, "Remove a domain from the DNI list");
    await waitFor(s, (t) => (t.match(/Domain to remove/g) ?? []).length >= 2, "the prompt again");
    type(s, "worse.example");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("Remove worse.example from the DNI list?"), "the question");
    keys(s, "y");
    await waitFor(s, (t) => t.includes("Removed worse.example"), "the removal");
    expect(await quit(s)).toContain("EXIT=0");
    expect(read<{ domain: string }>(db, "SELECT domain FROM dni ORDER BY domain").map((r) => r.domain)).toEqual(["bad.example", "quoted.example", "short-row.example"]);
  }, 60_000);

  it("adds a nightly version: a bad date is refused at the prompt; Esc part way changes nothing", async () => {
    const { home, db } = freshHome();
    const before = read(db, "SELECT * FROM nightly_versions ORDER BY version");
    const s = startManage(home);
    await choose(s, "Add a nightly version");
    await waitFor(s, (t) => t.includes("Pre-release nightly builds now report"), "the version prompt");
    type(s, "4.6.0-alpha.9");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("First build date"), "the start prompt");
    keys(s, "Escape");
    await waitFor(s, (t) => t.includes("Cancelled; nothing changed."), "the cancel");
    expect(read(db, "SELECT * FROM nightly_versions ORDER BY version")).toEqual(before);

    await choose(s, "Add a nightly version");
    await waitFor(s, (t) => (t.match(/Pre-release nightly builds now report/g) ?? []).length >= 1 && t.trimEnd().split("\n").slice(-6).join("\n").includes("Pre-release"), "the version prompt again");
    type(s, "4.6.1");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("not a pre-release version such as 4.6.0-alpha.5"), "the version refused");
    for (let i = 0; i < 6; i++) keys(s, "BSpace");
    type(s, "4.6.0-alpha.5");
    keys(s, "Enter");
    await waitFor(s, (t) => t.trimEnd().split("\n").slice(-6).join("\n").includes("First build date"), "the start prompt");
    for (let i = 0; i < 10; i++) keys(s, "BSpace");
    type(s, "2026-02-30");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("not a date: expected YYYY-MM-DD"), "the date refused");
    await nightlyDatesFrom(s, "2026-03-01");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("ending the open range on the day before?"), "the question");
    keys(s, "y");
    await waitFor(s, (t) => t.includes("Added 4.6.0-alpha.5; ended 4.6.0-alpha.3"), "the result");
    expect(await quit(s)).toContain("EXIT=0");
    expect(read(db, "SELECT version, start_date, end_date FROM nightly_versions WHERE version IN ('4.6.0-alpha.3', '4.6.0-alpha.5') ORDER BY version")).toEqual([
      { version: "4.6.0-alpha.3", start_date: "2026-01-21", end_date: "2026-02-28" },
      { version: "4.6.0-alpha.5", start_date: "2026-03-01", end_date: "2099-12-31" },
    ]);
  }, 60_000);

  it("marks a branch end-of-life and promotes main, each after a yes", async () => {
    const { home, db } = freshHome();
    const s = startManage(home);
    await choose(s, "Mark a branch end-of-life");
    await choose(s, "4.4");
    await waitFor(s, (t) => t.includes("Mark 4.4 end-of-life?"), "the question");
    keys(s, "y");
    await waitFor(s, (t) => t.includes("4.4 is end-of-life now"), "the result");
    await choose(s, "Promote the main branch to release");
    await waitFor(s, (t) => t.includes("Promote 4.6 to the latest release"), "the question");
    keys(s, "y");
    await waitFor(s, (t) => t.includes("Promoted 4.6; 4.7 is the main branch now"), "the result");
    await choose(s, "Show current version information");
    await waitFor(s, (t) => t.includes("Branch: 4.7  Status: main"), "the information");
    expect(await quit(s)).toContain("EXIT=0");
    expect(read<{ n_level: number; branch: string; status: string }>(db, "SELECT n_level, branch, status FROM release_versions ORDER BY n_level").map((r) => `${r.n_level}:${r.branch}:${r.status}`)).toEqual([
      "-1:4.7:main",
      "0:4.6:release",
      "1:4.5:release",
      "2:4.3:release",
      "3:4.4:eol",
      "4:4.2:eol",
      "5:4.1:eol",
      "6:4.0:eol",
    ]);
  }, 60_000);

  it("updates the TLD list, flags a statistics day and clears it, requeues a domain, pauses and resumes", async () => {
    const { home, db } = freshHome();
    const writable = new Database(join(home, ".local/share/vmcrawl/vmcrawl.db"));
    writable.prepare("INSERT INTO statistics (date, updated_at) VALUES ('2026-11-20', '2026-11-20T00:00:00.000Z')").run();
    writable.prepare("INSERT INTO raw_domains (domain, next_crawl_at) VALUES ('later.example', '2030-01-01T00:00:00.000Z')").run();
    writable.close();
    const s = startManage(home);
    await choose(s, "Update the TLD list");
    await waitFor(s, (t) => t.includes("Stored 2 top-level domains"), "the TLD update");
    await choose(s, "Mark a statistics day invalid");
    await waitFor(s, (t) => t.includes("Day"), "the day prompt");
    for (let i = 0; i < 10; i++) keys(s, "BSpace");
    type(s, "2026-11-20");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("Why"), "the reason prompt");
    type(s, "network outage");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("2026-11-20 is marked invalid"), "the result");
    expect(read(db, "SELECT invalid, invalid_reason FROM statistics")).toEqual([{ invalid: 1, invalid_reason: "network outage" }]);
    await choose(s, "Clear a day's invalid mark");
    await choose(s, "2026-11-20");
    await waitFor(s, (t) => t.includes("2026-11-20 counts again"), "the result");
    await choose(s, "Requeue domains");
    await choose(s, "one domain");
    await waitFor(s, (t) => t.trimEnd().split("\n").slice(-6).join("\n").includes("Domain"), "the domain prompt");
    type(s, "later.example");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("Requeued 1 domain"), "the requeue");
    await choose(s, "Pause the crawler daemons");
    await waitFor(s, (t) => t.includes("Why (optional)"), "the reason prompt");
    type(s, "maintenance");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("Crawling is paused (maintenance)"), "the pause");
    expect(read(db, "SELECT paused, reason FROM crawler_control")).toEqual([{ paused: 1, reason: "maintenance" }]);
    await choose(s, "Resume the crawler daemons");
    await waitFor(s, (t) => t.includes("Crawling is running (resumed by"), "the resume");
    expect(await quit(s)).toContain("EXIT=0");
    expect(read(db, "SELECT invalid FROM statistics")).toEqual([{ invalid: 0 }]);
    expect(read(db, "SELECT next_crawl_at FROM raw_domains WHERE domain = 'later.example'")).toEqual([{ next_crawl_at: null }]);
    expect(read(db, "SELECT paused FROM crawler_control")).toEqual([{ paused: 0 }]);
    expect(read<{ tld: string }>(db, "SELECT tld FROM tld_cache ORDER BY tld").map((r) => r.tld)).toEqual(["com", "example"]);
  }, 90_000);

  it("takes an option by its seed number, typed, and can keep the previous nightly range's end", async () => {
    const { home, db } = freshHome();
    const s = startManage(home);
    await waitFor(s, (t) => /◆ .*\n(│.*\n)*│ {2}●/.test(t), "the menu");
    // 3 is the seed's "Count DNI domains": typing it leaves that option alone in the list.
    type(s, "3");
    await waitFor(s, (t) => /│ {2}● {2}3\. Count the DNI entries/.test(t), "option 3 alone");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("entries: 0 hard, 0 soft"), "the count");
    await waitFor(s, (t) => /◆ {2}What would you like to do\?/.test(t), "the menu again");
    type(s, "7");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("Pre-release nightly builds now report"), "option 7, add a nightly version");
    type(s, "4.6.0-alpha.6");
    keys(s, "Enter");
    await waitFor(s, (t) => t.trimEnd().split("\n").slice(-6).join("\n").includes("First build date"), "the start prompt");
    await nightlyDatesFrom(s, "2026-03-01");
    keys(s, "Down");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("keeping the open range's end?"), "the question");
    keys(s, "y");
    await waitFor(s, (t) => t.includes("Added 4.6.0-alpha.6"), "the result");
    expect(await quit(s)).toContain("EXIT=0");
    expect(read(db, "SELECT version, end_date FROM nightly_versions WHERE version IN ('4.6.0-alpha.3', '4.6.0-alpha.6') ORDER BY version")).toEqual([
      { version: "4.6.0-alpha.3", end_date: "2099-12-31" },
      { version: "4.6.0-alpha.6", end_date: "2099-12-31" },
    ]);
  }, 60_000);

  it("lists and counts DNI entries, lists nightly ranges and changes an end, reorders, updates from GitHub, reads advisories, searches", async () => {
    const { home, db } = freshHome();
    const writable = new Database(join(home, ".local/share/vmcrawl/vmcrawl.db"));
    writable.prepare("INSERT INTO dni (domain, comment, force) VALUES ('listed.example', 'by hand', 'hard')").run();
    writable.prepare("INSERT INTO raw_domains (domain, error_type) VALUES ('found.example', 'DNS')").run();
    writable.close();
    const s = startManage(home);
    await choose(s, "List the DNI entries");
    await waitFor(s, (t) => t.includes("listed.example  hard  by hand"), "the list");
    await choose(s, "Count the DNI entries");
    await waitFor(s, (t) => t.includes("1 entries: 1 hard, 0 soft"), "the count");
    await choose(s, "List nightly ranges");
    await waitFor(s, (t) => /4\.6\.0-alpha\.3 +2026-01-21 to now/.test(t), "the ranges");
    await choose(s, "Change a nightly range's end date");
    await choose(s, "4.6.0-alpha.3");
    await waitFor(s, (t) => t.includes("New end date"), "the date prompt");
    type(s, "2026-06-30");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("4.6.0-alpha.3 now ends on 2026-06-30"), "the change");
    await choose(s, "Reorder release branches");
    await waitFor(s, (t) => t.includes("New order of 4.5, 4.4, 4.3"), "the order prompt");
    for (let i = 0; i < 11; i++) keys(s, "BSpace");
    type(s, "4.5,4.4");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("list each of 4.5, 4.4, 4.3 once"), "the order refused");
    for (let i = 0; i < 7; i++) keys(s, "BSpace");
    type(s, "4.3,4.5,4.4");
    keys(s, "Enter");
    await waitFor(s, (t) => t.includes("Release branches in order: 4.3,4.5,4.4"), "the reorder");
    await choose(s, "Update latest versions from GitHub");
    await waitFor(s, (t) => t.includes("4.5: 4.5.6 → 4.5.8"), "the update");
    await choose(s, "Refresh security advisories from GitHub");
    await waitFor(s, (t) => t.includes("1 advisories read; unsure: GHSA-wiz"), "the advisories");
    await choose(s, "Search domain details");
    await waitFor(s, (t) => t.trimEnd().split("\n").slice(-4).join("\n").includes("Domain"), "the domain prompt");
    type(s, "found.example");
    keys(s, "Enter");
    // The report is taller than the terminal: its end is what stays in view.
    await waitFor(s, (t) => /error_type +DNS/.test(t) && t.includes("(no row: not a published Mastodon server)"), "the details");
    expect(await quit(s)).toContain("EXIT=0");
    expect(read(db, "SELECT end_date FROM nightly_versions WHERE version = '4.6.0-alpha.3'")).toEqual([{ end_date: "2026-06-30" }]);
    expect(read<{ branch: string }>(db, "SELECT branch FROM release_versions WHERE status = 'release' ORDER BY n_level").map((r) => r.branch)).toEqual(["4.3", "4.5", "4.4"]);
    expect(read(db, "SELECT latest FROM release_versions WHERE branch = '4.5'")).toEqual([{ latest: "4.5.8" }]);
    expect(read(db, "SELECT ghsa_id, parse_status FROM security_advisories")).toEqual([{ ghsa_id: "GHSA-wiz", parse_status: "needs_review" }]);
  }, 90_000);
});
