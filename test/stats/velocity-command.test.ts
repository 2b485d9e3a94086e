/**
 * `vmcrawl stats velocity` over a store holding recorded per-version counts and release days:
 * the text, the CSV, and the `--json` fields, which are a contract for scripts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { securityReleases } from "../../src/stats/velocity-report.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { cli, tempHome } from "../support/cli.ts";

let home: string;

beforeAll(async () => {
  home = tempHome();
  const store = new SqliteStore(join(home, ".local/share/vmcrawl/vmcrawl.db"), { cacheDir: join(home, ".cache") });
  await store.migrate();
  await store.query("INSERT INTO releases (version, published_on) VALUES ('4.5.2', '2025-12-01'), ('4.5.3', '2026-01-01'), ('4.4.14', '2026-01-01'), ('4.6.0-alpha.5', '2026-01-02')", []);
  // 4.5: 10 servers moving to 4.5.3 over four recorded days (day 4 not recorded); 4.4: half way to 4.4.14.
  const counts: [string, string, number, number][] = [
    ["2026-01-01", "4.5.2", 10, 100],
    ["2026-01-02", "4.5.2", 7, 70],
    ["2026-01-02", "4.5.3", 3, 90],
    ["2026-01-03", "4.5.2", 4, 40],
    ["2026-01-03", "4.5.3", 6, 60],
    ["2026-01-05", "4.5.2", 1, 10],
    ["2026-01-05", "4.5.3", 9, 90],
    ["2026-01-05", "4.4.13", 2, 20],
    ["2026-01-05", "4.4.14", 2, 20],
  ];
  for (const [date, version, servers, users] of counts) {
    await store.query("INSERT INTO version_statistics (date, version, branch, instances, mau) VALUES (?, ?, ?, ?, ?)", [date, version, version.split(".").slice(0, 2).join("."), servers, users]);
  }
  await store.query("INSERT INTO security_advisories (ghsa_id, summary, published_at, vulnerable_range, patched_versions, affected_spec, parse_status, updated_at) VALUES ('GHSA-1', 'one', '2026-01-02T09:00:00Z', '< 4.5.3, < 4.4.14', '4.5.3, 4.4.14', '>=4.5.0-0 <4.5.3 || >=4.4.0-0 <4.4.14', 'ok', '2026-01-01T00:00:00Z')", []);
  await store.close();
});

describe("vmcrawl stats velocity", () => {
  it("--json: one object per release with the stable fields, its days to each threshold and its curve", async () => {
    const { code, stdout, stderr } = await cli(["stats", "velocity", "--release", "4.5.3", "--json"], { home });
    expect(code, stderr).toBe(0);
    const [release, ...rest] = JSON.parse(stdout);
    expect(rest).toEqual([]);
    expect(Object.keys(release)).toEqual(["release", "branch", "security", "publishedOn", "partial", "daysTo", "latest", "points"]);
    expect(release).toMatchObject({ release: "4.5.3", branch: "4.5", security: true, publishedOn: "2026-01-01", partial: false });
    expect(release.daysTo.servers).toEqual({ "25": { days: 1, atMost: false }, "50": { days: 2, atMost: false }, "75": { days: 4, atMost: false }, "90": { days: 4, atMost: false } });
    expect(release.daysTo.users).toEqual({ "25": { days: 1, atMost: false }, "50": { days: 1, atMost: false }, "75": { days: 4, atMost: false }, "90": { days: 4, atMost: false } });
    expect(release.latest).toEqual({ date: "2026-01-05", serverShare: 0.9, userShare: 0.9 });
    expect(Object.keys(release.points[0])).toEqual(["date", "days", "servers", "users", "serverShare", "userShare"]);
    expect(release.points.map((p: { days: number }) => p.days)).toEqual([0, 1, 2, 4]);
  });

  it("prints the fields the README's example documents, no more and no fewer", async () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Patch velocity"));
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]!)[0];
    const [actual] = JSON.parse((await cli(["stats", "velocity", "--release", "4.5.3", "--json"], { home })).stdout);
    /** The shape of a value: its keys, all the way down (arrays by their first item). */
    const shape = (v: unknown): unknown =>
      Array.isArray(v) ? [shape(v[0])] : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : typeof v;
    // The example's "90": null is a threshold not reached; the shape of a reached one is the other thresholds'.
    expect(Object.keys(example)).toEqual(Object.keys(actual));
    expect(shape(example.points)).toEqual(shape(actual.points));
    expect(shape(example.latest)).toEqual(shape(actual.latest));
    expect(Object.keys(example.daysTo.servers)).toEqual(Object.keys(actual.daysTo.servers));
    expect(shape(example.daysTo.servers["50"])).toEqual(shape(actual.daysTo.servers["50"]));
  });

  it("shows the newest releases of each supported branch by default, one line each, with 'not yet' and today's share", async () => {
    const { code, stdout } = await cli(["stats", "velocity"], { home });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}4\.5\.3 +\(4\.5, published 2026-01-01\) +50%: 2 days +90%: 4 days +\S+ {2}security release$/m);
    // Published before recording began: partial.
    expect(stdout).toMatch(/^ {2}4\.5\.2 .*\(recording began after it was published\)$/m);
    expect(stdout).toMatch(/^ {2}4\.4\.14 +\(4\.4, published 2026-01-01\) +50%: 4 days +90%: not yet \(now 50%\)/m);
    // Pre-releases are not releases here.
    expect(stdout).not.toContain("4.6.0-alpha.5");
    // Each advisory's exposure since its publication: 7, 4, then 1 + 2 servers (4.5.2, and 4.4.13) over the recorded days.
    expect(stdout).toMatch(/^ {2}GHSA-1 +published 2026-01-02: 3 servers and 30 users exposed on 2026-01-05, 14 server-days$/m);
  });

  it("--csv: one row per release and recorded day, the share empty on a day the branch had no server", async () => {
    const { stdout } = await cli(["stats", "velocity", "--branch", "4.4", "--csv"], { home });
    expect(stdout).toBe(
      [
        "release,branch,published_on,partial,date,days,servers,users,server_share,user_share",
        "4.4.14,4.4,2026-01-01,false,2026-01-01,0,0,0,,",
        "4.4.14,4.4,2026-01-01,false,2026-01-02,1,0,0,,",
        "4.4.14,4.4,2026-01-01,false,2026-01-03,2,0,0,,",
        "4.4.14,4.4,2026-01-01,false,2026-01-05,4,2,20,0.5,0.5",
        "",
      ].join("\n"),
    );
  });

  it.each([
    [["--branch", "four"], /--branch "four" is not valid: expected major\.minor, such as 4\.5/],
    [["--release", "latest"], /--release "latest" is not valid: expected a version such as 4\.5\.3/],
    [["--branch", "4.5", "--release", "4.5.3"], /--release "4\.5\.3" is not valid: expected no branch beside it: branch and release each choose the releases/],
    [["--json", "--csv"], /--json and --csv each choose the output; use one/],
  ])("refuses %j (exit 2)", async (args, message) => {
    const { code, stderr } = await cli(["stats", "velocity", ...args], { home });
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it.each([
    [["4.5.3, 4.4.14"], ["4.5.3", "4.4.14"]],
    [[">= 4.3.5", "4.2.12 | 4.1.20"], ["4.3.5", "4.2.12", "4.1.20"]],
    [["", "none", "4.5", "v4.5.3"], []],
  ])("reads the security releases out of advisories' patched versions %j", (texts, versions) => {
    expect([...securityReleases(texts)]).toEqual(versions);
  });

  it("says what to do when nothing is recorded yet", async () => {
    const { code, stdout } = await cli(["stats", "velocity"], { home: tempHome() });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^No release to show in .*: vmcrawl manage versions update reads the releases/);
  });
});

