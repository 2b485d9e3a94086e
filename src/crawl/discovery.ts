/**
 * Where a domain's server really lives when its own /.well-known/nodeinfo
 * fails: the host named by host-meta's lrdd template, or by webfinger's
 * aliases. Pure readers; only another, valid domain counts.
 */
import { parseDomain } from "../net/domain.ts";
import { isObject } from "./nodeinfo.ts";
import { isJsonSpace } from "../json-chars.ts";
import { parseLenientJson } from "./json.ts";

/** How much of a host-meta document is read: a real one is well under a KiB. */
export const HOST_META_SCAN_LIMIT = 256 * 1024;
/** Aliases looked at in a webfinger answer (a real one has one or two). */
export const WEBFINGER_ALIASES = 64;

/** The host in host-meta's `<Link rel="lrdd" template="…">`, if it is another domain. */
export function backendFromHostMeta(xml: string, self: string): string | undefined {
  for (const attributes of linkElements(xml.slice(0, HOST_META_SCAN_LIMIT))) {
    if (attributes.get("rel")?.toLowerCase() !== "lrdd") continue;
    const host = hostOf(attributes.get("template")?.replaceAll("{uri}", "x"));
    if (host !== undefined && host !== self) return host;
  }
  return undefined;
}

/** The host of the first https alias in a webfinger answer, if it is another domain. */
export function backendFromWebfinger(body: string | Buffer, self: string): string | undefined {
  const parsed = parseLenientJson(body);
  if (!parsed.ok || !isObject(parsed.value) || !Array.isArray(parsed.value.aliases)) return undefined;
  for (const alias of parsed.value.aliases.slice(0, WEBFINGER_ALIASES)) {
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

// --- internal ---

/** Attributes kept per element: a Link has three or four. */
const MAX_ATTRIBUTES = 16;

/**
 * The attributes of each `<Link …>` element (any namespace prefix), in one pass with one cursor
 * that never moves back: a regular expression looking for each element's end from every `<Link`
 * rescans the rest of the text for each one (quadratic on a document of unclosed `<Link`s).
 */
function* linkElements(xml: string): Generator<Map<string, string>> {
  let i = 0;
  for (;;) {
    const open = xml.indexOf("<", i);
    if (open === -1) return;
    i = nameEnd(xml, open + 1);
    const name = xml.slice(open + 1, i).toLowerCase();
    if (name !== "link" && !name.endsWith(":link")) continue;
    const attributes = new Map<string, string>();
    for (;;) {
      while (i < xml.length && (isJsonSpace(xml.charCodeAt(i)) || xml[i] === "/")) i++;
      if (i >= xml.length) return;
      if (xml[i] === ">") {
        i++;
        yield attributes;
        break;
      }
      if (xml[i] === "<") break; // an element that never closed: start again at the next one
      const start = i;
      i = nameEnd(xml, i);
      if (i === start) {
        i++; // a character no attribute starts with
        continue;
      }
      const attribute = xml.slice(start, i).toLowerCase();
      while (i < xml.length && isJsonSpace(xml.charCodeAt(i))) i++;
      if (xml[i] !== "=") continue;
      i++;
      while (i < xml.length && isJsonSpace(xml.charCodeAt(i))) i++;
      const quote = xml[i];
      if (quote !== '"' && quote !== "'") continue;
      const close = xml.indexOf(quote, i + 1);
      if (close === -1) return;
      if (attributes.size < MAX_ATTRIBUTES) attributes.set(attribute, xml.slice(i + 1, close));
      i = close + 1;
    }
  }
}

/** Where a name of [A-Za-z0-9_:-] characters starting at `i` ends. */
function nameEnd(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const letter = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
    const digit = c >= 0x30 && c <= 0x39;
    if (!letter && !digit && c !== 0x5f && c !== 0x3a && c !== 0x2d) break;
    i++;
  }
  return i;
}
