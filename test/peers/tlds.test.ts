/**
 * The TLD list: parsed strictly, read from its source through the crawler's own HTTP client
 * (a fedisim file host here, never the internet), stored, reused for a week, and kept when
 * the source fails or answers something that is not the list.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import type { HttpClient } from "../../src/net/http.ts";
import { createHttpClient } from "../../src/net/index.ts";
import { CARRIED_TLDS, loadTlds, parseTldList, refreshTldCache, TLD_MAX_AGE_MS } from "../../src/peers/tlds.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";

const IANA = "# Version 2026112300, Last Updated Mon Nov 23 07:07:01 2026 UTC\nAAA\nCOM\nSOCIAL\nXN--P1AI\nARPA\n";
let sim: Fedisim;
let http: HttpClient;
const url = (path: string) => `https://tlds.fedisim.test/${path}`;

beforeAll(async () => {
  sim = await startFedisim(generateScenario({ domains: 4, seed: 5 }), { files: { "tlds.fedisim.test": { "/good.txt": IANA, "/html.txt": "<!DOCTYPE html><html><body>Not Found</body></html>" } } });
  const { config } = loadConfig({ env: { HOME: sim.dir, ...sim.crawlerEnv }, cwd: sim.dir });
  http = createHttpClient(config);
});

afterAll(async () => {
  await http?.close();
  await sim?.close();
});

async function freshStore(): Promise<SqliteStore> {
  const store = new SqliteStore(":memory:", { cacheDir: sim.dir });
  await store.migrate();
  return store;
}

function requestsFor(path: string): number {
  return sim.requests.records.filter((r) => r.host === "tlds.fedisim.test" && r.target === path).length;
}

describe("parseTldList", () => {
  it("reads the IANA format: comments skipped, lower-cased, arpa left out", () => {
    expect(parseTldList(IANA)).toEqual({ ok: true, tlds: ["aaa", "com", "social", "xn--p1ai"] });
  });

  it.each([
    ["<!DOCTYPE html>\n<html>", /line 1 is not a top-level domain: "<!DOCTYPE html>"/],
    ["COM\nnot a tld\n", /line 2 is not a top-level domain/],
    ["# only a comment\n", /it lists no top-level domains/],
  ])("refuses %j", (text, reason) => {
    const parsed = parseTldList(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(reason);
  });
});

describe("loadTlds", () => {
  it("downloads when nothing is stored, stores it, and uses the stored copy for a week without asking again", async () => {
    const store = await freshStore();
    const now = new Date("2026-11-23T12:00:00.000Z");
    const before = requestsFor("/good.txt");
    const first = await loadTlds(store.peers.tldCache(), http, url("good.txt"), now);
    expect(first.source).toBe("download");
    expect([...(first.tlds as Set<string>)].sort()).toEqual(["aaa", "com", "social", "xn--p1ai"]);
    const later = new Date(now.getTime() + TLD_MAX_AGE_MS - 60_000);
    expect((await loadTlds(store.peers.tldCache(), http, url("good.txt"), later)).source).toBe("cache");
    expect(requestsFor("/good.txt")).toBe(before + 1);
    const stale = new Date(now.getTime() + TLD_MAX_AGE_MS + 60_000);
    expect((await loadTlds(store.peers.tldCache(), http, url("good.txt"), stale)).source).toBe("download");
    expect(requestsFor("/good.txt")).toBe(before + 2);
    await store.close();
  });

  it("keeps the stored copy, with a warning, when the source fails or answers something else", async () => {
    const store = await freshStore();
    const stored = new Date("2026-01-01T00:00:00.000Z");
    store.peers.tldCache().replace(["com", "social"], stored.toISOString());
    const now = new Date("2026-11-23T12:00:00.000Z");
    for (const [path, why] of [
      ["missing.txt", /HTTP 404/],
      ["html.txt", /line 1 is not a top-level domain/],
    ] as const) {
      const list = await loadTlds(store.peers.tldCache(), http, url(path), now);
      expect(list.source).toBe("stale-cache");
      expect([...(list.tlds as Set<string>)].sort()).toEqual(["com", "social"]);
      expect(list.warning).toMatch(why);
      expect(list.warning).toContain("using the copy from 2026-01-01T00:00:00.000Z");
    }
    expect(store.peers.tldCache().read()).toEqual({ tlds: expect.arrayContaining(["com", "social"]), updatedAt: stored.toISOString() });
    await store.close();
  });

  it("falls back to the TLDs the binary carries, saying so and how old they are, when there is no source and no copy", async () => {
    const store = await freshStore();
    const list = await loadTlds(store.peers.tldCache(), http, url("missing.txt"), new Date());
    expect(list.source).toBe("carried");
    expect(list.warning).toMatch(/^the TLD list at https:\/\/tlds\.fedisim\.test\/missing\.txt could not be read \(HTTP 404\) and no copy is stored; admitting peers by the TLDs this binary carries \(tldts \d+\.\d+\.\d+/);
    // Nothing is stored: the next run tries the source again.
    expect(store.peers.tldCache().read()).toBeUndefined();
    await store.close();
  });

  it("manage tld update: stores the list read now, or says why not (exit 1) and keeps the stored copy", async () => {
    const store = await freshStore();
    store.peers.tldCache().replace(["com"], "2026-01-01T00:00:00.000Z");
    const now = new Date("2026-11-23T12:00:00.000Z");
    await expect(refreshTldCache(store, http, url("missing.txt"), now)).rejects.toMatchObject({
      code: "SOURCE",
      exitCode: 1,
      message: "the TLD list at https://tlds.fedisim.test/missing.txt could not be read (HTTP 404); the stored copy stays",
    });
    expect(store.peers.tldCache().read()).toEqual({ tlds: ["com"], updatedAt: "2026-01-01T00:00:00.000Z" });
    expect(await refreshTldCache(store, http, url("good.txt"), now)).toBe(4);
    expect(store.peers.tldCache().read()?.updatedAt).toBe(now.toISOString());
    await store.close();
  });

  it.each([
    ["social", true],
    ["com", true],
    ["xn--p1ai", true],
    ["zip", true],
    ["notatld", false],
    ["example", false],
    ["local", false],
    ["arpa", false],
    ["onion", false],
    ["co.uk", false],
    ["", false],
  ])("the carried list: %j is a TLD: %s", (tld, expected) => {
    expect(CARRIED_TLDS.has(tld)).toBe(expected);
  });
});
