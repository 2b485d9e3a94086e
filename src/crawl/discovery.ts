/**
 * Where a domain's server really lives when its own /.well-known/nodeinfo
 * fails: the host named by host-meta's lrdd template, or by webfinger's
 * aliases. Pure readers; only another, valid domain counts.
 */
import { parseDomain } from "../net/domain.ts";
import { isObject } from "./nodeinfo.ts";
import { parseLenientJson } from "./json.ts";

/** The host in host-meta's `<Link rel="lrdd" template="…">`, if it is another domain. */
export function backendFromHostMeta(xml: string, self: string): string | undefined {
  for (const element of xml.slice(0, 256 * 1024).match(/<(?:[\w-]+:)?Link\b[^>]*>/gi) ?? []) {
    const attributes = new Map<string, string>();
    for (const [, name, , double, single] of element.matchAll(/([\w:-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) attributes.set(name!.toLowerCase(), double ?? single ?? "");
    if (attributes.get("rel")?.toLowerCase() !== "lrdd") continue;
    const host = hostOf(attributes.get("template")?.replace(/\{uri\}/g, "x"));
    if (host !== undefined && host !== self) return host;
  }
  return undefined;
}

/** The host of the first https alias in a webfinger answer, if it is another domain. */
export function backendFromWebfinger(body: string | Buffer, self: string): string | undefined {
  const parsed = parseLenientJson(body);
  if (!parsed.ok || !isObject(parsed.value) || !Array.isArray(parsed.value.aliases)) return undefined;
  for (const alias of parsed.value.aliases) {
    if (typeof alias !== "string" || !alias.startsWith("https://")) continue;
    const host = hostOf(alias);
    if (host !== undefined && host !== self) return host;
  }
  return undefined;
}

/** A URL's host as an A-label, only if it is a proper domain (no address, no localhost). */
export function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const { hostname, protocol } = new URL(url);
    if (protocol !== "https:" && protocol !== "http:") return undefined;
    const parsed = parseDomain(hostname);
    return parsed.ok ? parsed.value.ascii : undefined;
  } catch {
    return undefined;
  }
}
