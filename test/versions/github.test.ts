/**
 * Latest versions from GitHub, read by the production client from a local HTTPS server that
 * answers like GitHub's REST API (pages joined by Link headers, version.rb raw, rate limits),
 * never from the internet; and the gh CLI's output read the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import type { HttpClient } from "../../src/net/http.ts";
import { createHttpClient } from "../../src/net/index.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { readBranches } from "../../src/versions/branches.ts";
import { chooseGithub, type Exec, githubOverCli, githubOverHttp, nextPage } from "../../src/versions/github.ts";
import { latestPerBranch, parseVersionRb, publishedReleases, updateLatestFromGithub } from "../../src/versions/update.ts";
import { type Fedisim, type FileReply, generateScenario, startFedisim } from "../fedisim/index.ts";

const API = "https://api.github.fedisim.test";
const RELEASES = "/repos/mastodon/mastodon/releases?per_page=100";
const release = (tag: string, extra: Record<string, unknown> = {}) => ({ tag_name: tag, name: tag, draft: false, prerelease: tag.includes("-"), published_at: "2026-11-03T10:00:00Z", ...extra });
const page = (items: unknown[], next?: string): FileReply => ({ body: JSON.stringify(items), headers: next === undefined ? {} : { link: `<${next}>; rel="next", <${API}${RELEASES}&page=3>; rel="last"` } });

const VERSION_RB = `# frozen_string_literal: true

module Mastodon
  module Version
    module_function

    def major
      4
    end

    def minor
      6
    end

    def patch
      0
    end

    def default_prerelease
      'alpha.5'
    end
  end
end
`;

let sim: Fedisim;
let http: HttpClient;

beforeAll(async () => {
  sim = await startFedisim(generateScenario({ domains: 4, seed: 5 }), {
    files: {
      "api.github.fedisim.test": {
        [RELEASES]: page([release("v4.5.10-rc.1"), release("v4.5.99", { draft: true }), release("v4.10.1"), release("v4.4.14")], `${API}${RELEASES}&page=2`),
        [`${RELEASES}&page=2`]: page([release("v4.5.8"), release("v4.3.20"), release("v4.2.30")], `${API}${RELEASES}&page=3`),
        // The last page: the newest 4.5 and an old EOL branch's release, both found only by paging on.
        [`${RELEASES}&page=3`]: page([release("v4.5.9"), release("v4.0.16"), release("v3.5.19")]),
        "/repos/mastodon/mastodon/contents/lib/mastodon/version.rb": VERSION_RB,
      },
      "limited.github.fedisim.test": {
        [RELEASES]: { status: 403, headers: { "x-ratelimit-remaining": "0" }, body: JSON.stringify({ message: "API rate limit exceeded for 127.0.0.1." }) },
        "/repos/mastodon/mastodon/contents/lib/mastodon/version.rb": VERSION_RB,
      },
      "elsewhere.github.fedisim.test": {
        [RELEASES]: page([release("v4.5.9")], "https://api.github.fedisim.test/repos/mastodon/mastodon/releases?per_page=100&page=2"),
        "/repos/mastodon/mastodon/contents/lib/mastodon/version.rb": VERSION_RB,
      },
      "moved.github.fedisim.test": {
        [RELEASES]: { status: 302, headers: { location: `${API}${RELEASES}` }, body: "" },
      },
      "broken.github.fedisim.test": {
        [RELEASES]: page([release("v4.5.9")]),
        "/repos/mastodon/mastodon/contents/lib/mastodon/version.rb": { status: 500, body: JSON.stringify({ message: "Server Error" }) },
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

async function seeded(): Promise<SqliteStore> {
  const store = new SqliteStore(":memory:", { cacheDir: sim.dir });
  await store.migrate();
  return store;
}

const latest = async (store: SqliteStore) => Object.fromEntries((await readBranches(store.query)).map((b) => [b.branch, b.latest]));

describe("updating the latest versions from GitHub's API", () => {
  it("reads every page, and sets each branch's newest release and main's version.rb", async () => {
    const store = await seeded();
    const update = await updateLatestFromGithub(store, githubOverHttp(http, { apiUrl: API }));
    expect(update.notes).toEqual([]);
    expect(update.changes).toEqual([
      { branch: "4.6", from: "4.6.0-alpha.4", to: "4.6.0-alpha.5" },
      { branch: "4.5", from: "4.5.6", to: "4.5.9" },
      { branch: "4.4", from: "4.4.13", to: "4.4.14" },
      { branch: "4.3", from: "4.3.19", to: "4.3.20" },
      { branch: "4.2", from: "4.2.29", to: "4.2.30" },
      { branch: "4.0", from: "4.0.15", to: "4.0.16" },
    ]);
    // 4.1 had no release listed (4.10.1 is not 4.1): it keeps its value.
    expect((await latest(store))["4.1"]).toBe("4.1.22");
    const pages = sim.requests.records.filter((r) => r.host === "api.github.fedisim.test" && r.target.startsWith("/repos/mastodon/mastodon/releases"));
    expect(pages.map((r) => r.target)).toEqual([RELEASES, `${RELEASES}&page=2`, `${RELEASES}&page=3`]);
    expect(pages.every((r) => r.authorization === undefined)).toBe(true);
    // A second run finds nothing to change.
    expect((await updateLatestFromGithub(store, githubOverHttp(http, { apiUrl: API }))).changes).toEqual([]);
    // Every release listed is kept with the day it was published, for patch velocity.
    const releases = await store.query("SELECT version, published_on FROM releases ORDER BY version", []);
    expect(releases).toContainEqual({ version: "4.5.9", published_on: "2026-11-03" });
    expect(releases.length).toBeGreaterThan(5);
  });

  it("sends the token to the API, as a bearer token", async () => {
    const before = sim.requests.records.length;
    await updateLatestFromGithub(await seeded(), githubOverHttp(http, { apiUrl: API, token: "ghp_test123" }));
    const sent = sim.requests.records.slice(before).filter((r) => r.host === "api.github.fedisim.test");
    expect(sent.length).toBe(4);
    expect(sent.every((r) => r.authorization === "Bearer ghp_test123")).toBe(true);
  });

  it("never follows a next page to another site, and never sends it the token", async () => {
    const store = await seeded();
    const before = sim.requests.records.length;
    await expect(updateLatestFromGithub(store, githubOverHttp(http, { apiUrl: "https://elsewhere.github.fedisim.test", token: "ghp_secret" }))).rejects.toThrow(
      /points its next page to another site: https:\/\/api\.github\.fedisim\.test\//,
    );
    expect(sim.requests.records.slice(before).filter((r) => r.host !== "elsewhere.github.fedisim.test")).toEqual([]);
    expect(await latest(store)).toMatchObject({ "4.5": "4.5.6" });
  });

  it("drops the token when a redirect leads to another host", async () => {
    const before = sim.requests.records.length;
    const result = await http.fetch(`https://moved.github.fedisim.test${RELEASES}`, { authorization: { host: "moved.github.fedisim.test", value: "Bearer ghp_moved" } });
    expect(result.ok && result.status).toBe(200);
    const sent = sim.requests.records.slice(before).filter((r) => r.target === RELEASES);
    expect(sent.map((r) => [r.host, r.authorization])).toEqual([
      ["moved.github.fedisim.test", "Bearer ghp_moved"],
      ["api.github.fedisim.test", undefined],
    ]);
  });

  it.each([
    ["https://limited.github.fedisim.test", /answered HTTP 403: rate limited; set VMCRAWL_GITHUB_TOKEN \(or GITHUB_TOKEN\) for a higher limit/],
    ["https://broken.github.fedisim.test", /version\.rb\) answered HTTP 500: Server Error/],
    ["https://nowhere.github.fedisim.test", /could not be read: .*NXDOMAIN|no such domain/],
  ])("changes nothing when %s fails, and says why", async (apiUrl, reason) => {
    const store = await seeded();
    const before = await latest(store);
    await expect(updateLatestFromGithub(store, githubOverHttp(http, { apiUrl }))).rejects.toThrow(reason);
    expect(await latest(store)).toEqual(before);
  });
});

describe("the gh CLI", () => {
  /** Answers as gh does for the two calls vmcrawl makes; records the arguments. */
  function fakeGh(calls: string[][], auth = 0): Exec {
    return async (program, args) => {
      calls.push([program, ...args]);
      if (args[0] === "auth") return { code: auth, stdout: "", stderr: auth === 0 ? "" : "You are not logged into any GitHub hosts." };
      if (args.includes("--paginate")) return { code: 0, stdout: `${[release("v4.5.9"), release("v4.4.14")].map((r) => JSON.stringify(r)).join("\n")}\n`, stderr: "" };
      return { code: 0, stdout: VERSION_RB, stderr: "" };
    };
  }

  it("is used when installed and logged in, for the default API only", async () => {
    const calls: string[][] = [];
    expect((await chooseGithub({ apiUrl: "https://api.github.com", http, exec: fakeGh(calls) })).via).toBe("the gh CLI");
    expect((await chooseGithub({ apiUrl: "https://api.github.com", http, exec: fakeGh([], 1) })).via).toBe("GitHub's API");
    expect((await chooseGithub({ apiUrl: API, http, exec: fakeGh([]) })).via).toBe(`the GitHub API at ${API}`);
    const missing: Exec = async () => ({ code: 127, stdout: "", stderr: "spawn gh ENOENT" });
    expect((await chooseGithub({ apiUrl: "https://api.github.com", http, exec: missing })).via).toBe("GitHub's API");
  });

  it("pages with --paginate, one item per line, and reads version.rb raw", async () => {
    const calls: string[][] = [];
    const store = await seeded();
    const update = await updateLatestFromGithub(store, githubOverCli(fakeGh(calls)));
    expect(update.changes.map((c) => `${c.branch} ${c.to}`)).toEqual(["4.6 4.6.0-alpha.5", "4.5 4.5.9", "4.4 4.4.14"]);
    expect(await store.query("SELECT version, published_on FROM releases ORDER BY version", [])).toEqual([
      { version: "4.4.14", published_on: "2026-11-03" },
      { version: "4.5.9", published_on: "2026-11-03" },
    ]);
    expect(calls).toContainEqual(["gh", "api", "--paginate", "repos/mastodon/mastodon/releases?per_page=100", "--jq", ".[]"]);
    expect(calls).toContainEqual(["gh", "api", "-H", "Accept: application/vnd.github.raw+json", "repos/mastodon/mastodon/contents/lib/mastodon/version.rb"]);
  });
});

