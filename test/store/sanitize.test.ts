import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ProbeOutcome } from "../../src/crawl/probe.ts";
import { sanitizeOutcome, sanitizeStaged, storedDomain, storedText, TEXT_CAPS } from "../../src/store/sanitize.ts";
import type { StagedChange } from "../../src/store/types.ts";
import { spend } from "../support/budget.ts";

const tail = { requests: [], ms: 12 };

describe("storedText", () => {
  it.each([
    ["NUL bytes", "4.3.2\u0000\u0000", 256, "4.3.2"],
    ["every C0 control, DEL and C1 control", "a\u0001\u0009\u000a\u001b[31mb\u007f\u0085\u009fc", 256, "a[31mbc"],
    ["text past its cap", "x".repeat(300), 256, "x".repeat(256)],
    ["a surrogate pair split by the cap", `${"x".repeat(9)}🍕`, 10, `${"x".repeat(9)}\ufffd`],
    ["a lone surrogate", "a\ud800b", 256, "a\ufffdb"],
    ["ordinary Unicode", "café 日本", 256, "café 日本"],
  ])("%s", (_name, input, cap, stored) => {
    expect(storedText(input, cap)).toBe(stored);
  });

  it("is linear: a mebibyte of control characters in a few ms", async () => {
    const module = fileURLToPath(new URL("../../src/store/sanitize.ts", import.meta.url));
    const spent = await spend({ module, name: "storedText", args: ["\u0000a".repeat(512 * 1024), TEXT_CAPS.reason], heapMb: 64 });
    expect(spent.ms).toBeLessThan(500);
    expect(spent.result).toBe("a".repeat(TEXT_CAPS.reason));
  });
});

describe("storedDomain", () => {
  it("stores a server-named domain in the Unicode form peer lists are stored in", () => {
    expect(storedDomain("xn--bcher-kva.example")).toBe("bücher.example");
    expect(storedDomain("Social.Example")).toBe("social.example");
    expect(storedDomain("bücher.example")).toBe("bücher.example");
  });
});

describe("sanitizeOutcome", () => {
  it("cleans and caps every text a server chose, and respells an alias's canonical domain", () => {
    const outcome: ProbeOutcome = { domain: "a.example", kind: "alias", software: "mastodon\u0000", version: "4.3.2", full_version: `4.3.2\u0000${"a".repeat(400)}`, mau: 1, total_users: 2, canonical: "xn--bcher-kva.example", ...tail };
    expect(sanitizeOutcome(outcome)).toEqual({ ...outcome, software: "mastodon", full_version: `4.3.2${"a".repeat(TEXT_CAPS.fullVersion - 5)}`, canonical: "bücher.example" });
  });

  it("cleans a failure's reason, which quotes what the server sent", () => {
    const outcome: ProbeOutcome = { domain: "a.example", kind: "error", error_class: "JSON", cause: "INVALID", endpoint: "nodeinfo", reason: `invalid JSON: Unexpected token '\u0000', "\u0000\u0000${"{".repeat(1000)}`, ...tail };
    const sanitized = sanitizeOutcome(outcome);
    expect(sanitized).toMatchObject({ kind: "error", error_class: "JSON", cause: "INVALID", endpoint: "nodeinfo" });
    const expected = `invalid JSON: Unexpected token '', "${"{".repeat(1000)}`.slice(0, TEXT_CAPS.reason);
    expect(sanitized.kind === "error" && sanitized.reason).toBe(expected);
  });

  it("never respells the crawled domain itself (it is the row's key)", () => {
    const outcome: ProbeOutcome = { domain: "xn--bcher-kva.example", kind: "other", software: "pleroma", ...tail };
    expect(sanitizeOutcome(outcome).domain).toBe("xn--bcher-kva.example");
  });
});

describe("sanitizeStaged", () => {
  it("cleans an outcome staged by a build without the boundary", () => {
    const change: StagedChange = {
      kind: "outcome",
      domain: "a.example",
      at: "2026-12-01T00:00:00.000Z",
      seconds: 0.2,
      raw: { errorType: "JSON", errorEndpoint: "nodeinfo", errorReason: "INVALID\u0000", errorCount: 1, terminalType: null, nodeinfo: null, aliasOf: "xn--bcher-kva.example", nextCrawlAt: "2026-12-02T00:00:00.000Z" },
      publication: { action: "publish", software: "mastodon", version: "4.3.2", fullVersion: "4.3.2\u0000", mau: 3 },
      error: { message: "bad \u0000 JSON", worker: "w1" },
      addDomain: "xn--bcher-kva.example",
    };
    expect(sanitizeStaged(change)).toEqual({
      ...change,
      raw: { ...change.raw, errorReason: "INVALID", aliasOf: "bücher.example" },
      publication: { action: "publish", software: "mastodon", version: "4.3.2", fullVersion: "4.3.2", mau: 3 },
      error: { message: "bad  JSON", worker: "w1" },
      addDomain: "bücher.example",
    });
  });

  it("leaves staged domain lists and peer switches in the spelling they are keyed by", () => {
    expect(sanitizeStaged({ kind: "domains", domains: ["xn--bcher-kva.example", "b\u0000.example"] })).toEqual({ kind: "domains", domains: ["xn--bcher-kva.example", "b.example"] });
  });
});
