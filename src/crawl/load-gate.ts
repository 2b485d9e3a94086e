/**
 * Holds back new domains while the crawler is too busy to time the ones it
 * has. A crawler that starts more work than its CPU can serve makes every
 * event wait in line; the wait lands on the servers' response times, and a
 * slow but healthy server ends up recorded as a timeout (measured: at 256
 * domains at a time with two busy loops beside the crawler, a 4 s server and
 * an oversized one were both recorded as TCP timeouts). Event-loop lag is
 * that wait, measured: while it is over the limit, no new domain starts
 * (unless fewer than `minInFlight` are running, so the crawl always moves),
 * and the domains in flight get the CPU to finish on time.
 */

/** How often the lag is sampled. */
const SAMPLE_MS = 25;

/** This thread's event-loop lag: how late a timer due every `sampleMs` fires. */
export class LagMonitor {
  private readonly sampleMs: number;
  private readonly timer: NodeJS.Timeout;
  private last = performance.now();
  private recent = 0;
  /** Where the lag is published for another thread: [time of the last sample (Date.now()), lag]. */
  private readonly slot: Float64Array | undefined;

  constructor(options: { sampleMs?: number; slot?: Float64Array } = {}) {
    this.sampleMs = options.sampleMs ?? SAMPLE_MS;
    this.slot = options.slot;
    this.timer = setInterval(() => this.sample(), this.sampleMs);
    this.timer.unref();
  }

  /** The lag now: the recent samples' (decaying), or the current sample's if it is overdue. */
  get lagMs(): number {
    return Math.max(this.recent, performance.now() - this.last - this.sampleMs);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const now = performance.now();
    const late = Math.max(0, now - this.last - this.sampleMs);
    this.last = now;
    // A decaying maximum: one long pause keeps counting for a few samples, then fades.
    this.recent = Math.max(late, this.recent * 0.7);
    if (this.slot !== undefined) {
      this.slot[0] = Date.now();
      this.slot[1] = this.recent;
    }
  }
}

/** Bytes of one published lag: two doubles. */
export const LAG_SLOT_BYTES = 16;

/** The lag thread `n` published into `slots` (see LagMonitor), overdue samples included. */
export function publishedLagMs(slots: Float64Array, n: number, sampleMs = SAMPLE_MS): number {
  const last = slots[n * 2]!;
  if (last === 0) return 0; // not started yet
  return Math.max(slots[n * 2 + 1]!, Date.now() - last - sampleMs);
}

export interface LoadGateOptions {
  /** Lag above which no new domain starts. */
  readonly maxLagMs: number;
  /** Below this many in flight a domain always starts. */
  readonly minInFlight: number;
  /** The lag to go by (the largest of the threads doing the work). */
  readonly lagMs: () => number;
  /** How often held domains look again. @default 25 */
  readonly retryMs?: number;
  /** Held domains let go at one look, so that the lag they cause is seen before the next ones start. @default 4 */
  readonly releasePerLook?: number;
}

export class LoadGate {
  private readonly options: LoadGateOptions;
  private readonly waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Domains let in and not yet out. */
  inFlight = 0;

  constructor(options: LoadGateOptions) {
    this.options = options;
  }

  /** Resolves when one more domain may start, counting it in flight; undefined when it may start now. */
  enter(): Promise<void> | undefined {
    if (this.closed || (this.waiting.length === 0 && this.open())) {
      this.inFlight++;
      return undefined;
    }
    return new Promise<void>((resolve) => {
      this.waiting.push(() => {
        this.inFlight++;
        resolve();
      });
      this.timer ??= setInterval(() => this.release(), this.options.retryMs ?? 25);
    });
  }

  leave(): void {
    this.inFlight--;
    if (this.inFlight < this.options.minInFlight) this.release();
  }

  /** Lets every held domain go (the run is stopping) and holds none from now on. */
  close(): void {
    this.closed = true;
    this.release();
  }

  private open(): boolean {
    return this.inFlight < this.options.minInFlight || this.options.lagMs() <= this.options.maxLagMs;
  }

  private release(): void {
    let budget = this.closed ? Number.POSITIVE_INFINITY : (this.options.releasePerLook ?? 4);
    while (this.waiting.length > 0 && budget > 0 && (this.closed || this.open())) {
      this.waiting.shift()!();
      budget--;
    }
    if (this.waiting.length === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/**
 * The crawl's limits. Measured at 256 domains at a time on 2 cores: a crawler keeping up shows
 * up to about 240 ms (probe threads, scheduled beside the simulator), and runs with up to about
 * 440 ms gave every answer right; with four busy loops beside it and no gate, 650 ms at the 99th
 * percentile and 13 answers wrong, all timeouts. Half a second is in between.
 */
export const MAX_LAG_MS = 500;
/** A handful of domains always run, whatever else the machine is doing. */
const MIN_IN_FLIGHT = 8;

/** The gate a crawl of up to `maxThreads` domains at a time goes through. */
export function crawlGate(maxThreads: number, lagMs: () => number): LoadGate {
  return new LoadGate({ maxLagMs: MAX_LAG_MS, minInFlight: Math.min(MIN_IN_FLIGHT, maxThreads), lagMs });
}
