/**
 * The SSRF guard's address check: pure, so every range is unit-tested
 * without connecting anywhere. The crawler only ever connects to addresses
 * this allows (every resolved address, every redirect hop).
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";
import type { AllowPrivateIps } from "../config.ts";
import { cidrMatcher } from "./cidr.ts";

/** Why an address is not public; undefined when it is. */
export type AddressRestriction =
  | "unspecified"
  | "loopback"
  | "private"
  | "shared address space (CGNAT)"
  | "link-local"
  | "multicast"
  | "reserved"
  | "documentation"
  | "benchmarking"
  | "broadcast"
  | "unique local"
  | "site-local"
  | "IPv4-compatible"
  | "protocol assignment";

const v4: [string, number, AddressRestriction][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "shared address space (CGNAT)"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "protocol assignment"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["255.255.255.255", 32, "broadcast"],
  ["240.0.0.0", 4, "reserved"],
];

const v6: [string, number, AddressRestriction][] = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["::", 96, "IPv4-compatible"],
  ["64:ff9b:1::", 48, "private"],
  ["100::", 64, "reserved"],
  ["2001::", 23, "protocol assignment"],
  ["2001:db8::", 32, "documentation"],
  ["fc00::", 7, "unique local"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "site-local"],
  ["ff00::", 8, "multicast"],
];

const lists = new Map<AddressRestriction, BlockList>();
for (const [address, prefix, why] of v4) blockList(why).addSubnet(address, prefix, "ipv4");
for (const [address, prefix, why] of v6) blockList(why).addSubnet(address, prefix, "ipv6");

function blockList(why: AddressRestriction): BlockList {
  let list = lists.get(why);
  if (list === undefined) lists.set(why, (list = new BlockList()));
  return list;
}

/**
 * Undefined for a public address; otherwise why not. IPv6 forms that carry an
 * IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
 * `2002::/16`) are judged by the IPv4 address inside.
 */
export function addressRestriction(address: string): AddressRestriction | undefined {
  const embedded = embeddedIPv4(address);
  if (embedded !== undefined) return addressRestriction(embedded);
  const family = isIPv4(address) ? "ipv4" : isIPv6(address) ? "ipv6" : undefined;
  if (family === undefined) return "reserved";
  // Order matters where ranges nest: the more specific reason first.
  const order: AddressRestriction[] = ["unspecified", "loopback", "broadcast", "documentation", "private", "shared address space (CGNAT)", "link-local", "multicast", "benchmarking", "unique local", "site-local", "protocol assignment", "IPv4-compatible", "reserved"];
  return order.find((why) => lists.get(why)?.check(address, family));
}

export function embeddedIPv4(address: string): string | undefined {
  if (!isIPv6(address)) return undefined;
  const bytes = ipv6Bytes(address);
  const startsWith = (values: number[]) => values.every((v, i) => bytes[i] === v);
  const tail = (from: number) => `${bytes[from]}.${bytes[from + 1]}.${bytes[from + 2]}.${bytes[from + 3]}`;
  // ::ffff:a.b.c.d
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return tail(12);
  // 64:ff9b::a.b.c.d (well-known NAT64 prefix)
  if (startsWith([0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return tail(12);
  // 2002:aabb:ccdd::/48 (6to4)
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return tail(2);
  return undefined;
}

function ipv6Bytes(address: string): number[] {
  let text = address.split("%")[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split(".").map(Number);
    text = text.slice(0, -dotted[1]!.length) + `${((a! << 8) | b!).toString(16)}:${((c! << 8) | d!).toString(16)}`;
  }
  const [head = "", tail = ""] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = text.includes("::") ? (tail === "" ? [] : tail.split(":")) : [];
  const groups = text.includes("::") ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right] : left;
  return groups.flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** A check bound to the configured allowance: returns why an address is refused, or undefined to allow it. */
export function addressGuard(allow: AllowPrivateIps): (address: string) => string | undefined {
  if (allow.kind === "all") return () => undefined;
  const inAllowed = allow.kind === "ranges" ? cidrMatcher(allow.ranges) : () => false;
  return (address) => {
    const why = addressRestriction(address);
    if (why === undefined) return undefined;
    const embedded = embeddedIPv4(address);
    if (inAllowed(address) || (embedded !== undefined && inAllowed(embedded))) return undefined;
    return `${address} is a ${why} address`;
  };
}
