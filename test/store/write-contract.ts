/**
 * The write path's contract: every dialect records the same outcomes into the same rows. The
 * decision is made once (core/decide.ts); each harness supplies its dialect's way of reading error
 * states, applying effects, leasing and pausing, and these tests hold them to one behaviour.
 * sqlite.test.ts and postgres.test.ts call `writePathContract` with a fresh, migrated database.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type DecideSettings, decideBatch, type Effect, type ErrorState, type RecordedOutcome } from "../../src/core/decide.ts";
import type { ProbeOutcome } from "../../src/core/outcome.ts";
import { recordOutcomes } from "../../src/crawl/record.ts";
import type { PauseSwitch } from "../../src/store/control.ts";
import type { Leases } from "../../src/store/leases.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import type { Row, StagedEntry, Value } from "../../src/store/types.ts";

export interface WritePath {
  errorStates(domains: readonly string[]): Promise<ReadonlyMap<string, ErrorState>>;
  /** Applies effects as this dialect does, on behalf of `holder` (whose leases they release). */
  apply(effects: readonly Effect[], holder: string): Promise<void>;
  /** Applies a staging file's outbox entries (what sync does for PostgreSQL). */
  applyOutbox(entries: readonly StagedEntry[]): Promise<void>;
  readonly leases: Leases;
  readonly pause: PauseSwitch;
  /** Standard SQL with `?` placeholders on the same database, rows in the store's common types. */
  query(text: string, params?: readonly Value[]): Promise<Row[]>;
  close(): Promise<void>;
}

const SETTINGS: DecideSettings = { errorBuffer: 3, schedule: { recrawlHours: 1, capHours: 48 }, hardDni: new Set(["blocked.example"]), random: () => 0.5 };
const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 10, minute)).toISOString();
const common = (domain: string) => ({ domain, ms: 1500, requests: [] });
const failure = (domain: string, error_class: string, cause: string): ProbeOutcome => ({ ...common(domain), kind: "error", error_class, cause, endpoint: "nodeinfo", reason: `failed: ${cause}` }) as ProbeOutcome;
const success = (domain: string, version: string, mau: number): ProbeOutcome => ({ ...common(domain), kind: "mastodon", software: "mastodon", version, full_version: version, mau, total_users: mau * 2, canonical: domain });
const alias = (domain: string, canonical: string): ProbeOutcome => ({ ...common(domain), kind: "alias", software: "mastodon", version: "4.5.6", full_version: "4.5.6", mau: 1, total_users: 2, canonical });

/** What a crawl does with a batch on this dialect: read the states, decide, apply. */
async function record(path: WritePath, batch: readonly RecordedOutcome[], holder = "node-a"): Promise<void> {
  const states = await path.errorStates(batch.map((r) => r.outcome.domain));
  await path.apply(decideBatch(states, batch, SETTINGS), holder);
}

const RAW = "SELECT domain, last_crawled_at, next_crawl_at, last_response_time, error_type, error_endpoint, error_reason, error_count, terminal_type, nodeinfo, alias_of FROM raw_domains ORDER BY domain";
const PUBLISHED = "SELECT domain, software_version, full_version, active_users_monthly, nodeinfo, timestamp FROM mastodon_domains ORDER BY domain";
const ERRORS = "SELECT timestamp, domain, error, worker, error_type, error_endpoint, error_reason FROM error_log ORDER BY timestamp, domain";

