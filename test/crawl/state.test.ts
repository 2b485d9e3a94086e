import { describe, expect, it } from "vitest";
import type { ProbeOutcome } from "../../src/crawl/probe.ts";
import { transition } from "../../src/crawl/state.ts";

const base = { domain: "a.example", ms: 10, requests: [] };
const failure = (error_class: string, cause = "X"): ProbeOutcome => ({ ...base, kind: "error", error_class, cause, endpoint: "nodeinfo", reason: "why" }) as ProbeOutcome;
const mastodon: ProbeOutcome = { ...base, kind: "mastodon", software: "mastodon", version: "4.5.6", full_version: "4.5.6+glitch", mau: 5, total_users: 9, canonical: "a.example" };
const state = (errorType: string | null, errorCount: number, terminalType: string | null = null) => ({ errorType, errorCount, terminalType });

describe("transition: the error state machine", () => {
  it.each([
    ["a first failure counts 1", undefined, failure("DNS"), { errorType: "DNS", errorCount: 1, terminalType: null }],
    ["the same class again counts up", state("DNS", 1), failure("DNS"), { errorCount: 2, terminalType: null }],
    ["reaching the buffer makes the domain terminal in that class", state("DNS", 2), failure("DNS"), { errorCount: 3, terminalType: "DNS" }],
    ["another class starts a new streak", state("DNS", 2), failure("TCP"), { errorType: "TCP", errorCount: 1, terminalType: null }],
    ["terminal, same class again: state and count stand", state("DNS", 3, "DNS"), failure("DNS", "NXDOMAIN"), { errorType: "DNS", errorCount: 3, terminalType: "DNS", errorReason: "NXDOMAIN" }],
    ["terminal, another class: the terminal state is cleared", state("DNS", 3, "DNS"), failure("SSL"), { errorType: "SSL", errorCount: 1, terminalType: null }],
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
