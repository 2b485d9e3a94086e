/**
 * The crawl benchmark's yardstick: what the scenario's latencies allow a perfect crawler
 * (bench/crawl.ts), and the rate a crawler must start domains at to come within a given time
 * (bench/floor.ts compares that rate with what this machine's cores can do).
 */
import type { DomainSpec } from "../../test/fedisim/spec.ts";

/** The latency distribution the crawl benchmark's simulator serves. */
export const LATENCY = { medianMs: 40, p99Ms: 1500 };
/** The crawler's default request timeout; the ideal time charges each timeout at this. */
const HTTP_TIMEOUT_S = 5;
/** The crawler's default per-host limit: requests to one host at a time, however many domains need it. */
const MAX_PER_HOST = 2;

/** Seconds a domain needs at the least: sequential round trips at its latency, plus the waits its failure costs. */
export function work(spec: DomainSpec): number {
  const t = spec.truth;
  let seconds = (t.round_trips * spec.latencyMs) / 1000;
  if (t.error_class === "TCP" && t.cause === "TIMEOUT") seconds += HTTP_TIMEOUT_S;
  // Three resolver attempts of up to 2 s, and the backoff between them (80 + 160 ms).
  if (t.error_class === "DNS" && t.cause === "TIMEOUT") seconds += 3 * Math.min(2, HTTP_TIMEOUT_S) + 0.24;
  return seconds;
}

/**
 * The least rate at which domains must be started, one after another in file order, for the
 * crawl to end by `seconds`: a crawler that starts domains at a steady rate ends when the
 * slowest of (start + work) does. How fast a crawler must go, whatever its concurrency.
 */
export function rateNeeded(specs: readonly DomainSpec[], seconds: number): number {
  const endsBy = (rate: number) => specs.every((spec, i) => (i + 1) / rate + work(spec) <= seconds);
  let low = 1;
  let high = 100_000;
  for (let step = 0; step < 40; step++) {
    const mid = (low + high) / 2;
    if (endsBy(mid)) high = mid;
    else low = mid;
  }
  return high;
}

/**
 * The finishing time of a perfect crawler: `concurrency` workers taking the domains in file
 * order, each the moment a worker is free, each domain taking exactly its work. No crawler that
 * keeps that order can do better. A domain whose NodeInfo lives on a host it shares with others
 * (fedisim's hostile-slow-shared-host) also waits for one of that host's MAX_PER_HOST turns, as a
 * courteous crawler must: its timed-out request there is the last part of its work.
 */
export function idealSeconds(specs: readonly DomainSpec[], concurrency: number): number {
  const free = new Array<number>(concurrency).fill(0);
  const turns = new Map<string, number[]>();
  let end = 0;
  for (const spec of specs) {
    let soonest = 0;
    for (let i = 1; i < concurrency; i++) if (free[i]! < free[soonest]!) soonest = i;
    let finish = free[soonest]! + work(spec);
    if (spec.nodeinfoHost !== undefined) {
      const host = turns.get(spec.nodeinfoHost) ?? turns.set(spec.nodeinfoHost, new Array<number>(MAX_PER_HOST).fill(0)).get(spec.nodeinfoHost)!;
      const turn = host.indexOf(Math.min(...host));
      finish = Math.max(finish, host[turn]! + HTTP_TIMEOUT_S);
      host[turn] = finish;
    }
    free[soonest] = finish;
    end = Math.max(end, finish);
  }
  return end;
}
