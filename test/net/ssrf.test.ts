import { describe, expect, it } from "vitest";
import { addressGuard, addressRestriction } from "../../src/net/ssrf.ts";
import { parseCidr } from "../../src/net/cidr.ts";

describe("addressRestriction: the SSRF guard's address check", () => {
  it.each([
    ["0.0.0.0", "unspecified"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["127.0.0.1", "loopback"],
    ["127.0.0.99", "loopback"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "shared address space (CGNAT)"],
    ["100.127.255.254", "shared address space (CGNAT)"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "broadcast"],
    ["192.0.2.10", "documentation"],
    ["198.51.100.10", "documentation"],
    ["203.0.113.10", "documentation"],
    ["198.18.0.1", "benchmarking"],
    ["192.0.0.8", "protocol assignment"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["fe80::1", "link-local"],
    ["fc00::1", "unique local"],
    ["fd12:3456::1", "unique local"],
    ["fec0::1", "site-local"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "documentation"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "link-local"],
    ["64:ff9b::a9fe:a9fe", "link-local"],
    ["2002:7f00:0001::1", "loopback"],
    ["::127.0.0.1", "IPv4-compatible"],
  ])("%s is %s", (address, why) => {
    expect(addressRestriction(address)).toBe(why);
  });

  it.each(["1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.0", "172.32.0.1", "192.169.0.1", "2606:4700::1111", "2a01:4f8::1", "::ffff:1.1.1.1", "64:ff9b::101:101"])("%s is public", (address) => {
    expect(addressRestriction(address)).toBeUndefined();
  });
});

describe("addressGuard: the configured allowance", () => {
  const ranges = (...texts: string[]) => texts.map((t) => {
    const p = parseCidr(t);
    if (!p.ok) throw new Error(p.reason);
    return p.value;
  });

  it("refuses every restricted address by default, with the reason", () => {
    const guard = addressGuard({ kind: "none" });
    expect(guard("127.0.0.1")).toBe("127.0.0.1 is a loopback address");
    expect(guard("10.0.0.1")).toBe("10.0.0.1 is a private address");
    expect(guard("93.184.216.34")).toBeUndefined();
  });

  it("allows only the listed ranges; every other restricted address, other loopback addresses included, stays refused", () => {
    const guard = addressGuard({ kind: "ranges", ranges: ranges("127.0.0.1/32", "127.0.0.2/32") });
    expect(guard("127.0.0.1")).toBeUndefined();
    expect(guard("127.0.0.2")).toBeUndefined();
    expect(guard("::ffff:127.0.0.1")).toBeUndefined();
    expect(guard("127.0.0.99")).toBe("127.0.0.99 is a loopback address");
    expect(guard("::1")).toBe("::1 is a loopback address");
    expect(guard("10.0.0.1")).toBe("10.0.0.1 is a private address");
    expect(guard("169.254.169.254")).toBe("169.254.169.254 is a link-local address");
  });

  it("allows everything when switched off with 1", () => {
    expect(addressGuard({ kind: "all" })("169.254.169.254")).toBeUndefined();
  });
});
