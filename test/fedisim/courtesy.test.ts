import { describe, expect, it } from "vitest";
import { courtesyViolations } from "./courtesy.ts";
import type { RequestRecord } from "./log.ts";
import { generateScenario } from "./scenario.ts";

const scenario = generateScenario({ domains: 20, seed: 1, families: ["mastodon", "robots-api", "hard-fail"], latency: { medianMs: 0 } });
const mastodon = scenario.listed.find((s) => s.family === "mastodon")!.ascii;
const robotsApi = scenario.listed.find((s) => s.family === "robots-api")!.ascii;
const UA = "vmcrawl/0.1.0 (+https://example.invalid)";

let seq = 0;
const req = (host: string, target: string, extra: Partial<RequestRecord> = {}): RequestRecord => ({
  seq: seq++,
  at: seq,
  host,
  target,
  method: "GET",
  userAgent: UA,
  protocol: "h2",
  concurrent: 1,
  status: 200,
  ms: 1,
  ...extra,
});
const rules = { userAgent: UA, maxPerHost: 2 };

describe("courtesy checks on the request log", () => {
  it("passes a polite crawl", () => {
    const log = [req(mastodon, "/robots.txt"), req(mastodon, "/.well-known/nodeinfo"), req(mastodon, "/nodeinfo/2.0"), req(mastodon, "/api/v2/instance")];
    expect(courtesyViolations(log, scenario, rules)).toEqual([]);
  });

  it.each([
    ["a request before robots.txt", [req(mastodon, "/.well-known/nodeinfo"), req(mastodon, "/robots.txt")], /requested before robots.txt/],
    ["a path robots.txt disallows", [req(robotsApi, "/robots.txt"), req(robotsApi, "/api/v2/instance")], /disallowed by robots.txt/],
    ["a request after a 410", [req(mastodon, "/robots.txt"), req(mastodon, "/.well-known/nodeinfo", { status: 410 }), req(mastodon, "/.well-known/host-meta")], /after \/.well-known\/nodeinfo answered 410/],
    ["a missing user agent", [req(mastodon, "/robots.txt", { userAgent: undefined })], /user agent undefined/],
    ["a path outside the promised endpoints", [req(mastodon, "/robots.txt"), req(mastodon, "/about")], /\/about is not an endpoint/],
    ["too many requests at once", [req(mastodon, "/robots.txt"), req(mastodon, "/.well-known/nodeinfo", { concurrent: 3 })], /3 requests in flight at once \(limit 2\)/],
    ["a POST", [req(mastodon, "/robots.txt", { method: "POST" })], /POST \/robots.txt/],
  ])("catches %s", (_what, log, message) => {
    const problems = courtesyViolations(log, scenario, rules);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join("\n")).toMatch(message);
  });
});
