/**
 * When the daemon crawls a domain again (reference §8.3): a healthy server
 * after VMCRAWL_RECRAWL_HOURS; a failing one after its class's base time,
 * doubling with each consecutive failure up to VMCRAWL_RETRY_CAP_HOURS
 * (bases above the cap, such as NXDOMAIN or an opt-out, stay flat); a server
 * that is not Mastodon, an alias, or one that opted out, rarely. ±10% jitter
 * keeps a fleet from crawling in lockstep.
 */
import type { ProbeOutcome } from "./outcome.ts";

export interface ScheduleOptions {
  readonly recrawlHours: number;
  readonly capHours: number;
}

const BASE_HOURS: Record<string, number> = {
  "DNS/NXDOMAIN": 2160,
  DNS: 12,
  "SSL/CIPHER": 168,
  SSL: 12,
  "TCP/TIMEOUT": 3,
  "TCP/SSRF": 72,
  "TCP/RESET": 12,
  TCP: 6,
  "HTTP3XX/REDIRECT": 720,
  "HTTP3XX/INSECURE_REDIRECT": 720,
  HTTP3XX: 24,
  HTTP2XX: 24,
  "HTTP4XX/429": 1,
  HTTP4XX: 24,
  HTTP5XX: 3,
  HARD: 2160,
  ROBOT: 720,
  // TYPE, SIZE, API, JSON: the server answered, but not usefully.
  CONTENT: 12,
};

/** Hours until the next crawl, before jitter. */
export function delayHours(outcome: ProbeOutcome, consecutiveFailures: number, options: ScheduleOptions): number {
  switch (outcome.kind) {
    case "mastodon":
      return options.recrawlHours;
    case "other":
    case "matrix":
      return 720;
    case "alias":
      return 2160;
    case "error": {
      const base = BASE_HOURS[`${outcome.error_class}/${outcome.cause}`] ?? BASE_HOURS[outcome.error_class] ?? BASE_HOURS.CONTENT!;
      const doubled = base * 2 ** Math.max(0, consecutiveFailures - 1);
      return Math.min(doubled, Math.max(base, options.capHours));
    }
  }
}

/** ISO time of the next crawl: `at` plus the delay, ±10%. */
export function nextCrawlAt(at: string, hours: number, random: () => number = Math.random): string {
  const factor = 0.9 + 0.2 * random();
  return new Date(Date.parse(at) + hours * factor * 3_600_000).toISOString();
}
