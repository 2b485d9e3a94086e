/** The crawl's selections (menu 0–72) and outcome writes, on a real SQLite store. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { crawlModes } from "../../src/crawl/modes.ts";
import type { ProbeOutcome } from "../../src/crawl/probe.ts";
import { menuSource } from "../../src/crawl/sources.ts";
import { candidatesOn } from "../../src/store/candidates.ts";
import { ERROR_CLASSES as MENU_CLASSES } from "../../src/core/outcome.ts";
import { selectionFor } from "../../src/store/menu-sql.ts";
import { TEXT_CAPS } from "../../src/store/sanitize.ts";
import { recordOutcomes } from "../../src/crawl/record.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";

let store: SqliteStore;
const SCHEDULE = { recrawlHours: 1, capHours: 168 };
beforeEach(async () => {
  store = new SqliteStore(join(mkdtempSync(join(tmpdir(), "vmcrawl-crawlstore-")), "v.db"), { cacheDir: tmpdir() });
  await store.migrate();
});
afterEach(async () => {
  await store.close();
});

const run = (sql: string, ...params: unknown[]) => store.db.prepare(sql).run(...params);
const raw = (domain: string, columns: Record<string, unknown> = {}) => {
  const all = { domain, last_crawled_at: "2026-11-20T00:00:00.000Z", ...columns };
  run(`INSERT INTO raw_domains (${Object.keys(all).join(", ")}) VALUES (${Object.keys(all).map(() => "?").join(", ")})`, ...Object.values(all));
};
const published = (domain: string, version: string, mau: number) =>
  run("INSERT INTO mastodon_domains (domain, software_version, full_version, active_users_monthly, nodeinfo, timestamp) VALUES (?, ?, ?, ?, 'mastodon', '2026-11-20T00:00:00.000Z')", domain, version, version, mau);

async function selected(mode: number): Promise<string[]> {
  const source = await menuSource(mode, candidatesOn(store.query), store.crawl.releaseBranches(), () => {});
  const names: string[] = [];
  for await (const d of source.domains) names.push(d.name);
  expect(source.total, `total of mode ${mode}`).toBe(names.length);
  return names;
}

describe("selections 0–72", () => {
  const cls = (c: string) => c.toLowerCase();
  beforeEach(() => {
    raw("new.example", { last_crawled_at: null });
    raw("ok.example");
    published("ok.example", "4.5.6", 10);
    raw("unpatched.example");
    published("unpatched.example", "4.5.2", 0);
    raw("main.example");
    published("main.example", "4.6.0-alpha.4", 3);
    raw("eol.example");
    published("eol.example", "4.2.10", 1);
    raw("other.example", { nodeinfo: "misskey" });
    raw("alias.example", { alias_of: "ok.example" });
    published("alias.example", "4.5.6", 10); // stale row of a domain now known to be an alias
    raw("issue.example", { error_type: "HTTP5XX", error_reason: "503", error_count: 2 });
    published("issue.example", "4.4.13", 5);
    for (const c of MENU_CLASSES) {
      raw(`err-${cls(c)}.example`, { error_type: c, error_count: 1 });
      raw(`bad-${cls(c)}.example`, { error_type: c, error_count: 24, terminal_type: c });
    }
    published("bad-dns.example", "4.5.6", 7);
  });

  const routine = () =>
    [
      "new.example",
      "ok.example",
      "unpatched.example",
      "main.example",
      "eol.example",
      "other.example",
      "issue.example",
      ...MENU_CLASSES.filter((c) => c !== "HARD" && c !== "ROBOT").map((c) => `err-${cls(c)}.example`),
    ].sort();

  it("covers every menu option", () => {
    expect(crawlModes.map((m) => m.mode)).toEqual([0, 1, 2, 3, 4, 5, 10, ...Array.from({ length: 13 }, (_, i) => 20 + i), 50, 51, 52, 53, ...Array.from({ length: 13 }, (_, i) => 60 + i)]);
  });

  it("0 takes domains never crawled, shortest first", async () => {
    raw("zz.example", { last_crawled_at: null });
    expect(await selected(0)).toEqual(["zz.example", "new.example"]);
  });

  it("1, 2, 3 take every routine domain: not aliases, not terminal, not opted out; in order, reverse, random", async () => {
    expect(await selected(1)).toEqual(routine());
    expect(await selected(2)).toEqual(routine().reverse());
    expect((await selected(3)).sort()).toEqual(routine());
  });

  it("4 takes domains with non-fatal errors, 5 only those that are known Mastodon servers", async () => {
    expect(await selected(4)).toEqual(["issue.example", ...MENU_CLASSES.filter((c) => c !== "HARD" && c !== "ROBOT").map((c) => `err-${cls(c)}.example`)].sort());
    expect(await selected(5)).toEqual(["issue.example"]);
  });

  it("10 takes non-Mastodon platforms", async () => {
    expect(await selected(10)).toEqual(["other.example"]);
  });

  it.each(MENU_CLASSES.map((c, i) => [20 + i, c] as const))("%i retries non-terminal %s errors", async (mode, c) => {
    const expected = [`err-${cls(c)}.example`, ...(c === "HTTP5XX" ? ["issue.example"] : [])].sort();
    expect(await selected(mode)).toEqual(expected);
  });

  it("50 takes known instances not on a patched release, 51 those on the main branch", async () => {
    expect(await selected(50)).toEqual(["eol.example", "unpatched.example"]);
    expect(await selected(51)).toEqual(["main.example"]);
  });

  it("52 takes known instances with monthly users, 53 every known instance; never aliases or terminal ones", async () => {
    expect(await selected(52)).toEqual(["eol.example", "issue.example", "main.example", "ok.example"]);
    expect(await selected(53)).toEqual(["eol.example", "issue.example", "main.example", "ok.example", "unpatched.example"]);
  });

  it.each(MENU_CLASSES.map((c, i) => [60 + i, c] as const))("%i retries the terminal %s state", async (mode, c) => {
    expect(await selected(mode)).toEqual([`bad-${cls(c)}.example`]);
  });

  it("pages through more domains than one page holds, in order, without repeats", async () => {
    const names = Array.from({ length: 1234 }, (_, i) => `d${String(i).padStart(4, "0")}.example`);
    store.crawl.insertDomains(names);
    const got = await selected(0);
    expect(got.length).toBe(1235);
    expect(new Set(got).size).toBe(1235);
  });

  it("pages by character length for IDN names, whose UTF-16 length differs", async () => {
    store.crawl.insertDomains(["🍕1.ws", "🍕2.ws", "ab.ws", "🍕🍕.ws"]);
    expect(await selected(0)).toEqual(["ab.ws", "🍕1.ws", "🍕2.ws", "🍕🍕.ws", "new.example"]);
  });
});

describe("recordOutcomes: the state machine, persisted", () => {
  const at = (minute: number) => `2026-11-23T10:${String(minute).padStart(2, "0")}:00.000Z`;
  const failure = (error_class: string, cause: string): ProbeOutcome => ({ domain: "x.example", kind: "error", error_class, cause, endpoint: "nodeinfo", reason: `failed: ${cause}`, ms: 1500, requests: [] }) as ProbeOutcome;
  const success = (version: string, mau: number): ProbeOutcome => ({ domain: "x.example", kind: "mastodon", software: "mastodon", version, full_version: version, mau, total_users: mau * 2, canonical: "x.example", ms: 200, requests: [] });
  const record = (outcome: ProbeOutcome, minute: number, errorBuffer = 3) => recordOutcomes(store.crawl, [{ outcome, at: at(minute), worker: "test:1" }], { errorBuffer, hardDni: new Set(["blocked.example"]), schedule: SCHEDULE, random: () => 0.5 });
  const rawRow = () => store.db.prepare("SELECT error_type, error_reason, error_count, terminal_type, last_crawled_at, last_response_time FROM raw_domains WHERE domain = 'x.example'").get();
  const published = () => store.db.prepare("SELECT software_version, active_users_monthly, timestamp FROM mastodon_domains WHERE domain = 'x.example'").get();
  const errors = () => store.db.prepare("SELECT error_type, error_reason, error, worker FROM error_log WHERE domain = 'x.example' ORDER BY event").all();

  it("reaches the buffer, keeps the terminal state on the same class, clears it on another, and success clears all", () => {
    record(failure("DNS", "NXDOMAIN"), 1);
    record(failure("DNS", "NXDOMAIN"), 2);
    expect(rawRow()).toMatchObject({ error_type: "DNS", error_count: 2, terminal_type: null, last_response_time: 1.5, last_crawled_at: at(2) });
    record(failure("DNS", "SERVFAIL"), 3);
    expect(rawRow()).toMatchObject({ error_count: 3, terminal_type: "DNS", error_reason: "SERVFAIL" });
    record(failure("DNS", "NXDOMAIN"), 4);
    expect(rawRow()).toMatchObject({ error_count: 3, terminal_type: "DNS", error_reason: "SERVFAIL" });
    record(failure("TCP", "REFUSED"), 5);
    expect(rawRow()).toMatchObject({ error_type: "TCP", error_count: 1, terminal_type: null });
    record(success("4.5.6", 10), 6);
    expect(rawRow()).toMatchObject({ error_type: null, error_reason: null, error_count: 0, terminal_type: null });
    expect(errors()).toHaveLength(5);
    expect(errors()[0]).toEqual({ error_type: "DNS", error_reason: "NXDOMAIN", error: "failed: NXDOMAIN", worker: "test:1" });
  });

  it("publishes success, keeps it through ordinary failures, and never lets older data overwrite newer", () => {
    record(success("4.5.6", 10), 10);
    record(failure("HTTP5XX", "503"), 11);
    expect(published()).toEqual({ software_version: "4.5.6", active_users_monthly: 10, timestamp: at(10) });
    record(success("4.5.5", 99), 9); // a late, older outcome
    expect(published()).toEqual({ software_version: "4.5.6", active_users_monthly: 10, timestamp: at(10) });
    record(success("4.5.7", 12), 12);
    expect(published()).toEqual({ software_version: "4.5.7", active_users_monthly: 12, timestamp: at(12) });
  });

  it.each([
    ["an opt-out status", failure("HARD", "410")],
    ["robots.txt", failure("ROBOT", "DISALLOWED")],
    ["other software", { domain: "x.example", kind: "other", software: "lemmy", ms: 1, requests: [] } as ProbeOutcome],
  ])("unpublishes on %s", (_what, outcome) => {
    record(success("4.5.6", 10), 1);
    record(outcome, 2);
    expect(published()).toBeUndefined();
  });

  it("records an alias, unpublishes it, and adds its canonical domain for crawling unless that is on the DNI list", () => {
    record(success("4.5.6", 10), 1);
    const alias = (canonical: string): ProbeOutcome => ({ domain: "x.example", kind: "alias", software: "mastodon", version: "4.5.6", full_version: "4.5.6", mau: 10, total_users: 20, canonical, ms: 1, requests: [] });
    record(alias("canonical.example"), 2);
    expect(store.db.prepare("SELECT alias_of FROM raw_domains WHERE domain = 'x.example'").pluck().get()).toBe("canonical.example");
    expect(published()).toBeUndefined();
    expect(store.db.prepare("SELECT last_crawled_at FROM raw_domains WHERE domain = 'canonical.example'").get()).toEqual({ last_crawled_at: null });
    record(alias("social.blocked.example"), 3);
    expect(store.db.prepare("SELECT count(*) FROM raw_domains WHERE domain = 'social.blocked.example'").pluck().get()).toBe(0);
  });

  it("schedules the next crawl: an hour for a healthy server, backing off by class for failures", () => {
    const next = () => store.db.prepare("SELECT next_crawl_at FROM raw_domains WHERE domain = 'x.example'").pluck().get();
    record(success("4.5.6", 1), 0);
    expect(next()).toBe("2026-11-23T11:00:00.000Z");
    record(failure("HTTP5XX", "503"), 0);
    expect(next()).toBe("2026-11-23T13:00:00.000Z"); // base 3 h
    record(failure("HTTP5XX", "503"), 0);
    expect(next()).toBe("2026-11-23T16:00:00.000Z"); // doubled
  });

  it("stages every change in the outbox in the same transaction, in order, in fleet mode", () => {
    store.crawl.insertDomains(["new.example"], { stage: true });
    recordOutcomes(store.crawl, [{ outcome: failure("DNS", "NXDOMAIN"), at: at(5), worker: "node-a:1" }], { errorBuffer: 3, hardDni: new Set(), schedule: SCHEDULE, stage: true, random: () => 0.5 });
    const rows = store.db.prepare("SELECT seq, kind, payload FROM outbox ORDER BY seq").all() as { seq: number; kind: string; payload: string }[];
    expect(rows.map((r) => r.kind)).toEqual(["domains", "outcome"]);
    expect(JSON.parse(rows[0]!.payload)).toEqual({ kind: "domains", domains: ["new.example"] });
    expect(JSON.parse(rows[1]!.payload)).toMatchObject({
      kind: "outcome",
      domain: "x.example",
      at: at(5),
      seconds: 1.5,
      raw: { errorType: "DNS", errorReason: "NXDOMAIN", errorCount: 1, terminalType: null, nextCrawlAt: "2027-02-21T10:05:00.000Z" }, // NXDOMAIN: 90 days
      publication: { action: "keep" },
      error: { message: "failed: NXDOMAIN", worker: "node-a:1" },
    });
  });

  it("stores and stages a server's text only through the sanitize boundary", () => {
    const poisoned = { ...success("4.5.6", 10), full_version: `4.5.6\u0000${"x".repeat(1000)}` } as ProbeOutcome;
    recordOutcomes(store.crawl, [{ outcome: poisoned, at: at(1), worker: "w" }], { errorBuffer: 3, hardDni: new Set(), schedule: SCHEDULE, stage: true, random: () => 0.5 });
    const stored = store.db.prepare("SELECT full_version FROM mastodon_domains WHERE domain = 'x.example'").pluck().get() as string;
    expect(stored).toBe(`4.5.6${"x".repeat(TEXT_CAPS.fullVersion - 5)}`);
    record({ ...failure("JSON", "INVALID"), reason: `invalid JSON: "\u0000${"{".repeat(1000)}` } as ProbeOutcome, 2);
    const logged = errors().at(-1) as { error: string };
    expect(logged.error).not.toContain("\u0000");
    expect(logged.error).toHaveLength(TEXT_CAPS.reason);
    const staged = JSON.parse(store.db.prepare("SELECT payload FROM outbox WHERE kind = 'outcome'").pluck().get() as string);
    expect(staged.publication.fullVersion).toBe(stored);
  });

  it("stages nothing outside fleet mode", () => {
    record(failure("DNS", "NXDOMAIN"), 1);
    expect(store.db.prepare("SELECT count(*) FROM outbox").pluck().get()).toBe(0);
  });

  it("writes a batch all or nothing", () => {
    const good = { outcome: success("4.5.6", 1), at: at(1), worker: "w" };
    const bad = { outcome: { ...success("4.5.6", 1), domain: "UPPER.example" }, at: at(1), worker: "w" }; // refused by the schema's CHECK
    expect(() => recordOutcomes(store.crawl, [good, bad], { errorBuffer: 3, hardDni: new Set(), schedule: SCHEDULE })).toThrow();
    expect(store.db.prepare("SELECT count(*) FROM raw_domains").pluck().get()).toBe(0);
  });
});
