import { describe, expect, it } from "vitest";
import type { ProbeOutcome } from "../../src/core/outcome.ts";
import { decide, decideBatch, type DecideSettings, transition } from "../../src/core/decide.ts";

const base = { domain: "a.example", ms: 10, requests: [] };
const failure = (error_class: string, cause = "X"): ProbeOutcome => ({ ...base, kind: "error", error_class, cause, endpoint: "nodeinfo", reason: "why" }) as ProbeOutcome;
const mastodon: ProbeOutcome = { ...base, kind: "mastodon", software: "mastodon", version: "4.5.6", full_version: "4.5.6+glitch", mau: 5, total_users: 9, canonical: "a.example" };
const state = (errorType: string | null, errorCount: number, terminalType: string | null = null, errorReason: string | null = errorType && "EARLIER") => ({
  errorType,
  errorCount,
  terminalType,
  errorEndpoint: errorType && "robots_txt",
  errorReason,
});

describe("transition: the error state machine", () => {
  it.each([
    ["a first failure counts 1", undefined, failure("DNS"), { errorType: "DNS", errorCount: 1, terminalType: null }],
    ["the same class again counts up", state("DNS", 1), failure("DNS"), { errorCount: 2, terminalType: null }],
    ["reaching the buffer makes the domain terminal in that class", state("DNS", 2), failure("DNS"), { errorCount: 3, terminalType: "DNS" }],
    ["another class starts a new streak", state("DNS", 2), failure("TCP"), { errorType: "TCP", errorCount: 1, terminalType: null }],
    ["terminal, same class again: the state stands as it was, endpoint and reason too", state("DNS", 3, "DNS", "SERVFAIL"), failure("DNS", "NXDOMAIN"), { errorType: "DNS", errorCount: 3, terminalType: "DNS", errorEndpoint: "robots_txt", errorReason: "SERVFAIL" }],
    ["terminal, another class: the terminal state is cleared", state("DNS", 3, "DNS"), failure("SSL"), { errorType: "SSL", errorCount: 1, terminalType: null, errorEndpoint: "nodeinfo", errorReason: "X" }],
    ["success clears everything", state("DNS", 3, "DNS"), mastodon, { errorType: null, errorEndpoint: null, errorReason: null, errorCount: 0, terminalType: null }],
  ])("%s", (_what, previous, outcome, expected) => {
    expect(transition(previous, outcome, 3).raw).toMatchObject(expected);
  });

  it("a buffer of 1 makes the first failure terminal", () => {
    expect(transition(undefined, failure("HTTP5XX", "503"), 1).raw).toMatchObject({ errorCount: 1, terminalType: "HTTP5XX" });
  });

  it.each([
    [mastodon, "publish"],
    [{ ...base, kind: "alias", software: "mastodon", version: "4.5.6", full_version: "4.5.6", mau: 1, total_users: 2, canonical: "b.example" } as ProbeOutcome, "unpublish"],
    [{ ...base, kind: "other", software: "misskey" } as ProbeOutcome, "unpublish"],
    [{ ...base, kind: "matrix", software: "matrix" } as ProbeOutcome, "unpublish"],
    [failure("HARD", "410"), "unpublish"],
    [failure("ROBOT", "DISALLOWED"), "unpublish"],
    [failure("DNS", "NXDOMAIN"), "keep"],
    [failure("HTTP5XX", "503"), "keep"],
  ])("publication for %j: %s", (outcome, action) => {
    expect(transition(undefined, outcome, 24).publication.action).toBe(action);
  });

  it("records what success found: software for other servers, the canonical domain for aliases", () => {
    expect(transition(undefined, { ...base, kind: "other", software: "lemmy" } as ProbeOutcome, 24).raw).toMatchObject({ nodeinfo: "lemmy", aliasOf: null });
    expect(transition(undefined, { ...base, kind: "alias", software: "mastodon", version: "4.5.6", full_version: "4.5.6", mau: 1, total_users: 2, canonical: "b.example" } as ProbeOutcome, 24).raw).toMatchObject({ aliasOf: "b.example", nodeinfo: null });
    expect(transition(undefined, mastodon, 24).publication).toEqual({ action: "publish", software: "mastodon", version: "4.5.6", fullVersion: "4.5.6+glitch", mau: 5 });
  });

  it("logs failures only", () => {
    expect(transition(undefined, failure("DNS"), 24).logError).toBe(true);
    expect(transition(undefined, mastodon, 24).logError).toBe(false);
  });
});

describe("decide: the whole effect of one outcome", () => {
  const settings: DecideSettings = { errorBuffer: 2, schedule: { recrawlHours: 1, capHours: 48 }, hardDni: new Set(["blocked.example"]), random: () => 0.5 };
  const at = "2026-11-23T10:00:00.000Z";
  const alias = (canonical: string) => ({ ...base, kind: "alias", software: "mastodon", version: "4.5.6", full_version: "4.5.6", mau: 1, total_users: 2, canonical }) as ProbeOutcome;

  it("carries when, how long, the new state with its next crawl, the publication and the error_log entry", () => {
    const failed = decide(state("HTTP5XX", 1), { outcome: failure("HTTP5XX", "503"), at, worker: "w:1" }, settings);
    expect(failed).toEqual({
      domain: "a.example",
      at,
      seconds: 0.01,
      // The second 503 in a row: the 3 h base doubled; the buffer of 2 makes it terminal.
      raw: { errorType: "HTTP5XX", errorEndpoint: "nodeinfo", errorReason: "503", errorCount: 2, terminalType: "HTTP5XX", nodeinfo: null, aliasOf: null, nextCrawlAt: "2026-11-23T16:00:00.000Z" },
      publication: { action: "keep" },
      error: { message: "why", worker: "w:1", errorType: "HTTP5XX", errorEndpoint: "nodeinfo", errorReason: "503" },
    });
    expect(decide(undefined, { outcome: mastodon, at, worker: "w:1" }, settings)).toMatchObject({ raw: { nextCrawlAt: "2026-11-23T11:00:00.000Z" }, publication: { action: "publish" } });
    expect(decide(undefined, { outcome: mastodon, at, worker: "w:1" }, settings)).not.toHaveProperty("error");
  });

  it.each([
    ["an ordinary canonical domain is added", "b.example", "b.example"],
    ["one on the hard DNI list is not", "social.blocked.example", undefined],
    ["nor its punycode spelling of a listed Unicode name", "xn--bcher-kva.example", "xn--bcher-kva.example"],
  ])("alias: %s", (_what, canonical, added) => {
    expect(decide(undefined, { outcome: alias(canonical), at, worker: "w" }, settings).addDomain).toBe(added);
  });

  it("an alias whose canonical domain is listed in another spelling is not added", () => {
    const listed = { ...settings, hardDni: new Set(["bücher.example"]) };
    expect(decide(undefined, { outcome: alias("xn--bcher-kva.example"), at, worker: "w" }, listed).addDomain).toBeUndefined();
  });

  it("decides a domain met twice in one batch from its first effect", () => {
    const effects = decideBatch(new Map([["a.example", state("DNS", 1)]]), [
      { outcome: failure("DNS"), at, worker: "w" },
      { outcome: failure("DNS"), at, worker: "w" },
    ], { ...settings, errorBuffer: 5 });
    expect(effects.map((e) => e.raw.errorCount)).toEqual([2, 3]);
  });
});
