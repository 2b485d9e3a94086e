/**
 * `vmcrawl stats` as a user runs it (in process, a real SQLite file): the latest day's
 * figures per branch with patched shares, the history with invalid days flagged, and the
 * same data as JSON and CSV.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { recordSqliteStatistics } from "../../src/stats/sqlite.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { cli, tempHome } from "../support/cli.ts";

let home: string;
const today = new Date();
const dateOf = (daysAgo: number) => new Date(today.getTime() - daysAgo * 86_400_000);

beforeAll(async () => {
  home = tempHome();
  const store = new SqliteStore(join(home, ".local/share/vmcrawl/vmcrawl.db"), { cacheDir: join(home, ".cache") });
  try {
    await store.migrate();
    const servers: [string, string, number][] = [
      ["a.example", "4.5.6", 1000], // latest, patched
      ["b.example", "4.5.2", 300], // latest, not patched
      ["c.example", "4.4.13", 200], // previous, patched
      ["d.example", "4.2.29", 100], // EOL
      ["e.example", "4.6.0-alpha.4", 50], // main, patched
    ];
    for (const [domain, version, mau] of servers) {
      await store.query("INSERT INTO mastodon_domains (domain, software_version, active_users_monthly, timestamp) VALUES (?, ?, ?, ?)", [domain, version, mau, dateOf(0).toISOString()]);
    }
    // Two days ago, yesterday (marked invalid by a person), today.
    recordSqliteStatistics(store.crawl, dateOf(2), 50);
    recordSqliteStatistics(store.crawl, dateOf(1), 50);
    await store.query("UPDATE statistics SET invalid = TRUE, invalid_reason = ? WHERE date = ?", ['half the fleet was down, "oops"', dateOf(1).toISOString().slice(0, 10)]);
    recordSqliteStatistics(store.crawl, dateOf(0), 50);
    await store.query(
      `INSERT INTO security_advisories (ghsa_id, cve_id, summary, severity, vulnerable_range, patched_versions, affected_spec, parse_status, updated_at)
       VALUES ('GHSA-aaaa-bbbb-cccc', 'CVE-2026-0001', 'Remote takeover via crafted posts', 'critical', '< 4.5.7', '4.5.7', '>=4.5.0-0 <4.5.7', 'ok', ?)`,
      [dateOf(0).toISOString()],
    );
  } finally {
    await store.close();
  }
});

describe("vmcrawl stats", () => {
  it("prints the latest day per branch with patched shares, then the history", async () => {
    const { code, stdout, stderr } = await cli(["stats"], { home });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(`Mastodon on ${dateOf(0).toISOString().slice(0, 10)}`);
    expect(stdout).toContain("5 servers, 1,650 monthly active users, 5 versions");
    expect(stdout).toContain("on a patched release: 3 servers (60.0%), 1,250 users (75.8%)");
    expect(stdout).toContain("on an end-of-life branch: 1 server (20.0%), 100 users (6.1%)");
    expect(stdout).toMatch(/ {2}latest 4\.5 +2 +1 \(50\.0%\) +1,300 +1,000 \(76\.9%\)\n/);
    expect(stdout).toMatch(/ {2}previous 4\.4 +1 +1 \(100\.0%\) +200 +200 \(100\.0%\)\n/);
    expect(stdout).toMatch(/ {2}deprecated 4\.3 +0 +0 \(–\) +0 +0 \(–\)\n/);
    expect(stdout).toMatch(/ {2}eol 4\.2, 4\.1, 4\.0 +1 +100\n/);
    const history = stdout.slice(stdout.indexOf("History, last 14 days:"), stdout.indexOf("\n\nSecurity advisories"));
    expect(history.trim().split("\n")).toHaveLength(2 + 3);
    expect(history).toContain(`${dateOf(1).toISOString().slice(0, 10)}         5        1,650            60.0%          75.8%        20.0%  invalid: half the fleet was down, "oops"`);
  });

  it("says how many servers and users each security advisory reaches", async () => {
    const { stdout } = await cli(["stats"], { home });
    expect(stdout).toContain("Security advisories (servers that answered within 3 days: 5, 1,650 users):");
    expect(stdout).toContain("  GHSA-aaaa-bbbb-cccc, CVE-2026-0001, critical: 2 servers (40.0%), 1,300 users (78.8%) affected\n    Remote takeover via crafted posts");
  });

  it("keeps to --days", async () => {
    const { stdout } = await cli(["stats", "--days", "1"], { home });
    expect(stdout.slice(stdout.indexOf("History"), stdout.indexOf("\n\nSecurity advisories")).trim().split("\n")).toHaveLength(2 + 1);
  });

  it("gives the same data as JSON", async () => {
    const { code, stdout } = await cli(["stats", "--json"], { home });
    expect(code).toBe(0);
    const data = JSON.parse(stdout) as { branches: unknown[]; latest: Record<string, unknown>; history: Record<string, unknown>[] };
    expect(data.branches).toHaveLength(7);
    expect(data.history).toHaveLength(3);
    expect(data.latest).toMatchObject({ date: dateOf(0).toISOString().slice(0, 10), instances: 5, mau: 1650, patched_instances: 3, latest_patched_mau: 1000, invalid: false });
    expect(data.history[1]).toMatchObject({ invalid: true, invalid_reason: 'half the fleet was down, "oops"' });
    expect((data as unknown as { advisories: { advisories: unknown[] } }).advisories.advisories).toEqual([
      expect.objectContaining({ ghsaId: "GHSA-aaaa-bbbb-cccc", instances: 2, mau: 1300, status: "ok" }),
    ]);
  });

  it("gives every counter of every day as CSV, quoting what needs it", async () => {
    const { stdout } = await cli(["stats", "--csv"], { home });
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    const header = lines[0]!.split(",");
    expect(header.slice(0, 2)).toEqual(["date", "updated_at"]);
    expect(header).toContain("latest_patched_instances");
    expect(lines[2]).toContain(`,true,"half the fleet was down, ""oops""",`);
  });

  it("says when nothing is recorded yet", async () => {
    const { code, stdout } = await cli(["stats"], { home: tempHome() });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^No statistics recorded in the last 14 days in embedded SQLite at .*: a crawl records them when it ends, the daemon every hour\.\n$/);
  });
});
