/**
 * The probe against the simulated fediverse, one domain of every behaviour family:
 * each outcome must equal the ground truth, and the request log must show a courteous crawler.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.ts";
import { probe, type ProbeOutcome } from "../../src/crawl/probe.ts";
import { parseDomain } from "../../src/net/domain.ts";
import type { HttpClient } from "../../src/net/http.ts";
import { createHttpClient } from "../../src/net/index.ts";
import type { VersionContext } from "../../src/versions/clean.ts";
import { userAgent, VERSION } from "../../src/version.ts";
import { courtesyViolations } from "../fedisim/courtesy.ts";
import type { Fedisim } from "../fedisim/index.ts";
import { startFamilies } from "./families.ts";
import { compareWithTruth } from "./truth.ts";

const DEADLINE_MS = 8000;
let sim: Fedisim;
let http: HttpClient;
let versions: VersionContext;
const outcomes = new Map<string, ProbeOutcome>();

beforeAll(async () => {
  let config: Config;
  ({ sim, config, versions } = await startFamilies(DEADLINE_MS));
  http = createHttpClient(config);
  const queue = [...sim.scenario.listed];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let spec = queue.shift(); spec !== undefined; spec = queue.shift()) {
        const domain = parseDomain(spec.name);
        if (!domain.ok) throw new Error(spec.name);
        outcomes.set(spec.name, await probe(domain.value, { http, versions, deadlineMs: DEADLINE_MS, robotsToken: "vmcrawl" }));
      }
    }),
  );
}, 120_000);

afterAll(async () => {
  await http?.close();
  await sim?.close();
});

describe("probe against ground truth, one domain of every behaviour family", () => {
  it("records exactly the truth for every domain", () => {
    const mismatches = sim.scenario.listed.flatMap((spec) => compareWithTruth(outcomes.get(spec.name), spec.truth, spec.family));
    expect(mismatches).toEqual([]);
    expect(outcomes.size).toBe(sim.scenario.listed.length);
  });

  it("keeps every promise to server admins (robots first, allowed paths only, nothing after a hard fail, user agent, per-host limit)", () => {
    expect(courtesyViolations(sim.requests.records, sim.scenario, { userAgent: userAgent("https://docs.vmst.io/vmcrawl"), maxPerHost: 2 })).toEqual([]);
    expect(userAgent("https://docs.vmst.io/vmcrawl")).toBe(`vmcrawl/${VERSION} (+https://docs.vmst.io/vmcrawl)`);
  });

  it("ends every hostile domain within its deadline", () => {
    for (const [name, outcome] of outcomes) expect(outcome.ms, name).toBeLessThan(DEADLINE_MS + 1000);
  });

  it("retries a broken HTTP/2 server once over HTTP/1.1 and stays on HTTP/1.1 for it", () => {
    const spec = sim.scenario.listed.find((s) => s.family === "mastodon-h2-broken")!;
    const protocols = sim.requests.forHost(spec.ascii).map((r) => r.protocol);
    expect(protocols.slice(0, 2)).toEqual(["h2", "http/1.1"]);
    expect(protocols.slice(2).every((p) => p === "http/1.1")).toBe(true);
    expect(outcomes.get(spec.name)?.kind).toBe("mastodon");
  });

  it("never connects to a forbidden address: not by DNS, not by redirect", () => {
    for (const family of ["dns-forbidden", "redirect-forbidden"]) {
      const spec = sim.scenario.listed.find((s) => s.family === family)!;
      expect(outcomes.get(spec.name)).toMatchObject({ kind: "error", error_class: "TCP", cause: "SSRF" });
    }
    const forbiddenHosts = [...sim.scenario.byAscii.values()].filter((s) => s.address === "forbidden").map((s) => s.ascii);
    expect(forbiddenHosts.length).toBeGreaterThanOrEqual(2);
    for (const host of forbiddenHosts) expect(sim.requests.forHost(host)).toEqual([]);
  });

  it("asks a backend host's own robots.txt before its NodeInfo", () => {
    const front = sim.scenario.listed.find((s) => s.family === "mastodon-host-meta-backend")!;
    const backendRequests = sim.requests.forHost(front.hostMetaBackend!).map((r) => r.target);
    expect(backendRequests[0]).toBe("/robots.txt");
  });

  it("tells why, in one line, for every failure", () => {
    for (const outcome of outcomes.values()) {
      if (outcome.kind !== "error") continue;
      expect(outcome.reason.length).toBeGreaterThan(5);
      expect(outcome.reason).not.toContain("\n");
    }
  });
});
