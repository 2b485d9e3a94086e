/**
 * Every `vmcrawl manage` subcommand as a script runs it (the CLI in process, real stores),
 * on SQLite and on a real PostgreSQL (fleet mode: the system of record), each with bad input
 * refused (a clear message, exit 2) and the database left as it was. Outside sources (the
 * IFTAS DNI list, GitHub, IANA) are a local HTTPS server answering in their real shapes.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PostgresStore } from "../../src/store/postgres.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import type { Store } from "../../src/store/types.ts";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import { cli, tempHome } from "../support/cli.ts";
import { fleetVariables, freshDatabase } from "../support/postgres.ts";
import { IFTAS_CSV } from "./iftas-fixture.ts";

const server = inject("postgres");
let sim: Fedisim;

beforeAll(async () => {
  sim = await startFedisim(generateScenario({ domains: 4, seed: 5 }), {
    files: {
      "dni.fedisim.test": { "/iftas-dni-latest.csv": IFTAS_CSV, "/broken.csv": '#domain,#severity\r\n"open.example,suspend\r\n', "/other.csv": "domain,severity\r\nx.example,suspend\r\n" },
      "tlds.fedisim.test": { "/tlds.txt": "# Version 1\nCOM\nSOCIAL\nEXAMPLE\n" },
      "api.github.fedisim.test": {
        "/repos/mastodon/mastodon/releases?per_page=100": JSON.stringify([{ tag_name: "v4.5.7" }, { tag_name: "v4.4.14" }]),
        "/repos/mastodon/mastodon/contents/lib/mastodon/version.rb": "def major\n  4\nend\ndef minor\n  6\nend\ndef patch\n  0\nend\ndef default_prerelease\n  'alpha.5'\nend\n",
        "/repos/mastodon/mastodon/security-advisories?per_page=100": JSON.stringify([
          { ghsa_id: "GHSA-1111", summary: "One", severity: "high", published_at: "2026-11-01T00:00:00Z", vulnerabilities: [{ vulnerable_version_range: "< 4.5.7", patched_versions: "4.5.7" }] },
        ]),
      },
    },
  });
});

afterAll(async () => {
  await sim?.close();
});

interface Harness {
  run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  store(): Promise<Store>;
}

const dialects: [string, () => Promise<Harness>][] = [
  [
    "sqlite",
    async () => {
      const home = tempHome();
      const env = { ...sim.crawlerEnv, VMCRAWL_DNI_URL: "https://dni.fedisim.test/iftas-dni-latest.csv", VMCRAWL_TLD_URL: "https://tlds.fedisim.test/tlds.txt", VMCRAWL_GITHUB_API_URL: "https://api.github.fedisim.test" };
      return {
        run: (argv) => cli(argv, { home, env }),
        store: async () => new SqliteStore(join(home, ".local/share/vmcrawl/vmcrawl.db"), { cacheDir: mkdtempSync(join(tmpdir(), "vmcrawl-cache-")) }),
      };
    },
  ],
  [
    "postgres",
    async () => {
      const home = tempHome();
      const pg = await freshDatabase(server!, "manage");
      const env = { ...sim.crawlerEnv, ...fleetVariables(pg, "manage-node"), VMCRAWL_DNI_URL: "https://dni.fedisim.test/iftas-dni-latest.csv", VMCRAWL_TLD_URL: "https://tlds.fedisim.test/tlds.txt", VMCRAWL_GITHUB_API_URL: "https://api.github.fedisim.test" };
      return { run: (argv) => cli(argv, { home, env }), store: async () => new PostgresStore(pg) };
    },
  ],
];

describe.each(dialects)("vmcrawl manage subcommands (%s)", (name, make) => {
  let h: Harness;
  let db: Store;
  const rows = (sql: string) => db.query(sql, []);
  const ok = async (argv: string[]) => {
    const r = await h.run(argv);
    expect(r.stderr, `${argv.join(" ")}: ${r.stderr}`).toBe("");
    expect(r.code).toBe(0);
    return r.stdout;
  };
  /** Refused with exit 2 and `message`; `snapshot` reads the same before and after. */
  const refused = async (argv: string[], message: RegExp, snapshot: string) => {
    const before = await rows(snapshot);
    const r = await h.run(argv);
    expect(r.code, `${argv.join(" ")}: ${r.stderr}`).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(await rows(snapshot)).toEqual(before);
  };
  const skip = name === "postgres" && server === null;

  beforeAll(async () => {
    if (skip) return;
    h = await make();
    await ok(["db", "migrate"]);
    db = await h.store();
  });
  afterAll(async () => {
    await db?.close();
  });

  it.skipIf(skip)("dni: import the IFTAS list as soft (new names only), list, count, add, change, remove", async () => {
    const imported = await ok(["manage", "dni", "import"]);
    expect(imported).toContain("Read 4 domains from https://dni.fedisim.test/iftas-dni-latest.csv: 4 new (soft), 0 already listed.");
    expect(imported).toMatch(/Skipped 2 rows that are not domains:\n {2}line 9: "not a domain": it contains whitespace\n {2}line 10: "192\.0\.2\.1": it is an IP address/);
    expect(await rows("SELECT domain, comment, force FROM dni ORDER BY domain")).toEqual([
      { domain: "bad.example", comment: "iftas-dni", force: "soft" },
      { domain: "quoted.example", comment: "iftas-dni", force: "soft" },
      { domain: "short-row.example", comment: "iftas-dni", force: "soft" },
      { domain: "worse.example", comment: "iftas-dni", force: "soft" },
    ]);
    await ok(["manage", "dni", "add", "bad.example", "--comment", "confirmed by hand", "--force", "hard"]);
    expect((await h.run(["manage", "dni", "import"])).stdout).toContain("0 new (soft), 4 already listed.");
    expect(await rows("SELECT force, comment FROM dni WHERE domain = 'bad.example'")).toEqual([{ force: "hard", comment: "confirmed by hand" }]);
    expect(await ok(["manage", "dni", "add", "Spam.Example", "--comment", "spam"])).toBe("Added spam.example (hard) on the DNI list.\n");
    expect(await ok(["manage", "dni", "count"])).toBe("5 DNI entries: 2 hard (never crawled), 3 soft (not shown in detailed listings).\n");
    expect(JSON.parse(await ok(["manage", "dni", "count", "--json"]))).toEqual({ total: 5, hard: 2, soft: 3 });
    expect(await ok(["manage", "dni", "list"])).toMatch(/^bad\.example +hard \d{4}-\d\d-\d\d {2}confirmed by hand\n/);
    expect((JSON.parse(await ok(["manage", "dni", "list", "--json"])) as unknown[]).length).toBe(5);
    expect(await ok(["manage", "dni", "remove", "spam.example"])).toBe("Removed spam.example from the DNI list.\n");
    expect(await ok(["manage", "dni", "remove", "spam.example"])).toBe("spam.example is not on the DNI list; nothing changed.\n");
  });

  it.skipIf(skip)("dni: refuses bad input and unusable lists, changing nothing", async () => {
    const dni = "SELECT * FROM dni ORDER BY domain";
    await refused(["manage", "dni", "add", "https://x.example", "--comment", "c"], /"https:\/\/x\.example" is not a domain name/, dni);
    await refused(["manage", "dni", "add", "x.example", "--comment", "  "], /a DNI entry needs a comment saying why/, dni);
    await refused(["manage", "dni", "add", "x.example", "--comment", "c", "--force", "medium"], /--force "medium" is not valid: expected hard or soft/, dni);
    await refused(["manage", "dni", "remove", "not a domain"], /is not a domain name/, dni);
    await refused(["manage", "dni", "import", "--url", "http://dni.fedisim.test/x.csv"], /--url "http:\/\/dni\.fedisim\.test\/x\.csv" is not an https:\/\/ URL/, dni);
    for (const [url, message] of [
      ["https://dni.fedisim.test/broken.csv", /the DNI list is not valid CSV: the row starting on line 2 has a quoted field that is never closed/],
      ["https://dni.fedisim.test/other.csv", /the DNI list has no #domain column/],
      ["https://dni.fedisim.test/missing.csv", /the DNI list at https:\/\/dni\.fedisim\.test\/missing\.csv answered HTTP 404/],
    ] as const) {
      const before = await rows(dni);
      const r = await h.run(["manage", "dni", "import", "--url", url]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(await rows(dni)).toEqual(before);
    }
  });

  it.skipIf(skip)("nightly: list, add (ending the open range), set-end; bad dates and versions refused", async () => {
    expect(await ok(["manage", "nightly", "add", "4.6.0-alpha.4", "--start", "2026-02-20"])).toBe("Added 4.6.0-alpha.4 from 2026-02-20.\nEnded 4.6.0-alpha.3 on the day before.\n");
    expect(await ok(["manage", "nightly", "list"])).toMatch(/^4\.6\.0-alpha\.4 +2026-02-20 to now\n4\.6\.0-alpha\.3 +2026-01-21 to 2026-02-19\n/);
    await ok(["manage", "nightly", "add", "4.6.0-alpha.4", "--start", "2026-03-02", "--security"]);
    expect(await ok(["manage", "nightly", "set-end", "4.6.0-alpha.4", "2026-04-01"])).toBe("4.6.0-alpha.4 now ends on 2026-04-01.\n");
    const nightly = "SELECT * FROM nightly_versions ORDER BY version, is_security";
    await refused(["manage", "nightly", "add", "4.6.0-alpha.5", "--start", "2026-02-31"], /start date "2026-02-31" is not a date/, nightly);
    await refused(["manage", "nightly", "add", "4.6.0-alpha.5", "--start", "2026-13-01"], /start date "2026-13-01" is not a date/, nightly);
    await refused(["manage", "nightly", "add", "4.6.1", "--start", "2026-05-01"], /"4\.6\.1" is not a pre-release version/, nightly);
    await refused(["manage", "nightly", "set-end", "4.6.0-alpha.4", "2020-01-01"], /the end date 2020-01-01 is before the range's start 2026-02-20/, nightly);
    await refused(["manage", "nightly", "add", "4.6.0-alpha.6", "--start", "2026-05-01", "--security", "--end", "2026-05-02"], /--security pins one date/, nightly);
  });

  it.skipIf(skip)("versions: show, update from GitHub, advisories, eol, reorder, promote; bad branches refused", async () => {
    expect(await ok(["manage", "versions", "show"])).toContain("  Branch: 4.5  Status: release  n_level: 0  Latest: 4.5.6");
    expect(await ok(["manage", "versions", "update"])).toBe(`Updated from the GitHub API at https://api.github.fedisim.test:\n  4.6: 4.6.0-alpha.4 → 4.6.0-alpha.5\n  4.5: 4.5.6 → 4.5.7\n  4.4: 4.4.13 → 4.4.14\n`);
    expect(await ok(["manage", "versions", "advisories"])).toBe("Read 1 advisories through the GitHub API at https://api.github.fedisim.test.\n");
    expect(await rows("SELECT ghsa_id, affected_spec FROM security_advisories")).toEqual([{ ghsa_id: "GHSA-1111", affected_spec: "<4.5.7" }]);
    const branches = "SELECT * FROM release_versions ORDER BY n_level";
    await refused(["manage", "versions", "eol", "4.9"], /branch 4\.9 is not a release branch/, branches);
    await refused(["manage", "versions", "reorder", "4.5,4.4"], /the new order must list each release branch \(4\.5, 4\.4, 4\.3\) once: missing 4\.3/, branches);
    await ok(["manage", "versions", "eol", "4.3"]);
    expect(await ok(["manage", "versions", "reorder", "4.4,4.5"])).toBe("Release branches in order: 4.4, 4.5.\n");
    expect(await ok(["manage", "versions", "promote"])).toBe("Promoted 4.6 to the latest release; 4.7 is the main branch now.\n");
    expect((JSON.parse(await ok(["manage", "versions", "show", "--json"])) as { branch: string; nLevel: number }[]).map((b) => `${b.nLevel}:${b.branch}`)).toEqual(["-1:4.7", "0:4.6", "1:4.4", "2:4.5", "3:4.3", "4:4.2", "5:4.1", "6:4.0"]);
  });

  it.skipIf(skip)("tld update, search, requeue, statistics days, pause and resume", async () => {
    expect(await ok(["manage", "tld", "update"])).toMatch(/^Stored 3 top-level domains from https:\/\/tlds\.fedisim\.test\/tlds\.txt in /);
    expect((await rows("SELECT tld FROM tld_cache ORDER BY tld")).map((r) => r.tld)).toEqual(["com", "example", "social"]);

    await db.query("INSERT INTO raw_domains (domain, next_crawl_at, error_type, error_count) VALUES ('a.example', '2030-01-01T00:00:00.000Z', 'DNS', 1), ('b.example', '2030-01-01T00:00:00.000Z', NULL, 0), ('c.example', '2030-01-01T00:00:00.000Z', NULL, 0)", []);
    await db.query("INSERT INTO mastodon_domains (domain, software_version, active_users_monthly, timestamp) VALUES ('b.example', '4.4.1', 5, '2026-11-23T00:00:00.000Z'), ('c.example', '4.6.0', 5, '2026-11-23T00:00:00.000Z')", []);
    expect(await ok(["manage", "search", "b.example"])).toMatch(/^b\.example in .*\n\nraw_domains\n/);
    expect(await ok(["manage", "requeue", "--error-class", "dns"])).toBe("Requeued 1 domain: a.example.\n");
    // After the promotion above 4.6 is the latest release at 4.6.0: c is patched, b (4.4.1 < 4.4.14) is not.
    expect(await ok(["manage", "requeue", "--group", "unpatched"])).toBe("Requeued 1 domain: b.example.\n");
    expect(await ok(["manage", "requeue", "c.example"])).toBe("Requeued 1 domain: c.example.\n");
    expect((await rows("SELECT domain FROM raw_domains WHERE next_crawl_at IS NULL ORDER BY domain")).map((r) => r.domain)).toEqual(["a.example", "b.example", "c.example"]);
    const raw = "SELECT domain, next_crawl_at FROM raw_domains ORDER BY domain";
    await refused(["manage", "requeue"], /name the domains, or give --group or --error-class: exactly one of them/, raw);
    await refused(["manage", "requeue", "--group", "stale"], /--group "stale" is not valid: expected unpatched, main, published/, raw);
    await refused(["manage", "requeue", "--error-class", "OOPS"], /"OOPS" is not an error class/, raw);
    await refused(["manage", "requeue", "c.example,not a domain"], /domain "not a domain" is not a domain name: it contains whitespace/, raw);
    await refused(["manage", "search", "https://b.example"], /domain "https:\/\/b\.example" is not a domain name/, raw);

    await db.query("INSERT INTO statistics (date, updated_at) VALUES ('2026-11-20', '2026-11-20T10:00:00.000Z')", []);
    expect(await ok(["manage", "stats", "invalid", "2026-11-20", "--reason", "DNS outage"])).toBe("Statistics of 2026-11-20 are marked invalid.\n");
    expect(await ok(["manage", "stats", "flagged"])).toBe("2026-11-20  DNS outage\n");
    const days = "SELECT date, invalid, invalid_reason FROM statistics ORDER BY date";
    await refused(["manage", "stats", "invalid", "2026-13-01"], /"2026-13-01" is not a date: expected YYYY-MM-DD/, days);
    await refused(["manage", "stats", "invalid", "2026-11-21"], /no statistics are recorded for 2026-11-21/, days);
    expect(await ok(["manage", "stats", "valid", "2026-11-20"])).toBe("Statistics of 2026-11-20 count again.\n");
    expect(await ok(["manage", "stats", "flagged"])).toBe("No day is marked invalid.\n");

    expect(await ok(["manage", "pause", "--reason", "upgrade"])).toMatch(/^Crawling is paused \(upgrade\), set by /);
    expect(await ok(["manage", "resume"])).toMatch(/^Crawling is running \(resumed by /);
  });
});

describe("vmcrawl manage without a terminal", () => {
  it("says which subcommands to use instead (exit 2)", async () => {
    const r = await cli(["manage"], { home: tempHome() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vmcrawl: the manage menu needs a terminal; in scripts use its subcommands: vmcrawl manage dni \(import, list, count, add, remove\), nightly/);
  });
});
