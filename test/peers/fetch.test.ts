/**
 * Fetching peers from the simulated fediverse through the crawler's own HTTP client: every
 * server's list read as a stream, exactly the names the ground truth admits stored, every
 * other entry refused and counted, and the right verdict on each server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import type { HttpClient } from "../../src/net/http.ts";
import { createHttpClient } from "../../src/net/index.ts";
import { PEERS_PATH, type SourceResult } from "../../src/peers/fetch-source.ts";
import { runFetch } from "../../src/peers/run.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { userAgent } from "../../src/version.ts";
import { courtesyViolations } from "../fedisim/courtesy.ts";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import type { DomainSpec } from "../fedisim/spec.ts";
import { scenarioTlds } from "../fedisim/tlds.ts";

let sim: Fedisim;
let http: HttpClient;
let store: SqliteStore;
const results = new Map<string, SourceResult | { status: "invalid" }>();
const polled = new Map<string, boolean>();
let sources: DomainSpec[];

beforeAll(async () => {
  sim = await startFedisim(generateScenario({ domains: 400, seed: 21, latency: { medianMs: 0 } }));
  const { config } = loadConfig({ env: { HOME: sim.dir, ...sim.crawlerEnv, VMCRAWL_HTTP_TIMEOUT: "2" }, cwd: sim.dir });
  http = createHttpClient(config);
  store = new SqliteStore(":memory:", { cacheDir: sim.dir });
  await store.migrate();
  // Every server that answers as Mastodon, and a sample of those that fail in every other way.
  sources = sim.scenario.listed.filter((s) => s.truth.kind === "mastodon" || s.family.startsWith("dns-") || s.family === "other-software");
  await runFetch({
    sources: sources.map((s) => s.name),
    concurrency: 16,
    source: { http, robotsToken: "vmcrawl", rules: { tlds: scenarioTlds(sim.scenario), hardDni: new Set() }, maxBytes: 64 * 1024 * 1024, timeoutMs: 10_000, insert: (d) => store.crawl.insertDomains(d) },
    setPolled: (domain, value) => polled.set(domain, value),
    signal: new AbortController().signal,
    events: { finish: (source, result) => results.set(source, result) },
  });
}, 120_000);

afterAll(async () => {
  await store?.close();
  await http?.close();
  await sim?.close();
});

/** What a correct fetch concludes about one server, from its spec. */
function expectedStatus(spec: DomainSpec): SourceResult["status"] {
  // A server that answers without peers refuses; one that cannot be reached (DNS, a forbidden address) failed for now.
  if (spec.truth.kind !== "mastodon") return spec.dns === "ok" && spec.address === "main" ? "refused" : "failed";
  if (spec.truth.disallowed?.includes(PEERS_PATH)) return "refused";
  return spec.peers === undefined ? "refused" : "ok";
}

describe("fetch against the simulated fediverse", () => {
  it("reaches a verdict on every source server, and the right one", () => {
    expect(sources.length).toBeGreaterThan(100);
    const wrong = sources.filter((s) => results.get(s.name)?.status !== expectedStatus(s)).map((s) => `${s.name} (${s.family}): ${JSON.stringify(results.get(s.name))}, want ${expectedStatus(s)}`);
    expect(wrong).toEqual([]);
  });

  it("reads every entry of every list and admits exactly the names the truth admits", () => {
    for (const spec of sources.filter((s) => expectedStatus(s) === "ok")) {
      const list = (spec.peers as { list: unknown[] }).list;
      const result = results.get(spec.name) as Extract<SourceResult, { status: "ok" }>;
      const admittedEntries = list.filter((e) => typeof e === "string" && spec.truth.peers!.includes(e.trim().toLowerCase())).length;
      expect({ entries: result.entries, admitted: result.admitted, rejected: result.rejected.total }).toEqual({ entries: list.length, admitted: admittedEntries, rejected: list.length - admittedEntries });
    }
  });

  it("stores the union of the admitted names and nothing else: no garbage", () => {
    const admitted = new Set(sources.filter((s) => expectedStatus(s) === "ok").flatMap((s) => s.truth.peers ?? []));
    const stored = store.db.prepare("SELECT domain FROM raw_domains").pluck().all() as string[];
    expect(stored.sort()).toEqual([...admitted].sort());
    // Each new name counted once, by the source that added it first.
    const added = [...results.values()].reduce((n, r) => n + ("added" in r ? r.added : 0), 0);
    expect(added).toBe(stored.length);
  });

  it("counts refusals by reason: addresses, ports, paths, accounts, lengths, unknown TLDs, non-strings", () => {
    const reasons = new Set<string>();
    for (const r of results.values()) if (r.status === "ok") for (const reason of r.rejected.counts.keys()) reasons.add(reason);
    expect([...reasons].sort()).toEqual(["account", "empty", "ip", "label-too-long", "no-dot", "not-a-string", "path", "port", "scheme", "too-long", "unknown-tld", "whitespace"]);
  });

  it("stops asking servers that refuse for good, keeps asking those that failed for now", () => {
    for (const spec of sources) {
      const status = expectedStatus(spec);
      expect(polled.get(spec.name), spec.name).toBe(status === "ok" ? true : status === "refused" ? false : undefined);
    }
  });

  it("keeps every promise to server admins: robots.txt first, user agent, per-host limit", () => {
    expect(courtesyViolations(sim.requests.records, sim.scenario, { userAgent: userAgent("https://docs.vmst.io/vmcrawl"), maxPerHost: 2, allowed: ["robots_txt", "peers"] })).toEqual([]);
  });
});
