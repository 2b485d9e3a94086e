/**
 * Name resolution for the crawler: c-ares queries (A and AAAA together) to
 * the configured or system resolvers, retried with capped exponential
 * backoff and jitter on transient failures, behind a bounded LRU cache of
 * successful answers (DESIGN §6, seed "DNS": 5-minute TTL, 10,000 entries).
 */
import { Resolver } from "node:dns/promises";
import type { DnsServer } from "../config.ts";

export type DnsFailureCode = "NXDOMAIN" | "NODATA" | "SERVFAIL" | "TIMEOUT";

/** A resolution that failed for good (after retries where they make sense). */
export class DnsFailure extends Error {
  override name = "DnsFailure";
  readonly code: DnsFailureCode;
  readonly hostname: string;

  constructor(code: DnsFailureCode, hostname: string, detail: string) {
    super(`${hostname}: ${detail}`);
    this.code = code;
    this.hostname = hostname;
  }
}

export interface ResolverOptions {
  /** Empty: the system's resolvers (from /etc/resolv.conf). */
  readonly servers: readonly DnsServer[];
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly jitterMs: number;
  readonly maxTotalDelayMs: number;
  /** How long one query may take. */
  readonly attemptTimeoutMs: number;
  /** @default 300_000 (5 minutes) */
  readonly cacheTtlMs?: number;
  /** @default 10_000 */
  readonly cacheEntries?: number;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** One query for one family; injected by unit tests, c-ares otherwise. Rejects with the c-ares error code. */
  readonly query?: (hostname: string, family: 4 | 6) => Promise<string[]>;
}

export interface NameResolver {
  /** IPv4 and IPv6 addresses of `hostname` (an A-label); rejects with DnsFailure. */
  resolve(hostname: string, signal?: AbortSignal): Promise<string[]>;
  /** Cached names, for tests and stats. */
  readonly cacheSize: number;
}

/** c-ares codes worth another attempt: the resolver, not the name, had a problem. */
const TRANSIENT = new Set(["ESERVFAIL", "ETIMEOUT", "ECONNREFUSED", "EREFUSED", "EBADRESP", "ECANCELLED", "EOF", "EFILE", "ENOMEM", "EDESTRUCTION"]);

export function createResolver(options: ResolverOptions): NameResolver {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;
  const ttl = options.cacheTtlMs ?? 300_000;
  const capacity = options.cacheEntries ?? 10_000;
  const query = options.query ?? caresQuery(options);
  const cache = new Map<string, { addresses: string[]; expires: number }>();
  const inFlight = new Map<string, Promise<string[]>>();

  async function lookupOnce(hostname: string): Promise<string[]> {
    const [v4, v6] = await Promise.allSettled([query(hostname, 4), query(hostname, 6)]);
    const addresses = [...(v4.status === "fulfilled" ? v4.value : []), ...(v6.status === "fulfilled" ? v6.value : [])];
    if (addresses.length > 0) return addresses;
    const codes = [v4, v6].map((r) => (r.status === "rejected" ? String((r.reason as { code?: unknown })?.code ?? "EUNKNOWN") : "ENODATA"));
    if (codes.includes("ENOTFOUND")) throw new DnsFailure("NXDOMAIN", hostname, "no such domain (NXDOMAIN)");
    if (codes.every((c) => c === "ENODATA")) throw new DnsFailure("NODATA", hostname, "the name has no A or AAAA record");
    // An answer the server gave (SERVFAIL, REFUSED…) says more than a query that went unanswered.
    const transient = codes.find((c) => TRANSIENT.has(c) && c !== "ETIMEOUT") ?? codes.find((c) => TRANSIENT.has(c)) ?? codes.find((c) => c !== "ENODATA")!;
    throw Object.assign(new DnsFailure(transient === "ETIMEOUT" ? "TIMEOUT" : "SERVFAIL", hostname, `resolver answered ${transient}`), { transient: TRANSIENT.has(transient) });
  }

  async function resolveFresh(hostname: string, signal?: AbortSignal): Promise<string[]> {
    let slept = 0;
    let answered: DnsFailure | undefined; // the last failure the server itself answered
    for (let attempt = 0; ; attempt++) {
      try {
        const addresses = await lookupOnce(hostname);
        remember(hostname, addresses);
        return addresses;
      } catch (err) {
        const retry = (err as { transient?: boolean }).transient === true && attempt + 1 < options.attempts && !signal?.aborted;
        if (!retry) throw err instanceof DnsFailure && err.code === "TIMEOUT" && answered !== undefined ? answered : err;
        if (err instanceof DnsFailure && err.code !== "TIMEOUT") answered = err;
        const wanted = Math.max(0, options.baseDelayMs * 2 ** attempt + (random() * 2 - 1) * options.jitterMs);
        const delay = Math.min(wanted, Math.max(0, options.maxTotalDelayMs - slept));
        slept += delay;
        if (delay > 0) await sleep(delay, signal);
      }
    }
  }

  function remember(hostname: string, addresses: string[]): void {
    cache.delete(hostname);
    cache.set(hostname, { addresses, expires: now() + ttl });
    // Over capacity: drop the least recently used (Map iteration order is insertion order).
    while (cache.size > capacity) cache.delete(cache.keys().next().value!);
  }

  return {
    async resolve(hostname, signal) {
      const key = hostname.toLowerCase();
      const hit = cache.get(key);
      if (hit !== undefined) {
        if (hit.expires > now()) {
          cache.delete(key);
          cache.set(key, hit);
          return hit.addresses;
        }
        cache.delete(key);
      }
      // Concurrent lookups of one name share a query.
      let pending = inFlight.get(key);
      if (pending === undefined) {
        pending = resolveFresh(key, signal).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
    get cacheSize() {
      return cache.size;
    },
  };
}

function caresQuery(options: ResolverOptions): (hostname: string, family: 4 | 6) => Promise<string[]> {
  const resolver = new Resolver({ timeout: Math.max(1, Math.round(options.attemptTimeoutMs)), tries: 1 });
  if (options.servers.length > 0) resolver.setServers(options.servers.map((s) => (s.host.includes(":") ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`)));
  return (hostname, family) => (family === 4 ? resolver.resolve4(hostname) : resolver.resolve6(hostname));
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
