/**
 * The API on SQLite and on a real PostgreSQL over a generated population of 5,000 servers:
 * every figure equals an independent computation written here; DNI domains (soft and hard, at
 * label boundaries) are counted but never listed; the key, the request budget, the headers
 * and the 400s; the OpenAPI document matches the routes.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApi } from "../../src/serve/app.ts";
import { PostgresStore } from "../../src/store/postgres.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { atLeast, BRANCHES, expected, parse, population, type Server } from "../support/population.ts";
import { freshDatabase } from "../support/postgres.ts";

const server = inject("postgres");
const NOW = new Date("2026-11-23T12:00:00.000Z");
const servers = population(5000, NOW, 7);
const counted = servers.filter((s) => Date.parse(s.timestamp) >= NOW.getTime() - 3 * 86_400_000);
// s5 soft and s7 hard are hidden; "0.example" is not a parent of s10.example (label boundary).
const DNI = [["s5.example", "soft"], ["s7.example", "hard"], ["0.example", "hard"]] as const;
const hidden = new Set(["s5.example", "s7.example"]);
const FAILING = new Set(counted.slice(0, 40).map((s) => s.domain));
const KEY = "test-key-0123456789abcdef";

async function load(store: SqliteStore | PostgresStore): Promise<void> {
  await store.migrate();
  for (let i = 0; i < servers.length; i += 500) {
    const chunk = servers.slice(i, i + 500);
    await store.query(`INSERT INTO mastodon_domains (domain, software_version, active_users_monthly, timestamp) VALUES ${chunk.map(() => "(?, ?, ?, ?)").join(", ")}`, chunk.flatMap((s) => [s.domain, s.version, s.mau, s.timestamp]));
  }
  for (const domain of FAILING) await store.query("INSERT INTO raw_domains (domain, error_type, error_count) VALUES (?, 'TCP', 1)", [domain]);
  for (const [domain, force] of DNI) await store.query("INSERT INTO dni (domain, comment, force) VALUES (?, 'test', ?)", [domain, force]);
}

/** Role of a counted server's version, by the test's own reading. */
function roleOf(s: Server): { key: string; role: string; patched: boolean } | undefined {
  if (s.version === null) return undefined;
  const v = parse(s.version)!;
  const key = `${v.core[0]}.${v.core[1]}`;
  const branch = BRANCHES.find((b) => b.branch === key);
  if (branch === undefined) return v.core[0] < 4 ? { key, role: "eol", patched: false } : undefined;
  return { key, role: branch.role, patched: branch.role !== "eol" && atLeast(s.version, branch.latest) };
}

const stores: [string, () => Promise<SqliteStore | PostgresStore>][] = [
  ["sqlite", async () => new SqliteStore(join(mkdtempSync(join(tmpdir(), "vmcrawl-api-")), "vmcrawl.db"), { cacheDir: tmpdir() })],
  ["postgres", async () => new PostgresStore(await freshDatabase(server!, "api"))],
];

