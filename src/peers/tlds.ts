/**
 * The IANA list of top-level domains (reference §10.2), which peer admission
 * checks every name against. Kept in `tld_cache` and read again when the copy
 * is a week old; when the source cannot be read the copy keeps working, and a
 * download that does not look like the list (an error page) never replaces it.
 * With no copy at all, the TLDs the binary carries (the ICANN part of tldts'
 * public suffix data) stand in, with a warning, so an offline machine can
 * still fetch.
 */
import { parse as parseHostname } from "tldts";
import tldtsPackage from "tldts/package.json" with { type: "json" };
import { VmcrawlError } from "../errors.ts";
import { replaceTlds } from "../store/tlds.ts";
import type { Store } from "../store/types.ts";
import type { HttpClient } from "../net/http.ts";

/** How long the stored copy is used before the source is read again. */
export const TLD_MAX_AGE_MS = 7 * 86_400_000;

/** `arpa` is infrastructure, never a server's domain (upstream excludes it too); `onion` is not in IANA's list, though the public suffix data has it. */
const EXCLUDED = new Set(["arpa", "onion"]);

/** Whether a TLD is one: all peer admission asks of the list. */
export interface TldCheck {
  has(tld: string): boolean;
}

/** The date of the build, put in by build.ts; absent when running from src. */
declare const __VMCRAWL_BUILD_DATE__: string | undefined;

/** The TLDs the binary carries: the ICANN suffixes of tldts' public suffix data that are one label. */
export const CARRIED_TLDS: TldCheck = {
  has(tld) {
    if (EXCLUDED.has(tld) || tld.includes(".")) return false;
    const parsed = parseHostname(`x.${tld}`, { allowPrivateDomains: false });
    return parsed.isIcann === true && parsed.publicSuffix === tld;
  },
};

/** "tldts 7.5.5, in the build of 2026-12-02": how old the carried list is. */
export function carriedTldsAge(): string {
  const built = typeof __VMCRAWL_BUILD_DATE__ === "string" ? `, in the build of ${__VMCRAWL_BUILD_DATE__}` : "";
  return `tldts ${tldtsPackage.version}${built}`;
}

export type TldParse = { readonly ok: true; readonly tlds: string[] } | { readonly ok: false; readonly reason: string };

/** The IANA file: one TLD per line (upper-case, A-labels), `#` comments. Every line must be one. */
export function parseTldList(text: string): TldParse {
  const tlds: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const tld = line.toLowerCase();
    if (!/^[a-z0-9-]{2,63}$/.test(tld) || tld.startsWith("-") || tld.endsWith("-")) {
      return { ok: false, reason: `line ${i + 1} is not a top-level domain: ${JSON.stringify(line.slice(0, 40))}` };
    }
    if (!EXCLUDED.has(tld)) tlds.push(tld);
  }
  if (tlds.length === 0) return { ok: false, reason: "it lists no top-level domains" };
  return { ok: true, tlds };
}

export interface TldCache {
  /** The stored list and when it was stored (ISO), or undefined when there is none. */
  read(): { readonly tlds: string[]; readonly updatedAt: string } | undefined;
  /** Replaces the stored list in one transaction. */
  replace(tlds: readonly string[], at: string): void;
}

export interface TldList {
  readonly tlds: TldCheck;
  /** Where they came from, for the summary. */
  readonly source: "cache" | "download" | "stale-cache" | "carried";
  /** Why the source could not be used, when it could not. */
  readonly warning?: string;
}

/** The TLDs to admit peers with: the stored copy while fresh, else the source, else the old copy, else the carried list. */
export async function loadTlds(cache: TldCache, http: Pick<HttpClient, "fetch">, url: string, now: Date, options: { signal?: AbortSignal } = {}): Promise<TldList> {
  const stored = cache.read();
  if (stored !== undefined && now.getTime() - Date.parse(stored.updatedAt) < TLD_MAX_AGE_MS) return { tlds: new Set(stored.tlds), source: "cache" };
  const problem = await download(http, url, options.signal);
  if (typeof problem !== "string") {
    cache.replace(problem, now.toISOString());
    return { tlds: new Set(problem), source: "download" };
  }
  if (stored !== undefined) {
    return { tlds: new Set(stored.tlds), source: "stale-cache", warning: `the TLD list at ${url} could not be read (${problem}); using the copy from ${stored.updatedAt}` };
  }
  return {
    tlds: CARRIED_TLDS,
    source: "carried",
    warning: `the TLD list at ${url} could not be read (${problem}) and no copy is stored; admitting peers by the TLDs this binary carries (${carriedTldsAge()}) until it can be read (set VMCRAWL_TLD_URL to a reachable copy, or run vmcrawl manage tld update)`,
  };
}


/**
 * manage's "update TLD cache": the list read now and stored in the system of record (PostgreSQL
 * in a fleet), whatever the age of the stored copy. When it cannot be read, says why (exit 1) and
 * changes nothing.
 */
export async function refreshTldCache(store: Pick<Store, "transaction">, http: Pick<HttpClient, "fetch">, url: string, now: Date): Promise<number> {
  const tlds = await download(http, url, undefined);
  if (typeof tlds === "string") throw new VmcrawlError("SOURCE", `the TLD list at ${url} could not be read (${tlds}); the stored copy stays`);
  await store.transaction((query) => replaceTlds(query, tlds, now.toISOString()));
  return tlds.length;
}

/** The list, or why not. */
async function download(http: Pick<HttpClient, "fetch">, url: string, signal: AbortSignal | undefined): Promise<string[] | string> {
  const result = await http.fetch(url, { accept: "text/plain", maxBytes: 1024 * 1024, ...(signal ? { signal } : {}) });
  if (!result.ok) return result.failure.reason;
  if (result.status !== 200) return `HTTP ${result.status}`;
  const parsed = parseTldList(result.body.toString("utf8"));
  return parsed.ok ? parsed.tlds : parsed.reason;
}
