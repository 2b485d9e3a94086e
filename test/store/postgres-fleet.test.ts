/**
 * PostgreSQL's side of fleet mode against a real server: staged entries apply exactly once
 * (receipts), older outcomes never overwrite newer ones, leases split due work between nodes
 * and expire, maintenance is elected.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import type { Publication, RawUpdate } from "../../src/core/decide.ts";
import { postgresPauseSwitch } from "../../src/store/control.ts";
import { postgresLeases } from "../../src/store/leases.ts";
import { applyStaged, asMaintainer, referenceData, type StagedEntry } from "../../src/store/postgres-fleet.ts";
import { PostgresStore } from "../../src/store/postgres.ts";
import type { StagedChange } from "../../src/store/types.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { Syncer } from "../../src/store/sync.ts";
import { freshDatabase } from "../support/postgres.ts";

const server = inject("postgres");
const open: PostgresStore[] = [];

async function migratedStore(): Promise<PostgresStore> {
  const store = new PostgresStore(await freshDatabase(server!, "fleet"));
  open.push(store);
  await store.migrate();
  return store;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const HEALTHY: RawUpdate = { errorType: null, errorEndpoint: null, errorReason: null, errorCount: 0, terminalType: null, nodeinfo: null, aliasOf: null };

function outcome(domain: string, at: string, overrides: { raw?: Partial<RawUpdate>; publication?: Publication; error?: string } = {}): StagedChange {
  return {
    kind: "outcome",
    domain,
    at,
    seconds: 0.25,
    raw: { ...HEALTHY, ...overrides.raw, nextCrawlAt: new Date(Date.parse(at) + 3_600_000).toISOString() },
    publication: overrides.publication ?? { action: "publish", software: "mastodon", version: "4.5.2", fullVersion: "4.5.2", mau: 10 },
    ...(overrides.error === undefined ? {} : { error: { message: overrides.error, worker: "node-a" } }),
  };
}

function entries(changes: StagedChange[], firstSeq = 1): StagedEntry[] {
  return changes.map((change, i) => ({ seq: firstSeq + i, change }));
}

describe.skipIf(server === null)("fleet: applying staged entries", () => {
  it("applies a batch once: a batch sent again after a lost acknowledgement changes nothing", async () => {
    const { sql } = await migratedStore();
    const batch = entries([
      outcome("a.example", "2026-11-20T10:00:00.000Z"),
      outcome("b.example", "2026-11-20T10:00:01.000Z", { raw: { errorType: "DNS", errorReason: "NXDOMAIN", errorCount: 1 }, publication: { action: "keep" }, error: "DNS: NXDOMAIN" }),
      { kind: "domains", domains: ["c.example", "a.example"] },
    ]);
    expect(await applyStaged(sql, "node-a/1", batch)).toEqual({ applied: 3, lastSeq: 3 });
    expect(await applyStaged(sql, "node-a/1", batch)).toEqual({ applied: 0, lastSeq: 3 });
    // A later batch that overlaps the applied one applies only what is new.
    const more = [...batch.slice(2), ...entries([outcome("d.example", "2026-11-20T10:00:02.000Z")], 4)];
    expect(await applyStaged(sql, "node-a/1", more)).toEqual({ applied: 1, lastSeq: 4 });

    expect(await sql`SELECT domain, error_count, error_type FROM raw_domains ORDER BY domain`).toEqual([
      { domain: "a.example", error_count: 0, error_type: null },
      { domain: "b.example", error_count: 1, error_type: "DNS" },
      { domain: "c.example", error_count: 0, error_type: null },
      { domain: "d.example", error_count: 0, error_type: null },
    ]);
    expect((await sql`SELECT domain FROM error_log`).map((r) => r.domain)).toEqual(["b.example"]);
    expect((await sql`SELECT domain FROM mastodon_domains ORDER BY domain`).map((r) => r.domain)).toEqual(["a.example", "d.example"]);
    expect(await sql`SELECT node_id, last_seq::int AS last_seq FROM sync_receipts`).toEqual([{ node_id: "node-a/1", last_seq: 4 }]);
  });

  it("records whether fetch still asks a server for peers, the last word in a batch counting, known to PostgreSQL or not", async () => {
    const { sql } = await migratedStore();
    await sql`INSERT INTO raw_domains (domain) VALUES ('known.example')`;
    const batch = entries([
      { kind: "peers", domain: "known.example", polled: false, at: "2026-11-20T10:00:00.000Z" },
      { kind: "peers", domain: "new.example", polled: true, at: "2026-11-20T10:00:00.000Z" },
      { kind: "peers", domain: "new.example", polled: false, at: "2026-11-20T10:00:01.000Z" },
      { kind: "peers", domain: "again.example", polled: false, at: "2026-11-20T10:00:00.000Z" },
      { kind: "peers", domain: "again.example", polled: true, at: "2026-11-20T10:00:01.000Z" },
    ]);
    expect(await applyStaged(sql, "node-a/1", batch)).toEqual({ applied: 5, lastSeq: 5 });
    const rows = await sql<{ domain: string; peers: boolean }[]>`SELECT domain, peers FROM raw_domains ORDER BY domain`;
    expect(rows.map((r) => [r.domain, r.peers])).toEqual([
      ["again.example", true],
      ["known.example", false],
      ["new.example", false],
    ]);
  });

  it("keeps receipts per outbox: the same sequence numbers from another node are applied", async () => {
    const { sql } = await migratedStore();
    await applyStaged(sql, "node-a/1", entries([outcome("a.example", "2026-11-20T10:00:00.000Z")]));
    expect(await applyStaged(sql, "node-b/2", entries([outcome("b.example", "2026-11-20T10:00:00.000Z")]))).toEqual({ applied: 1, lastSeq: 1 });
    expect(Number((await sql`SELECT count(*) AS n FROM raw_domains`)[0]!.n)).toBe(2);
  });

  it("never lets an older outcome overwrite a newer one, in raw_domains or the published list", async () => {
    const { sql } = await migratedStore();
    await applyStaged(sql, "node-a/1", entries([outcome("a.example", "2026-11-20T12:00:00.000Z", { publication: { action: "publish", software: "mastodon", version: "4.5.2", fullVersion: "4.5.2", mau: 99 } })]));
    // Another node, offline for a while, syncs an older failure and an older success.
    await applyStaged(
      sql,
      "node-b/1",
      entries([
        outcome("a.example", "2026-11-20T09:00:00.000Z", { raw: { errorType: "HARD", errorReason: "robots.txt", errorCount: 1 }, publication: { action: "unpublish" }, error: "HARD: robots.txt" }),
        outcome("a.example", "2026-11-20T08:00:00.000Z", { publication: { action: "publish", software: "mastodon", version: "4.3.0", fullVersion: "4.3.0", mau: 1 } }),
      ]),
    );
    const [raw] = await sql`SELECT error_type, last_crawled_at FROM raw_domains WHERE domain = 'a.example'`;
    expect(raw).toEqual({ error_type: null, last_crawled_at: new Date("2026-11-20T12:00:00.000Z") });
    expect(await sql`SELECT software_version, active_users_monthly FROM mastodon_domains`).toEqual([{ software_version: "4.5.2", active_users_monthly: 99 }]);
    // The failure still happened: it is in the history.
    expect((await sql`SELECT error FROM error_log`).map((r) => r.error)).toEqual(["HARD: robots.txt"]);
  });

  it("takes a domain's latest outcome within one batch, whatever the order", async () => {
    const { sql } = await migratedStore();
    await applyStaged(
      sql,
      "node-a/1",
      entries([
        outcome("a.example", "2026-11-20T12:00:00.000Z", { raw: { errorType: "HARD", errorReason: "robots.txt", errorCount: 1 }, publication: { action: "unpublish" } }),
        outcome("a.example", "2026-11-20T11:00:00.000Z"),
      ]),
    );
    expect((await sql`SELECT error_type FROM raw_domains`)[0]!.error_type).toBe("HARD");
    expect(await sql`SELECT domain FROM mastodon_domains`).toEqual([]);
  });

  it("applies a batch all or nothing: a failing batch leaves no rows and no receipt", async () => {
    const { sql } = await migratedStore();
    const bad = { ...outcome("b.example", "2026-11-20T10:00:00.000Z"), at: "not a time" } as StagedChange;
    await expect(applyStaged(sql, "node-a/1", entries([outcome("a.example", "2026-11-20T10:00:00.000Z"), bad]))).rejects.toThrow();
    expect(await sql`SELECT domain FROM raw_domains`).toEqual([]);
    expect(await sql`SELECT * FROM sync_receipts`).toEqual([]);
  });
});

describe.skipIf(server === null)("fleet: the syncer", () => {
  async function staging(): Promise<SqliteStore> {
    const dir = mkdtempSync(join(tmpdir(), "vmcrawl-staging-"));
    const store = new SqliteStore(join(dir, "staging.db"), { cacheDir: dir });
    await store.migrate();
    return store;
  }

  it("forgets staged entries only once PostgreSQL has committed them; a passing failure leaves the failing batch and those after it", async () => {
    const { sql } = await migratedStore();
    const local = await staging();
    try {
      const stage = local.db.prepare("INSERT INTO outbox (kind, payload) VALUES (?, ?)");
      for (let i = 0; i < 7; i++) stage.run("outcome", JSON.stringify(outcome(`d${i}.example`, "2026-11-20T10:00:00.000Z")));
      // A failure worth retrying (a serialization failure) on the fifth entry: not the entry's fault.
      await sql.unsafe(`CREATE FUNCTION busy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          IF NEW.domain = 'd4.example' THEN RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER busy BEFORE INSERT ON raw_domains FOR EACH ROW EXECUTE FUNCTION busy()`);
      const syncer = new Syncer({ staging: local.staging, sql, identity: "node-a/1", log: () => {}, batchSize: 2 });
      await expect(syncer.pushAll()).rejects.toThrow("could not serialize access");
      // Batches [1,2] and [3,4] committed; [5,6] failed; 7 never sent. Nothing was quarantined.
      expect(local.db.prepare("SELECT seq FROM outbox ORDER BY seq").pluck().all()).toEqual([5, 6, 7]);
      expect(syncer.status()).toMatchObject({ backlog: { entries: 3 }, quarantined: 0, lastFailure: expect.stringMatching(/^\d{4}-\d\d-\d\dT\S+ 40001: could not serialize access$/) });
      await sql.unsafe("DROP TRIGGER busy ON raw_domains");
      expect(await syncer.pushAll()).toBe(3);
      expect(Number((await sql`SELECT count(*) AS n FROM raw_domains`)[0]!.n)).toBe(7);
    } finally {
      await local.close();
    }
  });

  it("quarantines each entry PostgreSQL refuses, with its error, and pushes everything else", async () => {
    const { sql } = await migratedStore();
    const local = await staging();
    try {
      const stage = local.db.prepare("INSERT INTO outbox (kind, payload) VALUES (?, ?)");
      const poison: Record<number, StagedChange> = {
        // More monthly users than PostgreSQL's int holds (an outbox from before the bound).
        3: outcome("big.example", "2026-11-20T10:00:00.000Z", { publication: { action: "publish", software: "mastodon", version: "4.5.2", fullVersion: "4.5.2", mau: 2 ** 31 } }),
        // A timestamp the client cannot even send.
        6: { ...(outcome("time.example", "2026-11-20T10:00:00.000Z") as object), at: "not a time" } as StagedChange,
      };
      for (let seq = 1; seq <= 9; seq++) stage.run("outcome", JSON.stringify(poison[seq] ?? outcome(`d${seq}.example`, "2026-11-20T10:00:00.000Z")));
      const lines: string[] = [];
      const syncer = new Syncer({ staging: local.staging, sql, identity: "node-a/1", log: (line) => lines.push(line), batchSize: 4 });
      expect(await syncer.pushAll()).toBe(7);
      expect(local.staging.backlog().entries).toBe(0);
      expect(local.staging.quarantined()).toEqual([
        expect.objectContaining({ seq: 3, kind: "outcome", domain: "big.example", error: expect.stringMatching(/^22003: .*out of range/) }),
        expect.objectContaining({ seq: 6, kind: "outcome", domain: "time.example", error: "Invalid time value" }),
      ]);
      expect(lines).toEqual([expect.stringContaining("#3 (outcome for big.example)"), expect.stringContaining("#6 (outcome for time.example)")]);
      expect((await sql`SELECT domain FROM raw_domains ORDER BY domain`).map((r) => r.domain)).toEqual([1, 2, 4, 5, 7, 8, 9].map((i) => `d${i}.example`));
      expect(Number((await sql`SELECT last_seq FROM sync_receipts WHERE node_id = 'node-a/1'`)[0]!.last_seq)).toBe(9);

      // Retried as they are, they are refused again and come back to the quarantine with new numbers; nothing else moves.
      expect(local.staging.retryQuarantined()).toBe(2);
      expect(await syncer.pushAll()).toBe(0);
      expect(local.staging.quarantined().map((e) => [e.seq, e.domain])).toEqual([
        [10, "big.example"],
        [11, "time.example"],
      ]);
      expect(local.staging.dropQuarantined()).toBe(2);
      expect(syncer.status()).toMatchObject({ backlog: { entries: 0 }, quarantined: 0 });
    } finally {
      await local.close();
    }
  });

  it("never numbers a new entry at or below PostgreSQL's receipt: a restored staging file's entries are numbered again", async () => {
    const { sql } = await migratedStore();
    const local = await staging();
    try {
      local.staging.setSetting("sync_identity", "node-a/1");
      const stage = local.db.prepare("INSERT INTO outbox (kind, payload) VALUES (?, ?)");
      // PostgreSQL already holds 5 entries of this identity; the file (a backup) knows of none.
      await applyStaged(sql, "node-a/1", entries([1, 2, 3, 4, 5].map((i) => outcome(`old${i}.example`, "2026-11-20T09:00:00.000Z"))));
      for (const i of [1, 2]) stage.run("outcome", JSON.stringify(outcome(`new${i}.example`, "2026-11-20T10:00:00.000Z")));
      const lines: string[] = [];
      expect(await new Syncer({ staging: local.staging, sql, identity: "node-a/1", log: (line) => lines.push(line) }).pushAll()).toBe(2);
      expect((await sql`SELECT domain FROM raw_domains WHERE domain LIKE 'new%' ORDER BY domain`).map((r) => r.domain)).toEqual(["new1.example", "new2.example"]);
      expect(lines).toEqual([expect.stringContaining("2 staged changes numbered again")]);
      // And an entry staged from now on is numbered past the receipt.
      stage.run("outcome", JSON.stringify(outcome("later.example", "2026-11-20T11:00:00.000Z")));
      expect(local.db.prepare("SELECT seq FROM outbox").pluck().get()).toBeGreaterThan(7);
    } finally {
      await local.close();
    }
  });

  it("skips, and does not number again, entries PostgreSQL applied when only their acknowledgement was lost", async () => {
    const { sql } = await migratedStore();
    const local = await staging();
    try {
      const stage = local.db.prepare("INSERT INTO outbox (kind, payload) VALUES (?, ?)");
      for (const i of [1, 2, 3]) stage.run("outcome", JSON.stringify(outcome(`d${i}.example`, "2026-11-20T10:00:00.000Z", { error: `failure ${i}` })));
      // PostgreSQL committed the first two; the node died before deleting them.
      const staged = local.staging.outbox(2);
      await applyStaged(sql, "node-a/1", staged);
      const lines: string[] = [];
      expect(await new Syncer({ staging: local.staging, sql, identity: "node-a/1", log: (line) => lines.push(line) }).pushAll()).toBe(3);
      expect(lines).toEqual([]);
      expect(local.staging.backlog().entries).toBe(0);
      expect((await sql`SELECT domain, count(*)::int AS n FROM error_log GROUP BY domain ORDER BY domain`).map((r) => [r.domain, r.n])).toEqual([
        ["d1.example", 1],
        ["d2.example", 1],
        ["d3.example", 1],
      ]);
    } finally {
      await local.close();
    }
  });

  it("moves an outcome stamped by a clock running ahead back to PostgreSQL's time, its next crawl with it", async () => {
    const { sql } = await migratedStore();
    const ahead = new Date(Date.now() + 30 * 24 * 3_600_000).toISOString();
    await applyStaged(sql, "node-a/1", entries([outcome("ahead.example", ahead)]));
    const [row] = await sql`SELECT extract(epoch FROM last_crawled_at - now()) AS skew, extract(epoch FROM next_crawl_at - last_crawled_at) AS next, extract(epoch FROM (SELECT timestamp FROM mastodon_domains) - now()) AS published FROM raw_domains`;
    expect(Math.abs(Number(row!.skew))).toBeLessThan(60);
    expect(Number(row!.next)).toBe(3600);
    expect(Math.abs(Number(row!.published))).toBeLessThan(60);
  });
});

describe.skipIf(server === null)("fleet: leases", () => {
  async function seed(sql: PostgresStore["sql"], count: number): Promise<string[]> {
    const domains = Array.from({ length: count }, (_, i) => `d${String(i).padStart(4, "0")}.example`);
    await sql`INSERT INTO raw_domains (domain) SELECT unnest(${domains}::text[])`;
    return domains;
  }

  it("gives nodes claiming at the same moment disjoint batches that cover the due domains", async () => {
    const store = await migratedStore();
    const domains = await seed(store.sql, 500);
    const settings = await storeSettings(store);
    const others = [1, 2, 3].map(() => new PostgresStore(settings));
    open.push(...others);
    const claims = await Promise.all([store, ...others].map((s, i) => postgresLeases(s.sql).claim(`node-${i}`, 300, 200)));
    const all = claims.flatMap((c) => c.map((s) => s.domain));
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(domains);
    // Nothing is left to claim while the leases hold.
    expect(await postgresLeases(store.sql).claim("node-late", 300, 200)).toEqual([]);
  });

  it("returns an expired lease to the pool, and a recorded outcome releases it", async () => {
    const { sql } = await migratedStore();
    await seed(sql, 3);
    expect((await postgresLeases(sql).claim("node-a/1", 300, 2)).map((s) => s.domain).sort()).toEqual(["d0000.example", "d0001.example"]);
    await sql`UPDATE raw_domains SET claimed_until = now() - interval '1 second' WHERE domain = 'd0000.example'`;
    expect((await postgresLeases(sql).claim("node-b/1", 300, 10)).map((s) => s.domain).sort()).toEqual(["d0000.example", "d0002.example"]);
    await applyStaged(sql, "node-a/1", entries([outcome("d0001.example", new Date().toISOString())]));
    expect(await sql`SELECT claimed_by FROM raw_domains WHERE domain = 'd0001.example'`).toEqual([{ claimed_by: null }]);
  });

  it("lets a late outcome release only a lease its node still holds", async () => {
    const { sql } = await migratedStore();
    await seed(sql, 1);
    await postgresLeases(sql).claim("node-a/1", 300, 1);
    // node-a's lease runs out before its outcome arrives, and node-b claims the domain meanwhile.
    await sql`UPDATE raw_domains SET claimed_until = now() - interval '1 second'`;
    await postgresLeases(sql).claim("node-b/1", 300, 1);
    await applyStaged(sql, "node-a/1", entries([outcome("d0000.example", new Date().toISOString())]));
    const [row] = await sql`SELECT claimed_by, claimed_until > now() AS held, last_crawled_at IS NOT NULL AS recorded FROM raw_domains`;
    expect(row).toEqual({ claimed_by: "node-b/1", held: true, recorded: true });
  });

  it("claims only due, crawlable domains: not aliases, terminal ones, future ones or hard-DNI", async () => {
    const { sql } = await migratedStore();
    await sql`INSERT INTO raw_domains (domain, alias_of, terminal_type, next_crawl_at) VALUES
      ('due.example', NULL, NULL, now() - interval '1 minute'),
      ('alias.example', 'due.example', NULL, NULL),
      ('gone.example', NULL, 'HARD', NULL),
      ('later.example', NULL, NULL, now() + interval '1 hour'),
      ('x.blocked.example', NULL, NULL, NULL),
      ('new.example', NULL, NULL, NULL)`;
    await sql`INSERT INTO dni (domain, force) VALUES ('blocked.example', 'hard')`;
    // Never-crawled domains first, then the longest overdue.
    expect((await postgresLeases(sql).claim("node-a", 300, 10)).map((s) => s.domain)).toEqual(["new.example", "due.example"]);
  });
});

describe.skipIf(server === null)("fleet: reference data", () => {
  it("gives a node PostgreSQL's TLD list when it is newer than the node's own copy, and keeps the node's when it is not", async () => {
    const pg = await migratedStore();
    const node = new SqliteStore(join(mkdtempSync(join(tmpdir(), "vmcrawl-reference-")), "staging.db"), { cacheDir: mkdtempSync(join(tmpdir(), "vmcrawl-cache-")) });
    await node.migrate();
    try {
      const listed = () => ({ tlds: (node.peers.tldCache().read()?.tlds ?? []).slice().sort(), at: node.peers.tldCache().read()?.updatedAt });
      // Nothing stored on either side: nothing changes.
      node.staging.replaceReference(await referenceData(pg.sql));
      expect(listed()).toEqual({ tlds: [], at: undefined });
      // manage tld update on PostgreSQL reaches the node.
      await pg.query("INSERT INTO tld_cache (tld, last_updated) VALUES ('social', '2026-11-01T00:00:00Z'), ('org', '2026-11-01T00:00:00Z')", []);
      node.staging.replaceReference(await referenceData(pg.sql));
      expect(listed()).toEqual({ tlds: ["org", "social"], at: "2026-11-01T00:00:00.000Z" });
      // The node's fetch downloaded a later list: PostgreSQL's older one does not replace it.
      node.peers.tldCache().replace(["social", "org", "xyz"], "2026-11-20T00:00:00.000Z");
      node.staging.replaceReference(await referenceData(pg.sql));
      expect(listed()).toEqual({ tlds: ["org", "social", "xyz"], at: "2026-11-20T00:00:00.000Z" });
    } finally {
      await node.close();
    }
  });
});

describe.skipIf(server === null)("fleet: control and maintenance", () => {
  it("stores the pause switch with who set it and why", async () => {
    const { sql } = await migratedStore();
    const control = postgresPauseSwitch(sql);
    expect((await control.read()).paused).toBe(false);
    await control.set(true, "upgrading PostgreSQL", "ops@host");
    expect(await control.read()).toMatchObject({ paused: true, reason: "upgrading PostgreSQL", setBy: "ops@host" });
    await control.set(false, null, "ops@host");
    expect((await control.read()).paused).toBe(false);
  });

  it("lets one node at a time run maintenance", async () => {
    const store = await migratedStore();
    const other = new PostgresStore(await storeSettings(store));
    open.push(other);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const first = asMaintainer(store.sql, async () => {
      entered();
      await held;
    });
    await inside;
    expect(await asMaintainer(other.sql, async () => {})).toBe(false);
    release();
    expect(await first).toBe(true);
    expect(await asMaintainer(other.sql, async () => {})).toBe(true);
  });
});

/** The settings a store was made with (a second connection pool to the same database). */
async function storeSettings(store: PostgresStore): Promise<ConstructorParameters<typeof PostgresStore>[0]> {
  const [row] = await store.sql`SELECT current_database() AS database`;
  return { database: String(row!.database), user: server!.user, password: server!.password, host: server!.host, port: server!.port, sslMode: "disable" };
}
