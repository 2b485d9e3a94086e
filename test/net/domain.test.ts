import { describe, expect, it } from "vitest";
import { isListed, isListedAs, labelSuffixes, parseDomain, parseDomainThoroughly } from "../../src/net/domain.ts";

describe("parseDomain", () => {
  it.each([
    ["Mas.To", { name: "mas.to", ascii: "mas.to", unicode: "mas.to" }],
    ["  infosec.exchange.  ", { name: "infosec.exchange", ascii: "infosec.exchange", unicode: "infosec.exchange" }],
    ["🍕.ws", { name: "🍕.ws", ascii: "xn--vi8h.ws", unicode: "🍕.ws" }],
    ["xn--vi8h.ws", { name: "xn--vi8h.ws", ascii: "xn--vi8h.ws", unicode: "🍕.ws" }],
    ["Bücher.Example", { name: "bücher.example", ascii: "xn--bcher-kva.example", unicode: "bücher.example" }],
    ["my_server.example", { name: "my_server.example", ascii: "my_server.example", unicode: "my_server.example" }],
  ])("accepts %j", (input, expected) => {
    expect(parseDomain(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ["", "empty", "it is empty"],
    ["mas to", "whitespace", "it contains whitespace"],
    ["https://mas.to", "scheme", "give the domain name only, without a scheme such as https://"],
    ["mas.to/about", "path", "give the domain name only, without a path"],
    ["alice@mas.to", "account", "it contains '@' (give a domain, not an account)"],
    ["mas.to:443", "port", "give the domain name only, without a port"],
    ["192.168.1.1", "ip", "it is an IP address, not a domain name"],
    ["[::1]", "ip", "it is an IP address, not a domain name"],
    ["localhost", "no-dot", "it has no dot (a public domain such as example.social is expected)"],
    ["a..example", "empty-label", "it has an empty label (two dots in a row)"],
    [`${"a".repeat(64)}.example`, "label-too-long", "a label is longer than 63 characters"],
    [`${"a.".repeat(127)}example`, "too-long", "it is longer than 253 characters"],
    ["-bad.example", "characters", 'the label "-bad" has characters a domain cannot have'],
    ["bad-.example", "characters", 'the label "bad-" has characters a domain cannot have'],
    ["a*b.example", "characters", 'the label "a*b" has characters a domain cannot have'],
  ])("refuses %j (%s): %s", (input, code, reason) => {
    expect(parseDomain(input)).toEqual({ ok: false, code, reason });
  });
});

describe("parseDomain's shortcut for plain ASCII names", () => {
  // Names built from the characters where the shortcut and the full path could disagree.
  function* tricky(): Generator<string> {
    const labels = ["a", "-a", "a-", "a--b", "xn--vi8h", "xn--", "_x", "0x7f", "0x", "1", "123", "1e", "Ab", "ü", "a".repeat(63), "a".repeat(64), ""];
    for (const first of labels) for (const last of labels) yield `${first}.${last}`;
    for (const label of labels) yield label;
    yield `${"a.".repeat(126)}ab`; // 254 characters
    yield `${"a.".repeat(126)}a`; // 253
    yield "a.b.";
    yield " a.b";
    yield "1.2.3.4";
  }

  it("gives exactly what the full checks give", () => {
    let compared = 0;
    for (const input of tricky()) {
      expect(parseDomain(input), input).toEqual(parseDomainThoroughly(input));
      compared++;
    }
    expect(compared).toBeGreaterThan(290);
  });

  it("still reads a name ending in a number the way a URL does, as an address", () => {
    expect(parseDomain("0x7f.1")).toMatchObject({ ok: false, code: "ip" });
    expect(parseDomain("a.123")).toMatchObject({ ok: false, code: "idn" });
  });
});

describe("isListed", () => {
  const list = new Set(["example.com", "🍕.ws"]);
  it.each([
    ["example.com", true],
    ["a.b.example.com", true],
    ["notexample.com", false],
    ["example.com.evil", false],
    ["xn--vi8h.ws", true],
    ["sub.xn--vi8h.ws", true],
    ["🍕.ws", true],
    ["x🍕.ws", false],
  ])("%s: %s, at label boundaries, in either spelling", (name, listed) => {
    expect(isListed(name, list)).toBe(listed);
    const parsed = parseDomain(name);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(isListedAs([parsed.value.ascii, parsed.value.unicode], list)).toBe(listed);
  });
});

describe("labelSuffixes", () => {
  it("lists the domain and its parents at label boundaries only", () => {
    expect(labelSuffixes("a.b.example.com")).toEqual(["a.b.example.com", "b.example.com", "example.com", "com"]);
    expect(labelSuffixes("notexample.com")).not.toContain("example.com");
  });
});
