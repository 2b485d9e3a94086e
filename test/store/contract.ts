/**
 * The store contract: every adapter must pass these, with the same results.
 * sqlite.test.ts and postgres.test.ts call `storeContract` with a factory
 * that makes a fresh, empty database.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseDomain, type DomainName } from "../../src/net/domain.ts";
import { migrations } from "../../src/store/migrations.ts";
import type { Row, Store, Value } from "../../src/store/types.ts";
import { peerSources } from "../../src/peers/sources.ts";

export interface StoreHarness {
  readonly store: Store;
  /** Runs standard SQL with `?` placeholders on the same database through the store's own connection. */
  readonly query: (text: string, params?: readonly Value[]) => Promise<Row[]>;
  /** A second, independent store on the same database (another process, in effect). */
  readonly another: () => Promise<Store>;
}

const domain = (name: string): DomainName => {
  const parsed = parseDomain(name);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
};

export function storeContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`${name} store contract`, () => {
    const open: Store[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });
    const harness = async () => {
      const h = await makeHarness();
      open.push(h.store);
      return h;
    };

    it("migrates a fresh database to the newest version, then finds nothing to do", async () => {
      const { store } = await harness();
      const newest = migrations[store.dialect].at(-1)!.version;
      expect(await store.migrate()).toEqual({ applied: migrations[store.dialect].map(({ version, name }) => ({ version, name })), version: newest });
      expect(await store.migrate()).toEqual({ applied: [], version: newest });
    });

    it("applies each migration once when several processes migrate at the same moment", async () => {
      const { store, another, query } = await harness();
      const others = await Promise.all([another(), another(), another()]);
      open.push(...others);
      const reports = await Promise.all([store, ...others].map((s) => s.migrate()));
      const appliedVersions = reports.flatMap((r) => r.applied.map((m) => m.version)).sort();
      expect(appliedVersions).toEqual(migrations[store.dialect].map((m) => m.version));
      expect(await query("SELECT version FROM schema_migrations ORDER BY version")).toEqual(migrations[store.dialect].map((m) => ({ version: m.version })));
    });

    it("seeds the tracked branches: main 4.6, releases 4.5/4.4/4.3, EOL 4.2/4.1/4.0", async () => {
      const { store, query } = await harness();
      await store.migrate();
      expect(await query("SELECT n_level, branch, status, latest FROM release_versions ORDER BY n_level")).toEqual([
        { n_level: -1, branch: "4.6", status: "main", latest: "4.6.0-alpha.4" },
        { n_level: 0, branch: "4.5", status: "release", latest: "4.5.6" },
        { n_level: 1, branch: "4.4", status: "release", latest: "4.4.13" },
        { n_level: 2, branch: "4.3", status: "release", latest: "4.3.19" },
        { n_level: 3, branch: "4.2", status: "eol", latest: "4.2.29" },
        { n_level: 4, branch: "4.1", status: "eol", latest: "4.1.22" },
        { n_level: 5, branch: "4.0", status: "eol", latest: "4.0.15" },
      ]);
    });

    it("seeds 26 nightly ranges in order, without the upstream 2029 typo", async () => {
      const { store, query } = await harness();
      await store.migrate();
      const rows = await query("SELECT version, start_date, end_date, is_security FROM nightly_versions ORDER BY start_date, version");
      expect(rows).toHaveLength(26);
      expect(rows[0]).toEqual({ version: "4.3.0-alpha.0", start_date: "2023-09-28", end_date: "2024-01-29", is_security: false });
      expect(rows.find((r) => r.version === "4.5.0-alpha.1")).toMatchObject({ start_date: "2025-07-03", end_date: "2025-08-05" });
      expect(rows.at(-1)).toEqual({ version: "4.6.0-alpha.3", start_date: "2026-01-21", end_date: "2099-12-31", is_security: false });
      // Each range starts no earlier than the previous one ends: a nightly date maps to one version.
      for (let i = 1; i < rows.length; i++) expect(String(rows[i]!.start_date) >= String(rows[i - 1]!.end_date)).toBe(true);
    });

    it("loads the version context: the main branch and the nightly ranges, newest first", async () => {
      const { store } = await harness();
      await store.migrate();
      const context = await store.versionContext();
      expect(context.mainBranch).toEqual({ major: 4, minor: 6 });
      expect(context.nightly).toHaveLength(26);
      expect(context.nightly[0]).toEqual({ version: "4.6.0-alpha.3", start: "2026-01-21", end: "2099-12-31", isSecurity: false });
    });

    it("never overwrites operator changes when the seed runs again", async () => {
      const { store, query } = await harness();
      await store.migrate();
      await query("UPDATE release_versions SET latest = '4.5.9' WHERE n_level = 0");
      await query(migrations[store.dialect].find((m) => m.name === "seed_versions")!.sql.replace(/--.*$/gm, "").split(";")[0]!);
      expect(await query("SELECT latest FROM release_versions WHERE n_level = 0")).toEqual([{ latest: "4.5.9" }]);
    });

    it.each([
      ["an upper-case domain", "INSERT INTO raw_domains (domain) VALUES ('Mas.To')"],
      ["an unknown terminal class", "INSERT INTO raw_domains (domain, terminal_type) VALUES ('a.example', 'BOGUS')"],
      ["a negative error count", "INSERT INTO raw_domains (domain, error_count) VALUES ('a.example', -1)"],
      ["negative monthly users", "INSERT INTO mastodon_domains (domain, active_users_monthly) VALUES ('a.example', -5)"],
      ["a second main branch", "INSERT INTO release_versions (n_level, branch, status, latest) VALUES (9, '4.7', 'main', '4.7.0')"],
      ["a release at the main level", "UPDATE release_versions SET status = 'release' WHERE n_level = -1"],
      ["a nightly range that ends before it starts", "INSERT INTO nightly_versions (version, start_date, end_date) VALUES ('9.9.9-alpha.1', '2026-02-02', '2026-01-01')"],
      ["a DNI force other than soft or hard", "INSERT INTO dni (domain, force) VALUES ('a.example', 'medium')"],
    ])("refuses %s", async (_what, statement) => {
      const { store, query } = await harness();
      await store.migrate();
      await expect(query(statement)).rejects.toThrow();
    });

    it("describes an unknown domain as empty", async () => {
      const { store } = await harness();
      await store.migrate();
      expect(await store.describeDomain(domain("nobody.example"))).toEqual({ domain: domain("nobody.example"), raw: [], mastodon: [], dni: [], lastError: null });
    });

    it("describes a domain with the same values and types in every dialect", async () => {
      const { store, query } = await harness();
      await store.migrate();
      await query(
        "INSERT INTO raw_domains (domain, first_seen, last_crawled_at, last_response_time, error_count, peers) VALUES ('mas.to', '2026-11-01T00:00:00.000Z', '2026-11-22T10:00:00.500Z', 1.25, 0, FALSE)",
      );
      await query("INSERT INTO mastodon_domains (domain, software_version, full_version, active_users_monthly, nodeinfo, timestamp) VALUES (?, ?, ?, ?, ?, ?)", [
        "mas.to",
        "4.5.6",
        "4.5.6+glitch",
        12345,
        "mastodon",
        "2026-11-22T10:00:00.500Z",
      ]);
      await query("INSERT INTO dni (domain, comment, force, timestamp) VALUES ('to', 'whole tld', 'soft', '2026-01-01T00:00:00.000Z')");
      await query("INSERT INTO dni (domain, comment, force) VALUES ('las.to', 'not a parent of mas.to', 'hard')");
      await query("INSERT INTO error_log (timestamp, domain, error, worker, error_type, error_endpoint, error_reason) VALUES ('2026-11-20T00:00:00.000Z', 'mas.to', 'HTTP 503 on nodeinfo', 'node-a', 'HTTP5XX', 'nodeinfo', '503')");

      const report = await store.describeDomain(domain("MAS.TO"));
      expect(report.raw).toEqual([
        {
          domain: "mas.to",
          first_seen: "2026-11-01T00:00:00.000Z",
          last_crawled_at: "2026-11-22T10:00:00.500Z",
          next_crawl_at: null,
          last_response_time: 1.25,
          error_type: null,
          error_endpoint: null,
          error_reason: null,
          error_count: 0,
          terminal_type: null,
          nodeinfo: null,
          alias_of: null,
          peers: false,
          claimed_by: null,
          claimed_until: null,
        },
      ]);
      expect(report.mastodon).toEqual([
        { domain: "mas.to", software_version: "4.5.6", full_version: "4.5.6+glitch", active_users_monthly: 12345, nodeinfo: "mastodon", timestamp: "2026-11-22T10:00:00.500Z" },
      ]);
      expect(report.dni).toEqual([{ domain: "to", comment: "whole tld", force: "soft", timestamp: "2026-01-01T00:00:00.000Z" }]);
      expect(report.lastError).toEqual({
        event: 1,
        timestamp: "2026-11-20T00:00:00.000Z",
        domain: "mas.to",
        error: "HTTP 503 on nodeinfo",
        worker: "node-a",
        error_type: "HTTP5XX",
        error_endpoint: "nodeinfo",
        error_reason: "503",
      });
    });

    it("finds a domain stored in Unicode when asked in punycode, and both rows when both spellings are stored", async () => {
      const { store, query } = await harness();
      await store.migrate();
      await query("INSERT INTO raw_domains (domain) VALUES ('🍕.ws')");
      expect((await store.describeDomain(domain("xn--vi8h.ws"))).raw.map((r) => r.domain)).toEqual(["🍕.ws"]);
      await query("INSERT INTO raw_domains (domain) VALUES ('xn--vi8h.ws')");
      expect((await store.describeDomain(domain("🍕.ws"))).raw.map((r) => r.domain).sort()).toEqual(["xn--vi8h.ws", "🍕.ws"].sort());
    });

    it("picks fetch's source servers: largest first past an offset, at random, above the user floor, never one that refused", async () => {
      const { store, query } = await harness();
      await store.migrate();
      const options = { minActive: 100, seed: "seed.example" };
      // No Mastodon server known: the seed starts the graph.
      expect(await peerSources(query, { kind: "top", limit: 10, offset: 0 }, options)).toEqual({ domains: ["seed.example"], bootstrap: true });
      const servers: [string, number][] = [["big.example", 5000], ["mid.example", 900], ["refused.example", 800], ["small.example", 150], ["tiny.example", 100], ["tie-a.example", 150]];
      for (const [name, mau] of servers) await query("INSERT INTO mastodon_domains (domain, active_users_monthly) VALUES (?, ?)", [name, mau]);
      await query("INSERT INTO raw_domains (domain, peers) VALUES (?, FALSE), (?, TRUE)", ["refused.example", "mid.example"]);
      const top = (limit: number, offset: number) => peerSources(query, { kind: "top", limit, offset }, options);
      expect(await top(10, 0)).toEqual({ domains: ["big.example", "mid.example", "small.example", "tie-a.example"], bootstrap: false });
      expect((await top(2, 1)).domains).toEqual(["mid.example", "small.example"]);
      // Past the end: servers are known, so no bootstrap either.
      expect(await top(5, 10)).toEqual({ domains: [], bootstrap: false });
      const random = await peerSources(query, { kind: "random", limit: 3 }, options);
      expect(random.domains).toHaveLength(3);
      expect(new Set(random.domains).size).toBe(3);
      for (const d of random.domains) expect(["big.example", "mid.example", "small.example", "tie-a.example"]).toContain(d);
      // --target asks that server regardless of users or an earlier refusal.
      expect((await peerSources(query, { kind: "target", domain: domain("refused.example") }, options)).domains).toEqual(["refused.example"]);
    });

    it("treats LIKE and quote characters in a looked-up name as data, not SQL", async () => {
      const { store, query } = await harness();
      await store.migrate();
      await query("INSERT INTO raw_domains (domain) VALUES ('a_b.example')");
      const report = await store.describeDomain({ name: "a%b.example' OR '1'='1", ascii: "a%b.example' OR '1'='1", unicode: "x" });
      expect(report.raw).toEqual([]);
    });
  });
}
