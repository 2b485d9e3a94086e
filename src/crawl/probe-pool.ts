/**
 * Probes spread over worker threads. One thread cannot keep hundreds of
 * domains in flight: each costs milliseconds of CPU in TLS handshakes and
 * HTTP/2, and a busy event loop adds its delay to every response. The main
 * thread keeps selection, progress and the database; the workers probe.
 *
 * A domain goes to the worker with the fewest in flight. Stopping a probe
 * (the run's signal) is passed on.
 *
 * A thread that holds a probe past the domain's deadline plus a grace period
 * has stopped answering (no deadline can interrupt code that never yields):
 * it is ended and replaced, and each domain it held is recorded as a timeout,
 * so one server can never stall the run. A thread that dies while probing is
 * replaced the same way, its domains recorded as failures. A thread that dies
 * with nothing in flight (it could not start) fails the run.
 */
import { join } from "node:path";
import * as sea from "node:sea";
import { Worker } from "node:worker_threads";
import type { DomainName } from "../net/domain.ts";
import type { NetConfig } from "../net/index.ts";
import { hostSlotsBuffer } from "../net/shared-limit.ts";
import type { VersionContext } from "../versions/clean.ts";
import { LAG_SLOT_BYTES, publishedLagMs } from "./load-gate.ts";
import type { ProbeOutcome } from "./probe.ts";
import type { Endpoint } from "../core/outcome.ts";
import type { FromWorker, ProbeWorkerSetup, ToWorker } from "./probe-worker.ts";

/** The worker bundle's name, put in by the build (build.ts); absent when running from src. */
declare const __VMCRAWL_PROBE_WORKER__: string | undefined;

/** The worker's bundle: a file next to dist/vmcrawl.cjs, and an SEA asset of the same name in the binary. */
export const PROBE_WORKER_ASSET = "probe-worker.cjs";

let workerCode: string | undefined;

/** Where a probe thread's code comes from: the SEA asset, the bundle beside this one, or src. */
function workerSource(): { readonly code: string } | string | URL {
  if (typeof __VMCRAWL_PROBE_WORKER__ !== "string") return new URL("./probe-worker.ts", import.meta.url);
  // Read once: threads are replaced while a crawl runs.
  if (sea.isSea()) return { code: (workerCode ??= sea.getAsset(__VMCRAWL_PROBE_WORKER__, "utf8")) };
  return join(__dirname, __VMCRAWL_PROBE_WORKER__);
}

export interface ProbePoolOptions {
  readonly threads: number;
  readonly net: NetConfig;
  readonly versions: VersionContext;
  readonly deadlineMs: number;
  readonly robotsToken: string;
  /** How long past the deadline a thread may hold a probe before it is replaced. @default STALL_GRACE_MS */
  readonly graceMs?: number;
  /** Told each time a thread is replaced, with why and how many domains it held. */
  readonly onReplace?: (line: string) => void;
  /** The worker's module. @default probe-worker.ts (the bundled worker in the binary) */
  readonly workerUrl?: URL;
}

/** Time past a domain's deadline before its thread counts as stalled: a busy thread catches up well within it. */
export const STALL_GRACE_MS = 10_000;

interface Pending {
  readonly domain: string;
  readonly started: number;
  readonly resolve: (outcome: ProbeOutcome) => void;
  readonly reject: (err: Error) => void;
}

interface Thread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Ended on purpose (replaced or closed): its exit is expected. */
  retired: boolean;
}

export class ProbePool {
  private readonly threads: Thread[];
  /** Each thread's [time of its last sample, lag], written by the thread. */
  private readonly lagSlots: Float64Array;
  private nextId = 1;
  private failure: Error | undefined;
  private readonly options: ProbePoolOptions;
  private setup: ProbeWorkerSetup;
  private readonly watchdog: NodeJS.Timeout;
  /** Threads replaced so far, for the run's report. */
  replaced = 0;