describe("the pieces", () => {
  it("takes each published release's version and day; drafts, tags that are not versions and missing dates are left out", () => {
    expect(
      publishedReleases([
        release("v4.5.9", { published_at: "2026-11-03T10:00:00Z" }),
        release("v4.6.0-rc.1", { published_at: "2026-12-01T08:00:00Z" }),
        release("v4.5.10", { draft: true }),
        release("junk"),
        release("v4.4.15", { published_at: null }),
        release("v4.4.16", { published_at: "yesterday" }),
        release(`v4.4.${"9".repeat(300)}`),
        "not an object",
        null,
      ]),
    ).toEqual([
      { version: "4.5.9", publishedOn: "2026-11-03" },
      { version: "4.6.0-rc.1", publishedOn: "2026-12-01" },
    ]);
  });

  it("reads version.rb: x.y.z with the default pre-release, or nothing when a part is missing", () => {
    expect(parseVersionRb(VERSION_RB)).toBe("4.6.0-alpha.5");
    expect(parseVersionRb(VERSION_RB.replace("'alpha.5'", "''"))).toBe("4.6.0");
    expect(parseVersionRb(VERSION_RB.replace("def minor", "def minor_version"))).toBeUndefined();
  });

  it("picks each branch's newest stable release, a pre-release only when there is nothing else", () => {
    const branches = [
      { nLevel: 0, branch: "4.5", status: "release" as const, latest: "4.5.0" },
      { nLevel: 1, branch: "4.1", status: "eol" as const, latest: "4.1.0" },
      { nLevel: 2, branch: "4.7", status: "release" as const, latest: "4.7.0-rc.1" },
    ];
    expect(latestPerBranch(["v4.5.2", "v4.5.10", "v4.5.11-rc.1", "4.10.3", "v4.1.9", "junk", "v4.7.0-rc.2", "v4.7.0-beta.1"], branches)).toEqual(
      new Map([["4.5", "4.5.10"], ["4.1", "4.1.9"], ["4.7", "4.7.0-rc.2"]]),
    );
  });

  it("finds the next page in a Link header", () => {
    expect(nextPage('<https://x/a?page=2>; rel="next", <https://x/a?page=9>; rel="last"')).toBe("https://x/a?page=2");
    expect(nextPage('<https://x/a?page=1>; rel="prev"')).toBeUndefined();
    expect(nextPage(undefined)).toBeUndefined();
  });
});
