import { describe, expect, it } from "vitest";
import { type Expectation, isExpectation, shortfall } from "../../src/core/expect.ts";
import type { ProbeOutcome } from "../../src/core/outcome.ts";

const common = { domain: "a.example", requests: [], ms: 5 };
const mastodon: ProbeOutcome = { ...common, kind: "mastodon", software: "mastodon", version: "4.5.6", full_version: "4.5.6", mau: 3, total_users: 9, canonical: "a.example" };
const alias: ProbeOutcome = { ...mastodon, kind: "alias", canonical: "social.a.example" };
const other: ProbeOutcome = { ...common, kind: "other", software: "pleroma" };
const error = (error_class: "DNS" | "TCP" | "SSL" | "HTTP5XX" | "ROBOT", cause: string): ProbeOutcome => ({ ...common, kind: "error", error_class, cause, endpoint: "nodeinfo", reason: "why" });

describe("probe --expect", () => {
  // [expectation, outcome, on the hard DNI list, met (undefined) or the start of why not]
  it.each<[Expectation, ProbeOutcome, boolean, string | undefined]>([
    ["reachable", mastodon, false, undefined],
    ["reachable", other, false, undefined],
    ["reachable", error("HTTP5XX", "503"), false, undefined],
    ["reachable", error("ROBOT", "DISALLOWED"), false, undefined],
    ["reachable", error("DNS", "NXDOMAIN"), false, "not reachable: DNS NXDOMAIN at nodeinfo (why)"],
    ["reachable", error("TCP", "REFUSED"), false, "not reachable: TCP REFUSED"],
    ["reachable", error("SSL", "CERT"), false, "not reachable: SSL CERT"],
    ["mastodon", mastodon, false, undefined],
    ["mastodon", alias, false, undefined],
    ["mastodon", mastodon, true, undefined],
    ["mastodon", other, false, "not Mastodon: pleroma"],
    ["mastodon", error("HTTP5XX", "503"), false, "not Mastodon: HTTP5XX 503"],
    ["listed", mastodon, false, undefined],
    ["listed", mastodon, true, "not listed: on the DNI list (hard)"],
    ["listed", alias, false, "not listed: an alias of social.a.example"],
    ["listed", other, false, "not listed: pleroma"],
    ["listed", error("ROBOT", "DISALLOWED"), false, "not listed: ROBOT DISALLOWED"],
  ])("--expect %s of %o (DNI %s)", (expected, outcome, dni, why) => {
    const got = shortfall(expected, outcome, dni);
    if (why === undefined) expect(got).toBeUndefined();
    else expect(got?.startsWith(why), got).toBe(true);
  });

  it("knows exactly its three kinds", () => {
    expect(["mastodon", "listed", "reachable"].every(isExpectation)).toBe(true);
    expect(["Listed", "toString", "", "published"].some(isExpectation)).toBe(false);
  });
});
