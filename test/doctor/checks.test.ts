/** The doctor's verdicts, pure: each threshold on both sides, and the TLS cases no test may reach over a network. */
import { describe, expect, it } from "vitest";
import { apiClientCheck, CLOCK_FAIL_MS, CLOCK_WARN_MS, clockCheck, outboxCheck, postgresTlsCheck, tldCheck } from "../../src/doctor/checks.ts";

const NOW = new Date("2026-12-02T12:00:00Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

describe("doctor's verdicts", () => {
  it.each([
    ["verify-full", false, false, "ok"],
    ["require", false, false, "warn"],
    ["prefer", false, false, "fail"],
    ["disable", false, false, "fail"],
    ["disable", true, false, "ok"], // inside the SSH tunnel
    ["prefer", false, true, "ok"], // loopback
  ] as const)("PostgreSQL TLS %s (tunnel %s, loopback %s): %s", (sslMode, tunnelled, loopback, status) => {
    expect(postgresTlsCheck({ host: "db.example.org", sslMode }, tunnelled, loopback).status).toBe(status);
  });

  it.each([
    [0, "ok"],
    [CLOCK_WARN_MS, "ok"],
    [CLOCK_WARN_MS + 1, "warn"],
    [-CLOCK_FAIL_MS, "warn"],
    [-CLOCK_FAIL_MS - 1, "fail"],
  ])("a clock %i ms off PostgreSQL's: %s", (skew, status) => {
    expect(clockCheck({ schema: { pending: 0 }, serverNow: NOW, localNow: new Date(NOW.getTime() + skew) }).status).toBe(status);
  });

  it.each([
    [{ entries: 0, oldest: undefined }, 0, "ok"],
    [{ entries: 5, oldest: ago(59 * 60_000) }, 0, "ok"],
    [{ entries: 5, oldest: ago(61 * 60_000) }, 0, "warn"],
    [{ entries: 0, oldest: undefined }, 1, "fail"],
  ])("an outbox of %o with %i quarantined: %s", (backlog, quarantined, status) => {
    expect(outboxCheck({ exists: true, backlog, quarantined }, NOW).status).toBe(status);
  });

  it.each([
    [undefined, "warn"],
    [ago(6 * 86_400_000), "ok"],
    [ago(8 * 86_400_000), "warn"],
  ])("a TLD list updated %s: %s", (updatedAt, status) => {
    expect(tldCheck(updatedAt === undefined ? { exists: true } : { exists: true, tlds: { count: 1500, updatedAt } }, 7 * 86_400_000, NOW).status).toBe(status);
  });

  it.each([
    [[], 600, "ok"],
    [[{ address: "10.0.0.0", prefix: 8, family: "ipv4" as const }], 600, "ok"],
    [[{ address: "::", prefix: 0, family: "ipv6" as const }], 600, "fail"],
    [[], 0, "warn"],
  ])("trusted proxies %j, %i a minute: %s", (proxies, rate, status) => {
    expect(apiClientCheck(proxies, rate).status).toBe(status);
  });
});
