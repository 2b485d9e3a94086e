import { describe, expect, it } from "vitest";
import { admitPeer, RejectionCounts } from "../../src/peers/admit.ts";
import type { ArrayEntry } from "../../src/peers/json-stream.ts";

const rules = { tlds: new Set(["social", "ws", "com", "example", "xn--p1ai"]), hardDni: new Set(["example.com", "🍕.ws"]) };
const str = (value: string): ArrayEntry => ({ kind: "string", value });

describe("admitPeer", () => {
  it.each([
    ["mas.social", "mas.social"],
    ["Mas.Social", "mas.social"],
    ["  mas.social ", "mas.social"],
    ["mas.social.", "mas.social"],
    ["notexample.com", "notexample.com"],
    ["xn--e1afmkfd.xn--p1ai", "пример.рф"],
    ["пример.рф", "пример.рф"],
    ["my_server.social", "my_server.social"],
  ])("admits %j as %j", (entry, domain) => {
    expect(admitPeer(str(entry), rules)).toEqual({ ok: true, domain });
  });

  it.each([
    ["10.1.2.3", "ip"],
    ["2001:db8::1", "ip"],
    ["[2001:db8::1]", "ip"],
    ["mas.social:8443", "port"],
    ["mas.social/about", "path"],
    ["https://mas.social", "scheme"],
    ["alice@mas.social", "account"],
    ["bad host.mas.social", "whitespace"],
    [`${"a".repeat(64)}.social`, "label-too-long"],
    [`${"abc.".repeat(70)}social`, "too-long"],
    ["name.notatld", "unknown-tld"],
    ["localhost", "no-dot"],
    ["", "empty"],
    ["a..social", "empty-label"],
    ["-a.social", "characters"],
    ["example.com", "dni"],
    ["EXAMPLE.COM", "dni"],
    ["x.y.example.com", "dni"],
    ["🍕.ws", "dni"],
    ["xn--vi8h.ws", "dni"],
  ])("refuses %j: %s", (entry, reason) => {
    expect(admitPeer(str(entry), rules)).toEqual({ ok: false, reason });
  });

  it("refuses entries that are not strings, and strings too long to be names", () => {
    expect(admitPeer({ kind: "other", type: "number" }, rules)).toEqual({ ok: false, reason: "not-a-string" });
    expect(admitPeer({ kind: "other", type: "object" }, rules)).toEqual({ ok: false, reason: "not-a-string" });
    expect(admitPeer({ kind: "long-string" }, rules)).toEqual({ ok: false, reason: "too-long" });
  });
});

describe("RejectionCounts", () => {
  it("counts by reason and describes the largest first", () => {
    const counts = new RejectionCounts();
    for (const reason of ["ip", "unknown-tld", "ip", "dni"] as const) counts.add(reason);
    const more = new RejectionCounts();
    more.add("ip");
    counts.merge(more);
    expect(counts.total).toBe(5);
    expect(counts.describe()).toBe("3 an IP address, 1 TLD not in the IANA list, 1 on the DNI list (hard)");
  });
});
