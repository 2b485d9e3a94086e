import { describe, expect, it } from "vitest";
import type { ProbeOutcome } from "../../src/crawl/probe.ts";
import { delayHours, nextCrawlAt } from "../../src/core/schedule.ts";

const options = { recrawlHours: 1, capHours: 168 };
const base = { domain: "a.example", ms: 1, requests: [] };
const failure = (error_class: string, cause: string) => ({ ...base, kind: "error", error_class, cause, endpoint: "nodeinfo", reason: "x" }) as ProbeOutcome;

describe("delayHours", () => {
  it.each([
    [{ ...base, kind: "mastodon", software: "mastodon", version: "4.5.6", full_version: "4.5.6", mau: 1, total_users: 1, canonical: "a.example" } as ProbeOutcome, 1, 1],
    [{ ...base, kind: "other", software: "lemmy" } as ProbeOutcome, 0, 720],
    [{ ...base, kind: "matrix", software: "matrix" } as ProbeOutcome, 0, 720],
    [{ ...base, kind: "alias", software: "mastodon", version: "4.5.6", full_version: "4.5.6", mau: 1, total_users: 1, canonical: "b.example" } as ProbeOutcome, 0, 2160],
    [failure("DNS", "NXDOMAIN"), 1, 2160],
    [failure("DNS", "NXDOMAIN"), 5, 2160],
    [failure("DNS", "SERVFAIL"), 1, 12],
    [failure("DNS", "SERVFAIL"), 2, 24],
    [failure("DNS", "SERVFAIL"), 5, 168],
    [failure("DNS", "SERVFAIL"), 30, 168],
    [failure("SSL", "CIPHER"), 3, 168],
    [failure("TCP", "TIMEOUT"), 1, 3],
    [failure("TCP", "SSRF"), 1, 72],
    [failure("HTTP4XX", "429"), 1, 1],
    [failure("HTTP4XX", "429"), 4, 8],
    [failure("HTTP4XX", "404"), 1, 24],
    [failure("HTTP5XX", "503"), 3, 12],
    [failure("HTTP3XX", "REDIRECT"), 9, 720],
    [failure("HARD", "410"), 1, 2160],
    [failure("ROBOT", "DISALLOWED"), 1, 720],
    [failure("JSON", "VERSION"), 2, 24],
  ])("%j after %i failures: %i h", (outcome, failures, hours) => {
    expect(delayHours(outcome, failures, options)).toBe(hours);
  });

  it("caps backoff at the configured ceiling, but never below a class's own base", () => {
    expect(delayHours(failure("DNS", "SERVFAIL"), 10, { recrawlHours: 1, capHours: 48 })).toBe(48);
    expect(delayHours(failure("HARD", "410"), 1, { recrawlHours: 1, capHours: 48 })).toBe(2160);
  });
});

describe("nextCrawlAt", () => {
  it("adds the delay with ±10% jitter", () => {
    expect(nextCrawlAt("2026-11-23T00:00:00.000Z", 10, () => 0)).toBe("2026-11-23T09:00:00.000Z");
    expect(nextCrawlAt("2026-11-23T00:00:00.000Z", 10, () => 0.5)).toBe("2026-11-23T10:00:00.000Z");
    expect(nextCrawlAt("2026-11-23T00:00:00.000Z", 10, () => 1)).toBe("2026-11-23T11:00:00.000Z");
  });
});
