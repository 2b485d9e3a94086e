import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cidrMatcher, parseCidr } from "../../src/net/cidr.ts";
import { bucketOf, clientKey } from "../../src/serve/client.ts";
import { spend } from "../support/budget.ts";

const TRUSTED = ["127.0.0.1/32", "10.0.0.0/8", "fd00::/8"];
const trusted = cidrMatcher(TRUSTED.flatMap((c) => { const p = parseCidr(c); return p.ok ? [p.value] : []; }));
const none = () => false;

describe("the rate limit's client", () => {
  it.each([
    // [peer, X-Forwarded-For, trusted proxies, key]
    ["203.0.113.7", undefined, none, "203.0.113.7"],
    ["203.0.113.7", "198.51.100.1", none, "203.0.113.7"], // nobody trusted: the header is anyone's to write
    ["203.0.113.7", "198.51.100.1", trusted, "203.0.113.7"], // the peer is no trusted proxy
    ["127.0.0.1", "198.51.100.1", trusted, "198.51.100.1"],
    ["127.0.0.1", "198.51.100.9, 198.51.100.1", trusted, "198.51.100.1"], // the left entry is the client's own claim
    ["127.0.0.1", "198.51.100.1, 10.1.2.3", trusted, "198.51.100.1"], // a chain of trusted proxies
    ["127.0.0.1", "10.1.2.3", trusted, "10.1.2.3"], // all trusted: the farthest one
    ["127.0.0.1", "garbage, 198.51.100.1", trusted, "198.51.100.1"],
    ["127.0.0.1", "198.51.100.1, garbage", trusted, "127.0.0.1"], // unreadable nearest hop: the proxy itself
    ["::ffff:127.0.0.1", "198.51.100.1", trusted, "198.51.100.1"],
    ["127.0.0.1", "[2001:db8:1:2:3:4:5:6]", trusted, "2001:db8:1:2::/64"],
    ["2001:db8:aa:bb::1", undefined, none, "2001:db8:aa:bb::/64"],
    ["2001:db8:aa:bb:ffff:1:2:3", undefined, none, "2001:db8:aa:bb::/64"],
    ["2001:db8::1", undefined, none, "2001:db8:0:0::/64"],
    ["::1", undefined, none, "0:0:0:0::/64"],
  ] as const)("peer %s, X-Forwarded-For %j → %s", (peer, header, isTrusted, key) => {
    expect(clientKey(peer, header, isTrusted)).toBe(key);
  });

  it.each([
    // Past the header cap: not read at all, the proxy is the client.
    ["a header of 5,000 hops", `${"10.0.0.1, ".repeat(5000)}198.51.100.1`, "127.0.0.1"],
    // Under the cap: only the nearest hops are walked.
    ["150 trusted hops", `198.51.100.1, ${"10.0.0.1, ".repeat(150)}10.0.0.2`, "10.0.0.1"],
    ["a megabyte of one hop", "1".repeat(1 << 20), "127.0.0.1"],
  ])("%s: read within the time and memory budget", async (_name, header, key) => {
    const spent = await spend({ module: fileURLToPath(new URL("../support/budget-targets.ts", import.meta.url)), name: "forwardedClient", args: ["127.0.0.1", header, TRUSTED], heapMb: 32 });
    expect(spent.result).toBe(key);
    expect(spent.ms).toBeLessThan(50);
  });

  it("keys two addresses of one /64 alike and of two /64s apart", () => {
    expect(bucketOf("2001:db8:1:2::a")).toBe(bucketOf("2001:0db8:0001:0002:ffff::b"));
    expect(bucketOf("2001:db8:1:2::a")).not.toBe(bucketOf("2001:db8:1:3::a"));
  });
});
