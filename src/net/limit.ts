/**
 * At most N requests in flight per host, across every domain being crawled
 * (seed: per-host concurrency limit). Waiters queue in order; a host's entry
 * disappears when it has nothing in flight, so the map never outgrows the
 * number of hosts busy right now.
 */
/**
 * A per-host slot: resolves when `host` may take one more request; call the result to give it
 * back. Waiting ends with the signal's reason when `signal` aborts first (the domain's deadline).
 */
export interface HostLimit {
  acquire(host: string, signal?: AbortSignal): Promise<() => void>;
}

/** A per-host limit as given, or a RangeError saying what it must be. */
export function checkedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`per-host limit must be a whole number of at least 1, not ${limit}`);
  return limit;
}

export class PerHostLimit implements HostLimit {
  private readonly hosts = new Map<string, { active: number; waiting: (() => void)[] }>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = checkedLimit(limit);
  }

  /** Resolves when a slot for `host` is free; call the returned function to give it back. */
  async acquire(host: string, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    let entry = this.hosts.get(host);
    if (entry === undefined) this.hosts.set(host, (entry = { active: 0, waiting: [] }));
    if (entry.active < this.limit) entry.active++;
    // Full: wait for a slot to be handed over (never re-counted, so no one can slip in between).
    else await handedOver(entry.waiting, signal);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = entry.waiting.shift();
      if (next !== undefined) return next();
      entry.active--;
      if (entry.active === 0) this.hosts.delete(host);
    };
  }

  /** Hosts with something in flight or waiting. */
  get busyHosts(): number {
    return this.hosts.size;
  }
}

/** Waits in `queue` until a slot is handed over, or leaves the queue when `signal` aborts. */
function handedOver(queue: (() => void)[], signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const take = () => {
      signal?.removeEventListener("abort", leave);
      resolve();
    };
    const leave = () => {
      const at = queue.indexOf(take);
      // Not found: the slot was handed over already and the promise is settled.
      if (at === -1) return;
      queue.splice(at, 1);
      reject(signal!.reason);
    };
    queue.push(take);
    signal?.addEventListener("abort", leave, { once: true });
  });
}
