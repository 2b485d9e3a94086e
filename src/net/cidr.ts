/**
 * IP address ranges in CIDR notation, parsed strictly. Used by the
 * configuration (`VMCRAWL_ALLOW_PRIVATE_IPS`) and by the SSRF guard.
 */
import { BlockList, isIP } from "node:net";

export type IpFamily = "ipv4" | "ipv6";

export interface Cidr {
  /** The network address as written (host bits are ignored by the match). */
  readonly address: string;
  readonly prefix: number;
  readonly family: IpFamily;
}

export type CidrParse = { ok: true; value: Cidr } | { ok: false; reason: string };

/** Parses `a.b.c.d/n`, `x::y/n` or a bare address (a single-host range). */
export function parseCidr(text: string): CidrParse {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const address = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return { ok: false, reason: `"${address}" is not an IPv4 or IPv6 address` };
  const family: IpFamily = version === 4 ? "ipv4" : "ipv6";
  const maxPrefix = version === 4 ? 32 : 128;
  if (slash === -1) return { ok: true, value: { address, prefix: maxPrefix, family } };
  const prefixText = trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
    return { ok: false, reason: `"/${prefixText}" is not a prefix length from 0 to ${maxPrefix}` };
  }
  return { ok: true, value: { address, prefix: Number(prefixText), family } };
}

export function formatCidr(cidr: Cidr): string {
  return `${cidr.address}/${cidr.prefix}`;
}

/** A set of ranges that answers "is this address inside?" (node:net BlockList does the bit work). */
export function cidrMatcher(ranges: readonly Cidr[]): (address: string) => boolean {
  const list = new BlockList();
  for (const range of ranges) list.addSubnet(range.address, range.prefix, range.family);
  return (address) => {
    const version = isIP(address);
    if (version === 0) return false;
    return list.check(address, version === 4 ? "ipv4" : "ipv6");
  };
}