  constructor(options: ProbePoolOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`a probe pool needs at least 1 thread, not ${options.threads}`);
    this.options = options;
    const setup: ProbeWorkerSetup = (this.setup = {
      net: options.net,
      hostSlots: hostSlotsBuffer(),
      lagSlots: (this.lagSlots = new Float64Array(new SharedArrayBuffer(options.threads * LAG_SLOT_BYTES))).buffer as SharedArrayBuffer,
      lagSlot: 0,
      versions: options.versions,
      deadlineMs: options.deadlineMs,
      robotsToken: options.robotsToken,
    });
    this.threads = Array.from({ length: options.threads }, (_, n) => this.spawn({ ...setup, lagSlot: n }, n));
    this.watchdog = setInterval(() => this.replaceStalled(), Math.min(1000, options.deadlineMs));
    this.watchdog.unref();
  }

  /** Versions are cleaned with `versions` from now on, in every thread and in those that replace them. */
  setVersions(versions: VersionContext): void {
    this.setup = { ...this.setup, versions };
    for (const thread of this.threads) thread.worker.postMessage({ type: "versions", versions } satisfies ToWorker);
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
    const started = performance.now();
    return new Promise<ProbeOutcome>((resolve, reject) => {
      const abort = () => thread.worker.postMessage({ type: "abort", id } satisfies ToWorker);
      signal?.addEventListener("abort", abort, { once: true });
      const done = () => signal?.removeEventListener("abort", abort);
      thread.pending.set(id, {
        domain: domain.name,
        started,
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
    clearInterval(this.watchdog);
    this.failAll(new Error("the probe pool was closed"));
    for (const thread of this.threads) thread.retired = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private spawn(setup: ProbeWorkerSetup, n: number): Thread {
    const options = { workerData: { probeWorker: setup }, name: `probe-${n + 1}` };
    const source = this.options.workerUrl ?? workerSource();
    const worker = typeof source === "object" && "code" in source ? new Worker(source.code, { ...options, eval: true }) : new Worker(source, options);
    const thread: Thread = { worker, pending: new Map(), retired: false };
    worker.on("message", (message: FromWorker) => {
      const pending = thread.pending.get(message.id);
      thread.pending.delete(message.id);
      pending?.resolve(message.outcome);
    });
    let error: Error | undefined;
    worker.on("error", (err) => (error = err));
    worker.on("exit", (code) => {
      if (thread.retired) return;
      const why = error === undefined ? `exited (code ${code})` : `failed: ${error.message}`;
      // Nothing in flight: it never started, or cannot; replacing it would only fail again.
      if (thread.pending.size === 0) return this.failAll(new Error(`probe thread ${n + 1} ${why}`));
      this.replace(n, "TCP", "OTHER", `the probe thread ${why} while crawling this domain; it was replaced`);
    });
    return thread;
  }

  /** Replaces every thread holding a probe past its deadline plus the grace period. */
  private replaceStalled(): void {
    const limit = this.options.deadlineMs + (this.options.graceMs ?? STALL_GRACE_MS);
    const now = performance.now();
    for (let n = 0; n < this.threads.length; n++) {
      const thread = this.threads[n]!;
      let oldest = now;
      for (const pending of thread.pending.values()) oldest = Math.min(oldest, pending.started);
      if (now - oldest > limit) this.replace(n, "TCP", "TIMEOUT", `the probe thread stopped answering ${Math.round(limit / 1000)} s into this domain's crawl; it was replaced`);
    }
  }

  /** Ends thread `n`, records each domain it held as the failure given, and starts a new thread in its place. */
  private replace(n: number, errorClass: "TCP", cause: "TIMEOUT" | "OTHER", reason: string): void {
    const old = this.threads[n]!;
    old.retired = true;
    void old.worker.terminate();
    this.threads[n] = this.spawn({ ...this.setup, lagSlot: n }, n);
    this.replaced++;
    this.options.onReplace?.(`probe thread ${n + 1} replaced (${cause === "TIMEOUT" ? "it stopped answering" : "it died"}); its ${old.pending.size} domains are recorded as TCP ${cause}`);
    const now = performance.now();
    const endpoint: Endpoint = "nodeinfo";
    for (const pending of old.pending.values()) {
      pending.resolve({ domain: pending.domain, kind: "error", error_class: errorClass, cause, endpoint, reason, requests: [], ms: Math.round(now - pending.started) });
    }
    old.pending.clear();
  }

  private failAll(err: Error): void {
    this.failure ??= err;
    for (const thread of this.threads) {
      for (const pending of thread.pending.values()) pending.reject(this.failure);
      thread.pending.clear();
    }
  }
}