export function writePathContract(name: string, makePath: () => Promise<WritePath>): void {
  describe(`${name} write-path contract`, () => {
    const open: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });
    const fresh = async () => {
      const path = await makePath();
      open.push(path);
      return path;
    };
    const row = async (path: WritePath, domain: string) => (await path.query(`${RAW.replace(" ORDER BY domain", "")} WHERE domain = ?`, [domain]))[0];
    const published = async (path: WritePath, domain: string) => (await path.query("SELECT software_version, active_users_monthly, timestamp FROM mastodon_domains WHERE domain = ?", [domain]))[0];

    it("records every transition of the state machine: counts, terminal state, a new class, success", async () => {
      const path = await fresh();
      const steps: [ProbeOutcome, Record<string, Value>][] = [
        [failure("x.example", "DNS", "NXDOMAIN"), { error_type: "DNS", error_count: 1, terminal_type: null, error_reason: "NXDOMAIN", error_endpoint: "nodeinfo" }],
        [failure("x.example", "DNS", "NXDOMAIN"), { error_count: 2, terminal_type: null }],
        [failure("x.example", "DNS", "SERVFAIL"), { error_count: 3, terminal_type: "DNS", error_reason: "SERVFAIL" }],
        // Terminal, same class again: the state stands as it was (the seed's rule), and the failure is logged.
        [failure("x.example", "DNS", "NXDOMAIN"), { error_count: 3, terminal_type: "DNS", error_reason: "SERVFAIL" }],
        [failure("x.example", "TCP", "REFUSED"), { error_type: "TCP", error_count: 1, terminal_type: null }],
        [success("x.example", "4.5.6", 10), { error_type: null, error_endpoint: null, error_reason: null, error_count: 0, terminal_type: null, last_response_time: 1.5 }],
      ];
      for (const [i, [outcome, expected]] of steps.entries()) {
        await record(path, [{ outcome, at: at(i), worker: "w:1" }]);
        expect(await row(path, "x.example"), `step ${i}`).toMatchObject({ ...expected, last_crawled_at: at(i) });
      }
      expect(await published(path, "x.example")).toEqual({ software_version: "4.5.6", active_users_monthly: 10, timestamp: at(5) });
      const errors = await path.query(ERRORS);
      expect(errors).toHaveLength(5);
      expect(errors[0]).toEqual({ timestamp: at(0), domain: "x.example", error: "failed: NXDOMAIN", worker: "w:1", error_type: "DNS", error_endpoint: "nodeinfo", error_reason: "NXDOMAIN" });
      // The log holds what happened, even while the terminal state keeps its earlier reason.
      expect(errors[3]).toMatchObject({ error_type: "DNS", error_reason: "NXDOMAIN" });
    });

    it("unpublishes on an opt-out, keeps the last good row through ordinary failures, and adds an alias's canonical domain unless it is hard-DNI", async () => {
      const path = await fresh();
      await record(path, [
        { outcome: success("kept.example", "4.5.6", 10), at: at(0), worker: "w" },
        { outcome: success("gone.example", "4.5.6", 10), at: at(0), worker: "w" },
        { outcome: success("moved.example", "4.5.6", 10), at: at(0), worker: "w" },
      ]);
      await record(path, [
        { outcome: failure("kept.example", "HTTP5XX", "503"), at: at(1), worker: "w" },
        { outcome: failure("gone.example", "HARD", "410"), at: at(1), worker: "w" },
        { outcome: alias("moved.example", "new-home.example"), at: at(1), worker: "w" },
        { outcome: alias("x.example", "social.blocked.example"), at: at(1), worker: "w" },
      ]);
      expect((await path.query(PUBLISHED)).map((r) => r.domain)).toEqual(["kept.example"]);
      expect(await row(path, "moved.example")).toMatchObject({ alias_of: "new-home.example" });
      expect(await row(path, "new-home.example")).toMatchObject({ last_crawled_at: null });
      expect(await row(path, "social.blocked.example")).toBeUndefined();
    });

    it("never lets an older outcome overwrite newer data, and applying the same effect twice changes nothing", async () => {
      const path = await fresh();
      await record(path, [{ outcome: success("x.example", "4.5.7", 12), at: at(10), worker: "w" }]);
      const late: RecordedOutcome[] = [
        { outcome: failure("x.example", "DNS", "NXDOMAIN"), at: at(5), worker: "w" },
        { outcome: failure("x.example", "HARD", "410"), at: at(6), worker: "w" },
        { outcome: success("x.example", "4.5.5", 99), at: at(7), worker: "w" },
      ];
      for (const r of late) await record(path, [r]);
      expect(await row(path, "x.example")).toMatchObject({ last_crawled_at: at(10), error_type: null, error_count: 0 });
      expect(await published(path, "x.example")).toEqual({ software_version: "4.5.7", active_users_monthly: 12, timestamp: at(10) });

      const again = decideBatch(new Map(), [{ outcome: success("y.example", "4.5.6", 3), at: at(20), worker: "w" }], SETTINGS);
      await path.apply(again, "node-a");
      const once = { raw: await path.query(RAW), published: await path.query(PUBLISHED) };
      await path.apply(again, "node-a");
      expect({ raw: await path.query(RAW), published: await path.query(PUBLISHED) }).toEqual(once);
    });

    it("leases due, crawlable domains to one holder at a time; release and a recorded outcome free them", async () => {
      const path = await fresh();
      await path.query("INSERT INTO raw_domains (domain) VALUES ('a.example'), ('b.example'), ('c.example'), ('gone.example'), ('x.blocked.example')");
      await path.query("UPDATE raw_domains SET terminal_type = 'HARD', error_type = 'HARD', error_count = 3 WHERE domain = 'gone.example'");
      await path.query("INSERT INTO dni (domain, comment, force) VALUES ('blocked.example', 'test', 'hard')");
      const names = (states: readonly { domain: string }[]) => states.map((s) => s.domain).sort();

      const first = await path.leases.claim("node-a", 300, 2);
      expect(first).toHaveLength(2);
      expect(first[0]).toMatchObject({ lastCrawledAt: null, errorCount: 0, terminalType: null });
      const second = await path.leases.claim("node-b", 300, 10);
      expect([...names(first), ...names(second)].sort()).toEqual(["a.example", "b.example", "c.example"]);
      expect(await path.leases.claim("node-c", 300, 10)).toEqual([]);

      expect(await path.leases.release("node-b")).toBe(second.length);
      expect(names(await path.leases.claim("node-c", 300, 10))).toEqual(names(second));

      // node-a's outcome releases its lease; the domain is due again only at its next crawl.
      const mine = first[0]!.domain;
      await record(path, [{ outcome: success(mine, "4.5.6", 1), at: new Date().toISOString(), worker: "node-a" }], "node-a");
      expect((await path.query("SELECT claimed_by FROM raw_domains WHERE domain = ?", [mine]))[0]).toEqual({ claimed_by: null });
      expect(await path.leases.release("node-a")).toBe(1);
      expect(names(await path.leases.claim("node-d", 300, 10))).toEqual(names(first.slice(1)));
    });

    it("pauses and resumes, saying who and why", async () => {
      const path = await fresh();
      expect(await path.pause.read()).toMatchObject({ paused: false });
      await path.pause.set(true, "upgrading", "ops@host");
      expect(await path.pause.read()).toMatchObject({ paused: true, reason: "upgrading", setBy: "ops@host" });
      await path.pause.set(false, "ignored when resuming", "ops@host");
      const resumed = await path.pause.read();
      expect(resumed).toMatchObject({ paused: false, reason: null, setBy: "ops@host" });
      expect(Number.isNaN(Date.parse(resumed.setAt ?? ""))).toBe(false);
    });

    it("takes a staging file's outbox to exactly the rows the staging file holds", async () => {
      const path = await fresh();
      const dir = mkdtempSync(join(tmpdir(), "vmcrawl-staging-"));
      const staging = new SqliteStore(join(dir, "staging.db"), { cacheDir: dir });
      open.push(staging);
      await staging.migrate();
      staging.crawl.insertDomains(["fresh.example"], { stage: true });
      const outcomes = [
        success("a.example", "4.5.6", 10),
        failure("b.example", "DNS", "NXDOMAIN"),
        failure("c.example", "ROBOT", "DISALLOWED"),
        alias("d.example", "e.example"),
        { ...common("f.example"), kind: "other", software: "lemmy" } as ProbeOutcome,
      ];
      for (const [i, outcome] of outcomes.entries()) recordOutcomes(staging.crawl, [{ outcome, at: at(i), worker: "node-a:1" }], { ...SETTINGS, stage: true });
      recordOutcomes(staging.crawl, [{ outcome: failure("b.example", "DNS", "SERVFAIL"), at: at(9), worker: "node-a:1" }], { ...SETTINGS, stage: true });

      await path.applyOutbox(staging.staging.outbox(1000));
      for (const text of [RAW, PUBLISHED, ERRORS]) expect(await path.query(text), text).toEqual(await staging.query(text, []));
    });
  });
}
