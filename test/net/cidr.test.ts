import { describe, expect, it } from "vitest";
import { cidrMatcher, parseCidr } from "../../src/net/cidr.ts";

describe("parseCidr", () => {
  it.each([
    ["127.0.0.2/32", { address: "127.0.0.2", prefix: 32, family: "ipv4" }],
    ["10.0.0.0/8", { address: "10.0.0.0", prefix: 8, family: "ipv4" }],
    ["::1", { address: "::1", prefix: 128, family: "ipv6" }],
    ["fd00::/8", { address: "fd00::", prefix: 8, family: "ipv6" }],
    [" 127.0.0.1 ", { address: "127.0.0.1", prefix: 32, family: "ipv4" }],
  ])("parses %j", (text, value) => {
    expect(parseCidr(text)).toEqual({ ok: true, value });
  });

  it.each([
    ["example.com/8", '"example.com" is not an IPv4 or IPv6 address'],
    ["10.0.0.0/", '"/" is not a prefix length from 0 to 32'],
    ["10.0.0.0/-1", '"/-1" is not a prefix length from 0 to 32'],
    ["10.0.0.0/8.5", '"/8.5" is not a prefix length from 0 to 32'],
    ["::/200", '"/200" is not a prefix length from 0 to 128'],
  ])("refuses %j", (text, reason) => {
    expect(parseCidr(text)).toEqual({ ok: false, reason });
  });
});

describe("cidrMatcher", () => {
  it("matches addresses inside the ranges and nothing else", () => {
    const ranges = ["127.0.0.2/32", "10.0.0.0/8", "fd00::/8"].map((t) => {
      const p = parseCidr(t);
      if (!p.ok) throw new Error(p.reason);
      return p.value;
    });
    const inside = cidrMatcher(ranges);
    expect(inside("127.0.0.2")).toBe(true);
    expect(inside("127.0.0.3")).toBe(false);
    expect(inside("10.255.0.1")).toBe(true);
    expect(inside("11.0.0.1")).toBe(false);
    expect(inside("fd12::1")).toBe(true);
    expect(inside("fe80::1")).toBe(false);
    expect(inside("not an address")).toBe(false);
  });
});
