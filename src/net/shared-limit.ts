/**
 * The per-host limit when probes run in several worker threads: one table of
 * counters in shared memory, so "at most N requests in flight per host"
 * holds across every thread of the crawl, not per thread.
 *
 * A host's counter is the slot its name hashes to. Two hosts that share a slot
 * share one limit: stricter than asked, never looser. With 65,536 slots and a
 * few hundred hosts busy at once that is rare, and the wait is short.
 */
import { checkedLimit, type HostLimit } from "./limit.ts";

/** Slots in the table: 256 KiB of shared memory. */
export const HOST_SLOTS = 65_536;
/** A waiter looks again at least this often, whatever wake-ups it missed. */
const RECHECK_MS = 250;

/** The shared memory for one crawl's table; hand the same buffer to every thread. */
export function hostSlotsBuffer(slots = HOST_SLOTS): SharedArrayBuffer {
  return new SharedArrayBuffer(slots * Int32Array.BYTES_PER_ELEMENT);
}

export class SharedHostLimit implements HostLimit {
  private readonly counters: Int32Array;
  private readonly limit: number;

  constructor(buffer: SharedArrayBuffer, limit: number) {
    this.counters = new Int32Array(buffer);
    this.limit = checkedLimit(limit);
  }

  async acquire(host: string, signal?: AbortSignal): Promise<() => void> {
    const slot = slotOf(host, this.counters.length);
    for (;;) {
      signal?.throwIfAborted();
      const active = Atomics.load(this.counters, slot);
      if (active < this.limit) {
        // Taken only if no other thread changed the count in between.
        if (Atomics.compareExchange(this.counters, slot, active, active + 1) === active) break;
        continue;
      }
      const wait = Atomics.waitAsync(this.counters, slot, active, RECHECK_MS);
      if (!wait.async) continue;
      // A pending waitAsync does not keep Node's event loop alive; this timer does.
      const alive = setTimeout(() => {}, RECHECK_MS);
      await untilAborted(wait.value, signal);
      clearTimeout(alive);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      Atomics.sub(this.counters, slot, 1);
      Atomics.notify(this.counters, slot, 1);
    };
  }

  /** Requests in flight for `host`'s slot, for tests. */
  activeFor(host: string): number {
    return Atomics.load(this.counters, slotOf(host, this.counters.length));
  }
}

/** `wait`, or less when `signal` aborts first (the loop then throws its reason). */
function untilAborted(wait: Promise<unknown>, signal: AbortSignal | undefined): Promise<unknown> {
  if (signal === undefined) return wait;
  let leave!: () => void;
  const aborted = new Promise<void>((resolve) => signal.addEventListener("abort", (leave = () => resolve()), { once: true }));
  return Promise.race([wait, aborted]).finally(() => signal.removeEventListener("abort", leave));
}

/** FNV-1a of the name, folded onto the table. */
export function slotOf(host: string, slots: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < host.length; i++) {
    hash ^= host.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % slots;
}