describe("vmcrawl stats exposure", () => {
  // GHSA-1 (published 2026-01-02) affects 4.5.2 and 4.4.13: 7, 4, then 1 + 2 servers on the days recorded since.
  const expected = [
    { date: "2026-01-02", days: 0, servers: 7, users: 70 },
    { date: "2026-01-03", days: 1, servers: 4, users: 40 },
    { date: "2026-01-05", days: 3, servers: 3, users: 30 },
  ];

  it("--json: one object per advisory with its days since publication and the server-days, as the API gives", async () => {
    const { code, stdout, stderr } = await cli(["stats", "exposure", "--json"], { home });
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      { ghsaId: "GHSA-1", cveId: null, spec: ">=4.5.0-0 <4.5.3 || >=4.4.0-0 <4.4.14", publishedOn: "2026-01-02", partial: false, points: expected, serverDays: 14 },
    ]);
  });

  it("text: a line per advisory; --csv: a row per advisory and recorded day", async () => {
    expect((await cli(["stats", "exposure"], { home })).stdout).toMatch(/^ {2}GHSA-1 +published 2026-01-02: 3 servers and 30 users exposed on 2026-01-05, 14 server-days$/m);
    expect((await cli(["stats", "exposure", "--csv"], { home })).stdout).toBe(
      ["ghsa_id,cve_id,published_on,partial,date,days,servers,users", ...expected.map((p) => `GHSA-1,,2026-01-02,false,${p.date},${p.days},${p.servers},${p.users}`), ""].join("\n"),
    );
  });

  it("says what to do with no advisory imported, and refuses --json with --csv (exit 2)", async () => {
    const empty = await cli(["stats", "exposure"], { home: tempHome() });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/^No advisory to show in .*: vmcrawl manage versions advisories imports them/);
    const both = await cli(["stats", "exposure", "--json", "--csv"], { home });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--json and --csv each choose the output; use one/);
  });
});
