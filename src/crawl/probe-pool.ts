/**
 * Probes spread over worker threads. One thread cannot keep hundreds of
 * domains in flight: each costs milliseconds of CPU in TLS handshakes and
 * HTTP/2, and a busy event loop adds its delay to every response. The main
 * thread keeps selection, progress and the database; the workers probe.
 *
 * A domain goes to the worker with the fewest in flight. Stopping a probe
 * (the run's signal) is passed on; a worker that dies fails the probes it
 * held, and the run with them, before anything half-done is written.
 */
import { Worker } from "node:worker_threads";
import type { DomainName } from "../net/domain.ts";
import type { NetConfig } from "../net/index.ts";
import { hostSlotsBuffer } from "../net/shared-limit.ts";
import type { VersionContext } from "../versions/clean.ts";
import { LAG_SLOT_BYTES, publishedLagMs } from "./load-gate.ts";
import type { ProbeOutcome } from "./probe.ts";
import type { FromWorker, ProbeWorkerSetup, ToWorker } from "./probe-worker.ts";

/** The worker bundle's source, put in by the build (build.ts); absent when running from src. */
declare const __VMCRAWL_PROBE_WORKER__: string | undefined;

export interface ProbePoolOptions {
  readonly threads: number;
  readonly net: NetConfig;
  readonly versions: VersionContext;
  readonly deadlineMs: number;
  readonly robotsToken: string;
}

interface Pending {
  readonly resolve: (outcome: ProbeOutcome) => void;
  readonly reject: (err: Error) => void;
}

interface Thread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

export class ProbePool {
  private readonly threads: Thread[];
  /** Each thread's [time of its last sample, lag], written by the thread. */
  private readonly lagSlots: Float64Array;
  private nextId = 1;
  private failure: Error | undefined;

  constructor(options: ProbePoolOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`a probe pool needs at least 1 thread, not ${options.threads}`);
    const setup: ProbeWorkerSetup = {
      net: options.net,
      hostSlots: hostSlotsBuffer(),
      lagSlots: (this.lagSlots = new Float64Array(new SharedArrayBuffer(options.threads * LAG_SLOT_BYTES))).buffer as SharedArrayBuffer,
      lagSlot: 0,
      versions: options.versions,
      deadlineMs: options.deadlineMs,
      robotsToken: options.robotsToken,
    };
    this.threads = Array.from({ length: options.threads }, (_, n) => this.spawn({ ...setup, lagSlot: n }, n));
  }

  /** The largest event-loop lag of the probe threads (load-gate.ts). */
  lagMs(): number {
    let lag = 0;
    for (let n = 0; n < this.threads.length; n++) lag = Math.max(lag, publishedLagMs(this.lagSlots, n));
    return lag;
  }

  probe(domain: DomainName, signal?: AbortSignal): Promise<ProbeOutcome> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const thread = this.threads.reduce((least, t) => (t.pending.size < least.pending.size ? t : least));
    const id = this.nextId++;
    return new Promise<ProbeOutcome>((resolve, reject) => {
      const abort = () => thread.worker.postMessage({ type: "abort", id } satisfies ToWorker);
      signal?.addEventListener("abort", abort, { once: true });
      const done = () => signal?.removeEventListener("abort", abort);
      thread.pending.set(id, {
        resolve: (outcome) => {
          done();
          resolve(outcome);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      });
      thread.worker.postMessage({ type: "probe", id, domain } satisfies ToWorker);
      if (signal?.aborted) abort();
    });
  }

  /** Ends every thread; probes still held fail. */
  async close(): Promise<void> {
    this.failAll(new Error("the probe pool was closed"));
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private spawn(setup: ProbeWorkerSetup, n: number): Thread {
    const options = { workerData: { probeWorker: setup }, name: `probe-${n + 1}` };
    const worker =
      typeof __VMCRAWL_PROBE_WORKER__ === "string" ? new Worker(__VMCRAWL_PROBE_WORKER__, { ...options, eval: true }) : new Worker(new URL("./probe-worker.ts", import.meta.url), options);
    const thread: Thread = { worker, pending: new Map() };
    worker.on("message", (message: FromWorker) => {
      const pending = thread.pending.get(message.id);
      thread.pending.delete(message.id);
      pending?.resolve(message.outcome);
    });
    worker.on("error", (err) => this.failAll(new Error(`probe thread ${n + 1} failed: ${err.message}`)));
    worker.on("exit", (code) => {
      if (thread.pending.size > 0) this.failAll(new Error(`probe thread ${n + 1} exited (code ${code}) with ${thread.pending.size} domains in flight`));
    });
    return thread;
  }

  private failAll(err: Error): void {
    this.failure ??= err;
    for (const thread of this.threads) {
      for (const pending of thread.pending.values()) pending.reject(this.failure);
      thread.pending.clear();
    }
  }
}
