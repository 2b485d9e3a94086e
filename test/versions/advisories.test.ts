/**
 * Security advisories: the affected range derived from what GitHub publishes (table-driven,
 * boundaries included), imported page by page from a local server that answers like GitHub,
 * kept with a person's override across refreshes, and measured against published servers in
 * both dialects.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import type { HttpClient } from "../../src/net/http.ts";
import { createHttpClient } from "../../src/net/index.ts";
import { PostgresStore } from "../../src/store/postgres.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { loadSnapshot } from "../../src/serve/data.ts";
import { advisoryImpact, affects, deriveAffected, importAdvisories } from "../../src/versions/advisories.ts";
import { githubOverHttp } from "../../src/versions/github.ts";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import { freshDatabase } from "../support/postgres.ts";

const v = (range: string, patched = "") => ({ range, patched });

describe("deriveAffected", () => {
  it.each([
    [[v("< 4.5.10, < 4.4.18, < 4.3.24", "4.5.10, 4.4.18, 4.3.24")], ">=4.5.0-0 <4.5.10 || >=4.4.0-0 <4.4.18 || <4.3.24", "ok"],
    [[v(">= 4.3.0, < 4.3.8", "4.3.8")], ">=4.3.0 <4.3.8", "ok"],
    [[v(">= 4.3.0, < 4.3.8"), v(">= 4.2.0, < 4.2.11")], ">=4.3.0 <4.3.8 || >=4.2.0 <4.2.11", "ok"],
    [[v("all", "3.5.17, 4.0.13, 4.1.13, 4.2.5")], "<3.5.17 || >=4.0.0-0 <4.0.13 || >=4.1.0-0 <4.1.13 || >=4.2.0-0 <4.2.5", "ok"],
    [[v("all versions")], "*", "ok"],
    [[v("4.1.x")], ">=4.1.0-0 <4.2.0-0", "ok"],
    [[v("4.0.0 - 4.0.5")], ">=4.0.0 <=4.0.5", "ok"],
    [[v("= 4.1.0"), v("v4.1.1")], "4.1.0 || 4.1.1", "ok"],
    [[v("<= 4.2.1, all main")], "<=4.2.1", "needs_review"], // "all main" is not understood: dropped, and said so
    [[v("< 4.2.1, every main build")], "<4.2.1", "needs_review"],
    [[v("all main")], "", "needs_review"],
    [[v("")], "", "needs_review"],
  ])("%j → %s (%s)", (vulnerabilities, spec, status) => {
    expect(deriveAffected(vulnerabilities)).toEqual({ spec, status });
  });

  it.each([
    ["4.4.17", true],
    ["4.4.18", false],
    ["4.5.0-rc.1", true], // pre-releases of an affected branch count
    ["4.5.9", true],
    ["4.5.10", false],
    ["4.3.1", true],
    ["3.5.0", true], // below the oldest fixed branch: presumed affected
    ["4.10.0", false], // 4.10 is not 4.1
    ["4.6.0-alpha.4", false],
    ["not.a.version", false],
  ])("< 4.5.10, < 4.4.18, < 4.3.24 affects %s: %s", (version, affected) => {
    expect(affects(">=4.5.0-0 <4.5.10 || >=4.4.0-0 <4.4.18 || <4.3.24", version)).toBe(affected);
  });
});

const API = "https://api.github.fedisim.test";
const LIST = "/repos/mastodon/mastodon/security-advisories?per_page=100";
const advisory = (id: string, range: string, patched: string, published: string) => ({
  ghsa_id: id,
  cve_id: `CVE-${id}`,
  summary: `Advisory ${id}`,
  severity: "high",
  html_url: `https://github.com/mastodon/mastodon/security/advisories/${id}`,
  published_at: published,
  vulnerabilities: [{ package: { ecosystem: "", name: "mastodon" }, vulnerable_version_range: range, patched_versions: patched }],
});
const server = inject("postgres");
const NOW = new Date("2026-11-23T12:00:00.000Z");
let sim: Fedisim;
let http: HttpClient;

beforeAll(async () => {
  sim = await startFedisim(generateScenario({ domains: 4, seed: 5 }), {
    files: {
      "api.github.fedisim.test": {
        [LIST]: {
          body: JSON.stringify([advisory("GHSA-new", "< 4.5.10, < 4.4.18, < 4.3.24", "4.5.10, 4.4.18, 4.3.24", "2026-11-01T00:00:00Z"), advisory("GHSA-odd", "all main", "", "2026-10-01T00:00:00Z")]),
          headers: { link: `<${API}${LIST}&page=2>; rel="next"` },
        },
        [`${LIST}&page=2`]: { body: JSON.stringify([advisory("GHSA-old", ">= 4.2.0, < 4.2.11", "4.2.11", "2024-01-01T00:00:00Z")]) },
      },
    },
  });
  const { config } = loadConfig({ env: { HOME: sim.dir, ...sim.crawlerEnv }, cwd: sim.dir });
  http = createHttpClient(config);
});

afterAll(async () => {
  await http?.close();
  await sim?.close();
});

const dialects: [string, () => Promise<SqliteStore | PostgresStore>][] = [
  ["sqlite", async () => new SqliteStore(join(mkdtempSync(join(tmpdir(), "vmcrawl-advisories-")), "vmcrawl.db"), { cacheDir: tmpdir() })],
  ["postgres", async () => new PostgresStore(await freshDatabase(server!, "advisories"))],
];

describe.each(dialects)("advisories in %s", (name, openStore) => {
  it.skipIf(name === "postgres" && server === null)("imports every page, keeps an override across refreshes, and counts affected servers and users", async () => {
    const store = await openStore();
    try {
      await store.migrate();
      const recent = new Date(NOW.getTime() - 86_400_000).toISOString();
      const servers: [string, string | null, number | null, string][] = [
        ["a.example", "4.5.9", 1000, recent], // GHSA-new
        ["b.example", "4.5.10", 500, recent], // fixed
        ["c.example", "4.4.17", 200, recent], // GHSA-new
        ["d.example", "4.2.10", 50, recent], // GHSA-new (oldest open below) and GHSA-old
        ["e.example", null, 5, recent],
        ["f.example", "4.4.1", 7000, "2026-11-01T00:00:00.000Z"], // not heard from in 3 days: not counted
      ];
      for (const [domain, version, mau, at] of servers) {
        await store.query("INSERT INTO mastodon_domains (domain, software_version, active_users_monthly, timestamp) VALUES (?, ?, ?, ?)", [domain, version, mau, at]);
      }
      const github = githubOverHttp(http, { apiUrl: API });
      expect(await importAdvisories(store, github, NOW)).toEqual({ imported: 3, needsReview: ["GHSA-odd"] });
      const counted = async () => (await loadSnapshot(store.query, NOW)).all;
      const impact = await advisoryImpact(store.query, await counted());
      expect(impact.instances).toBe(5);
      expect(impact.mau).toBe(1755);
      expect(impact.advisories.map((a) => [a.ghsaId, a.status, a.instances, a.mau])).toEqual([
        ["GHSA-new", "ok", 3, 1250],
        ["GHSA-odd", "needs_review", 0, 0],
        ["GHSA-old", "ok", 1, 50],
      ]);
      expect(impact.advisories[0]).toMatchObject({ cveId: "CVE-GHSA-new", severity: "high", spec: ">=4.5.0-0 <4.5.10 || >=4.4.0-0 <4.4.18 || <4.3.24" });
      // A person fixes the unsure one; a refresh keeps that.
      await store.query("UPDATE security_advisories SET override_spec = ? WHERE ghsa_id = ?", [">=4.5.0-0 <4.5.10", "GHSA-odd"]);
      await importAdvisories(store, github, new Date(NOW.getTime() + 3_600_000));
      const again = await advisoryImpact(store.query, await counted());
      expect(again.advisories.find((a) => a.ghsaId === "GHSA-odd")).toMatchObject({ status: "overridden", spec: ">=4.5.0-0 <4.5.10", instances: 1, mau: 1000 });
      expect((await store.query("SELECT count(*) AS n FROM security_advisories", []))[0]?.n).toBe(3);
    } finally {
      await store.close();
    }
  });
});
