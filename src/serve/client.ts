/**
 * Who a request to `serve` counts against in the rate limit. Behind a reverse proxy every request
 * comes from the proxy, so the client is read from X-Forwarded-For, but only when the peer is a
 * proxy named in VMCRAWL_API_TRUSTED_PROXIES (anyone else could write the header to get a fresh
 * budget per request). IPv6 clients are keyed on their /64: one host commonly holds a whole /64.
 * Pure; linear in the header, whose length and entry count are capped.
 */
import { isIPv4, isIPv6 } from "node:net";

/** Entries of X-Forwarded-For looked at, from the right: more proxies than this is a made-up header. */
const MAX_HOPS = 16;
/** Longer headers are not read at all (a client behind trusted proxies is then keyed as the proxy). */
const MAX_HEADER = 2048;

export function clientKey(peer: string, forwardedFor: string | undefined, isTrustedProxy: (address: string) => boolean): string {
  let client = plainAddress(peer);
  if (forwardedFor !== undefined && forwardedFor.length <= MAX_HEADER && isTrustedProxy(client)) {
    // Walk from the nearest hop outwards: the first address no trusted proxy vouches for is the client.
    const hops = forwardedFor.split(",").slice(-MAX_HOPS).reverse();
    for (const hop of hops) {
      const address = plainAddress(hop.trim());
      if (!isIPv4(address) && !isIPv6(address)) break;
      client = address;
      if (!isTrustedProxy(address)) break;
    }
  }
  return bucketOf(client);
}

/** An IPv4-mapped IPv6 address as the IPv4 address it is; brackets and zone dropped. */
function plainAddress(text: string): string {
  const unbracketed = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const address = unbracketed.split("%")[0]!;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped !== null ? mapped[1]! : address;
}

/** The key of the rate-limit bucket: an IPv4 address itself, an IPv6 address's /64. */
export function bucketOf(address: string): string {
  if (!isIPv6(address)) return address;
  const [head = "", tail = ""] = address.toLowerCase().split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  const groups = address.includes("::") ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}
