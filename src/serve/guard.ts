/**
 * The API's gatekeeping: the key compared in constant time (hashes of equal
 * length, so neither the key's length nor its prefix leaks through timing),
 * and a per-client request budget per minute with a bounded memory.
 */
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (text: string) => createHash("sha256").update(text).digest();

export function keyMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/** Fixed one-minute windows per client; at most `maxClients` remembered (the oldest forgotten first). */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly perMinute: number;
  private readonly maxClients: number;

  constructor(perMinute: number, maxClients = 50_000) {
    this.perMinute = perMinute;
    this.maxClients = maxClients;
  }

  /** undefined: allowed; else the seconds until the client may ask again. */
  take(client: string, now: number): number | undefined {
    if (this.perMinute === 0) return undefined;
    let window = this.windows.get(client);
    if (window === undefined || now - window.start >= 60_000) {
      this.windows.delete(client);
      if (this.windows.size >= this.maxClients) this.windows.delete(this.windows.keys().next().value!);
      window = { start: now, count: 0 };
      this.windows.set(client, window);
    }
    window.count++;
    return window.count > this.perMinute ? Math.max(1, Math.ceil((window.start + 60_000 - now) / 1000)) : undefined;
  }
}

/** A value kept for `ttlMs`, computed again after; concurrent callers share one computation. */
export class Cached<T> {
  private value: { at: number; promise: Promise<T> } | undefined;
  private readonly ttlMs: number;
  private readonly compute: () => Promise<T>;

  constructor(ttlMs: number, compute: () => Promise<T>) {
    this.ttlMs = ttlMs;
    this.compute = compute;
  }

  get(now: number): Promise<T> {
    if (this.value === undefined || now - this.value.at >= this.ttlMs) {
      const promise = this.compute();
      this.value = { at: now, promise };
      // A failure is not kept: the next request tries again.
      promise.catch(() => {
        if (this.value?.promise === promise) this.value = undefined;
      });
    }
    return this.value.promise;
  }

  clear(): void {
    this.value = undefined;
  }
}
