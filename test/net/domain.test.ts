import { describe, expect, it } from "vitest";
import { labelSuffixes, parseDomain } from "../../src/net/domain.ts";

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
    ["", "it is empty"],
    ["mas to", "it contains whitespace"],
    ["https://mas.to", "give the domain name only, without a scheme such as https://"],
    ["mas.to/about", "give the domain name only, without a path"],
    ["alice@mas.to", "it contains '@' (give a domain, not an account)"],
    ["mas.to:443", "give the domain name only, without a port"],
    ["192.168.1.1", "it is an IP address, not a domain name"],
    ["[::1]", "it is an IP address, not a domain name"],
    ["localhost", "it has no dot (a public domain such as example.social is expected)"],
    ["a..example", "it has an empty label (two dots in a row)"],
    [`${"a".repeat(64)}.example`, "a label is longer than 63 characters"],
    [`${"a.".repeat(127)}example`, "it is longer than 253 characters"],
    ["-bad.example", 'the label "-bad" has characters a domain cannot have'],
    ["bad-.example", 'the label "bad-" has characters a domain cannot have'],
    ["a*b.example", 'the label "a*b" has characters a domain cannot have'],
  ])("refuses %j: %s", (input, reason) => {
    expect(parseDomain(input)).toEqual({ ok: false, reason });
  });
});

describe("labelSuffixes", () => {
  it("lists the domain and its parents at label boundaries only", () => {
    expect(labelSuffixes("a.b.example.com")).toEqual(["a.b.example.com", "b.example.com", "example.com", "com"]);
    expect(labelSuffixes("notexample.com")).not.toContain("example.com");
  });
});
