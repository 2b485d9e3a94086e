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
 * keeps that order can do better.
 */
export function idealSeconds(specs: readonly DomainSpec[], concurrency: number): number {
  const free = new Array<number>(concurrency).fill(0);
  let end = 0;
  for (const spec of specs) {
    let soonest = 0;
    for (let i = 1; i < concurrency; i++) if (free[i]! < free[soonest]!) soonest = i;
    free[soonest]! += work(spec);
    end = Math.max(end, free[soonest]!);
  }
  return end;
}