describe.each(stores)("the API on %s", (name, open) => {
  const skip = name === "postgres" && server === null;
  let store: SqliteStore | PostgresStore;
  let api: ReturnType<typeof createApi>;
  const get = async (path: string, headers: Record<string, string> = { "x-api-key": KEY }) => {
    const res = await api.request(path, { headers });
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  };

  beforeAll(async () => {
    if (skip) return;
    store = await open();
    await load(store);
    api = createApi({ store, key: KEY, cacheSeconds: 60, ratePerMinute: 0, now: () => NOW });
  }, 120_000);
  afterAll(async () => {
    await store?.close();
  });

  it.skipIf(skip)("velocity: the same curves and fields as vmcrawl stats velocity --json, open without the key", async () => {
    await store.query("INSERT INTO releases (version, published_on) VALUES ('4.5.3', '2026-01-01')", []);
    await store.query("INSERT INTO version_statistics (date, version, branch, instances, mau) VALUES ('2026-01-02', '4.5.2', '4.5', 1, 10), ('2026-01-02', '4.5.3', '4.5', 3, 30)", []);
    const { status, body } = await get("/velocity?release=4.5.3", {});
    expect(status).toBe(200);
    expect(body).toEqual([
      {
        release: "4.5.3",
        branch: "4.5",
        security: false,
        publishedOn: "2026-01-01",
        partial: true,
        daysTo: { servers: { "25": { days: 1, atMost: true }, "50": { days: 1, atMost: true }, "75": { days: 1, atMost: true }, "90": null }, users: { "25": { days: 1, atMost: true }, "50": { days: 1, atMost: true }, "75": { days: 1, atMost: true }, "90": null } },
        latest: { date: "2026-01-02", serverShare: 0.75, userShare: 0.75 },
        points: [{ date: "2026-01-02", days: 1, servers: 3, users: 30, serverShare: 0.75, userShare: 0.75 }],
      },
    ]);
    await store.query(
      "INSERT INTO security_advisories (ghsa_id, summary, published_at, vulnerable_range, patched_versions, affected_spec, parse_status, updated_at) VALUES ('GHSA-2', 'two', '2026-01-01T08:00:00Z', '< 4.5.3', '4.5.3', '<4.5.3', 'ok', '2026-01-01T08:00:00Z')",
      [],
    );
    const exposed = await get("/exposure", {});
    expect(exposed.status).toBe(200);
    expect(exposed.body).toEqual([{ ghsaId: "GHSA-2", cveId: null, spec: "<4.5.3", publishedOn: "2026-01-01", partial: true, points: [{ date: "2026-01-02", days: 1, servers: 1, users: 10 }], serverDays: 1 }]);
    // The other tests count the advisories they import.
    await store.query("DELETE FROM security_advisories WHERE ghsa_id = 'GHSA-2'", []);
  });

  it.skipIf(skip)("summary: servers, users, patched and EOL shares, as computed independently", async () => {
    const truth = expected(servers, NOW);
    const { status, body } = await get("/summary", {});
    expect(status).toBe(200);
    expect(body).toMatchObject({ instances: truth.instances, mau: truth.mau, uniqueVersions: truth.unique_versions, windowDays: 3 });
    expect(body.patched).toMatchObject({ instances: truth.patched_instances, mau: truth.patched_mau });
    expect(body.patched.instanceShare).toBeCloseTo(truth.patched_instances! / truth.instances!, 4);
    expect(body.eol).toMatchObject({ instances: truth.eol_instances, mau: truth.eol_branch_mau });
    // DNI domains count in aggregates.
    expect(truth.instances).toBe(counted.length);
  });

  it.skipIf(skip)("branches and versions: per branch and per version, as computed independently", async () => {
    const perBranch = new Map<string, { instances: number; mau: number; patchedInstances: number; patchedMau: number }>();
    const perVersion = new Map<string, { instances: number; mau: number }>();
    for (const s of counted) {
      if (s.version !== null) {
        const v = perVersion.get(s.version) ?? { instances: 0, mau: 0 };
        perVersion.set(s.version, { instances: v.instances + 1, mau: v.mau + (s.mau ?? 0) });
      }
      const r = roleOf(s);
      if (r === undefined) continue;
      const b = perBranch.get(r.key) ?? { instances: 0, mau: 0, patchedInstances: 0, patchedMau: 0 };
      b.instances++;
      b.mau += s.mau ?? 0;
      if (r.patched) {
        b.patchedInstances++;
        b.patchedMau += s.mau ?? 0;
      }
      perBranch.set(r.key, b);
    }
    const branches = (await get("/branches", {})).body as { branch: string; instances: number; mau: number; patchedInstances: number; patchedMau: number }[];
    for (const b of branches) expect({ branch: b.branch, instances: b.instances, mau: b.mau, patchedInstances: b.patchedInstances, patchedMau: b.patchedMau }).toEqual({ branch: b.branch, ...(perBranch.get(b.branch) ?? { instances: 0, mau: 0, patchedInstances: 0, patchedMau: 0 }) });
    expect(new Set(branches.map((b) => b.branch))).toEqual(new Set([...BRANCHES.map((b) => b.branch), ...perBranch.keys()]));
    const versions = (await get("/versions", {})).body as { version: string; instances: number; mau: number }[];
    expect(new Map(versions.map((v) => [v.version, { instances: v.instances, mau: v.mau }]))).toEqual(perVersion);
  });

  it.skipIf(skip)("instances: DNI never listed, sorted and paged without overlap, filtered and searched", async () => {
    const listed = counted.filter((s) => !hidden.has(s.domain));
    const first = await get("/instances?per_page=200");
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(listed.length);
    const all: string[] = [];
    for (let page = 1; page <= Math.ceil(listed.length / 200); page++) all.push(...(await get(`/instances?per_page=200&page=${page}`)).body.instances.map((i: { domain: string }) => i.domain));
    const byMau = [...listed].sort((a, b) => (b.mau ?? 0) - (a.mau ?? 0) || a.domain.localeCompare(b.domain)).map((s) => s.domain);
    expect(all).toEqual(byMau);
    expect(all).not.toContain("s5.example");
    expect(all).not.toContain("s7.example");
    expect(all.includes("s10.example") || !counted.some((s) => s.domain === "s10.example")).toBe(true);

    const count = async (query: string) => (await get(`/instances?${query}`)).body.total as number;
    expect(await count("filter=eol")).toBe(listed.filter((s) => roleOf(s)?.role === "eol").length);
    expect(await count("filter=unpatched")).toBe(listed.filter((s) => !roleOf(s)?.patched).length);
    expect(await count("filter=main")).toBe(listed.filter((s) => roleOf(s)?.role === "main").length);
    expect(await count("filter=failing")).toBe(listed.filter((s) => FAILING.has(s.domain)).length);
    expect(await count("q=s12")).toBe(listed.filter((s) => s.domain.includes("s12")).length);
    const byDomain = (await get("/instances?sort=domain&per_page=5")).body.instances.map((i: { domain: string }) => i.domain);
    expect(byDomain).toEqual(listed.map((s) => s.domain).sort().slice(0, 5));

    const one = listed.find((s) => s.version !== null)!;
    expect((await get(`/instances/${one.domain}`)).body).toMatchObject({ domain: one.domain, version: one.version, mau: one.mau ?? 0 });
    expect((await get("/instances/s7.example")).status).toBe(404);
    expect((await get("/search?q=s5.example")).body).toEqual([]);
  });

  it.skipIf(skip)("the key guards instance lists and writes; aggregates stay public", async () => {
    expect((await get("/instances", {})).status).toBe(401);
    expect((await get("/instances", { "x-api-key": "wrong" })).status).toBe(401);
    expect((await get("/search?q=s1", {})).status).toBe(401);
    expect((await get("/summary", {})).status).toBe(200);
    await store.query("INSERT INTO statistics (date, updated_at) VALUES ('2026-11-22', '2026-11-22T00:00:00.000Z')", []);
    const patch = (headers: Record<string, string>, body: unknown, app = api) => app.request("/stats/history/2026-11-22", { method: "PATCH", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
    expect((await patch({}, { invalid: true })).status).toBe(401);
    expect((await patch({ "x-api-key": KEY }, { invalid: true, reason: "outage" })).status).toBe(200);
    expect(await store.query("SELECT invalid, invalid_reason FROM statistics WHERE date = '2026-11-22'", [])).toEqual([{ invalid: true, invalid_reason: "outage" }]);
    expect((await patch({ "x-api-key": KEY }, { invalid: "yes" })).status).toBe(400);
    expect((await api.request("/stats/history/2026-11-21", { method: "PATCH", headers: { "content-type": "application/json", "x-api-key": KEY }, body: JSON.stringify({ invalid: true }) })).status).toBe(404);
    // Without a configured key: lists open, writes refused.
    const open = createApi({ store, key: undefined, cacheSeconds: 0, ratePerMinute: 0, now: () => NOW });
    expect((await open.request("/instances")).status).toBe(200);
    expect((await patch({}, { invalid: false }, open)).status).toBe(403);
  });

  it.skipIf(skip)("history, advisories, release versions and the crawler's health", async () => {
    for (const [date, n] of [["2026-11-10", 1], ["2026-11-20", 2], ["2026-11-23", 3]] as const) {
      await store.query("INSERT INTO statistics (date, updated_at, instances, patched_instances) VALUES (?, ?, ?, ?) ON CONFLICT (date) DO UPDATE SET instances = excluded.instances", [date, `${date}T00:00:00.000Z`, n * 100, n * 10]);
    }
    const days = (await get("/history?days=5", {})).body as { date: string; instances: number }[];
    expect(days.filter((d) => d.date !== "2026-11-22").map((d) => [d.date, d.instances])).toEqual([["2026-11-20", 200], ["2026-11-23", 300]]);

    // One advisory: the servers on 4.5.x below 4.5.6 (an independent count over the population).
    await store.query(
      "INSERT INTO security_advisories (ghsa_id, summary, vulnerable_range, patched_versions, affected_spec, parse_status, updated_at) VALUES ('GHSA-api', 's', '< 4.5.6', '4.5.6', '>=4.5.0-0 <4.5.6', 'ok', ?)",
      [NOW.toISOString()],
    );
    const hit = counted.filter((s) => s.version !== null && parse(s.version)!.core[0] === 4 && parse(s.version)!.core[1] === 5 && !atLeast(s.version, "4.5.6"));
    const advisories = (await get("/advisories", {})).body as { instances: number; advisories: { ghsaId: string; instances: number; mau: number }[] };
    expect(advisories.instances).toBe(counted.length);
    expect(advisories.advisories).toEqual([expect.objectContaining({ ghsaId: "GHSA-api", instances: hit.length, mau: hit.reduce((sum, s) => sum + (s.mau ?? 0), 0) })]);

    const releases = (await get("/release-versions", {})).body as { branches: { branch: string; latest: string }[]; nightly: unknown[] };
    expect(releases.branches.map((b) => `${b.branch} ${b.latest}`)).toEqual(BRANCHES.map((b) => `${b.branch} ${b.latest}`));
    expect(releases.nightly.length).toBeGreaterThan(20);
    const crawler = (await get("/crawler", {})).body;
    expect(crawler).toMatchObject({ domains: FAILING.size, failingByClass: { TCP: FAILING.size } });
    expect((await get("/health", {})).body).toEqual({ status: "ok", database: name });
  });
});

describe("the API's manners", () => {
  let store: SqliteStore;
  beforeAll(async () => {
    store = new SqliteStore(":memory:", { cacheDir: tmpdir() });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
  });

  it.each([
    ["/instances?per_page=500", "per_page", /per_page="500" is not valid: expected a whole number from 1 to 200/],
    ["/instances?sort=size", "sort", /expected one of mau, domain, version, last_seen/],
    ["/instances?filter=bad", "filter", /expected one of all, eol, unpatched, main, failing/],
    ["/instances?pgae=2", "pgae", /expected one of the parameters page, per_page/],
    ["/history?days=0", "days", /expected a whole number from 1 to 3650/],
    ["/summary?x=1", "x", /expected no parameters/],
    ["/search?q=", "q", /expected the text to look for/],
    ["/instances/not%20a%20domain", "domain", /expected a domain name/],
    ["/velocity?branch=four", "branch", /branch="four" is not valid: expected major\.minor, such as 4\.5/],
    ["/velocity?branch=4.5&release=4.5.3", "release", /expected no branch beside it/],
    ["/velocity?since=1", "since", /expected one of the parameters branch, release/],
  ])("GET %s is a 400 naming %s", async (path, parameter, message) => {
    const api = createApi({ store, key: undefined, cacheSeconds: 0, ratePerMinute: 0 });
    const res = await api.request(path);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; parameter: string };
    expect(body.parameter).toBe(parameter);
    expect(body.error).toMatch(message);
  });

  it("sends strict security headers", async () => {
    const res = await createApi({ store, key: undefined, cacheSeconds: 0, ratePerMinute: 0 }).request("/summary");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("limits each client per minute, with Retry-After", async () => {
    let client = "192.0.2.1";
    const api = createApi({ store, key: undefined, cacheSeconds: 0, ratePerMinute: 3, clientOf: () => client });
    for (let i = 0; i < 3; i++) expect((await api.request("/health")).status).toBe(200);
    const limited = await api.request("/health");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    client = "192.0.2.2";
    expect((await api.request("/health")).status).toBe(200);
  });

  it("answers unknown paths with a JSON 404", async () => {
    const res = await createApi({ store, key: undefined, cacheSeconds: 0, ratePerMinute: 0 }).request("/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "no such endpoint: GET /nope" });
  });

  it("documents exactly its routes in /openapi.json", async () => {
    const api = createApi({ store, key: undefined, cacheSeconds: 0, ratePerMinute: 0 });
    const doc = (await (await api.request("/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`));
    // The dashboard's three files are not API.
    const routes = api.routes.filter((r) => r.method !== "ALL" && !["/", "/app.js", "/app.css"].includes(r.path)).map((r) => `${r.method} ${r.path}`);
    expect(new Set(documented)).toEqual(new Set(routes));
  });
});
