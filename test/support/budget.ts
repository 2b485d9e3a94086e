/**
 * Runs a parser of server text in a worker thread with a heap limit and times it there, so an
 * adversarial test can assert a time and a memory budget: past the heap limit V8 stops the worker
 * (ERR_WORKER_OUT_OF_MEMORY) instead of the test runner. The module is loaded by Node itself
 * (type stripping), as the shipped bundle would run it, not through vitest's transform.
 */
import { Worker } from "node:worker_threads";

export interface Budget {
  /** The module's path, absolute. */
  readonly module: string;
  /** The exported function to call. */
  readonly name: string;
  /** Arguments for each call (structured-clone copies). */
  readonly args: readonly unknown[];
  /** Old-generation heap the worker may use, in MiB. */
  readonly heapMb: number;
}

export interface Spent {
  /** Wall time of the call inside the worker, in ms (loading the module excluded). */
  readonly ms: number;
  /** What the function returned (structured-clone copy). */
  readonly result: unknown;
}

const SCRIPT = `
const { parentPort, workerData } = require("node:worker_threads");
import(workerData.module).then((m) => {
  const f = m[workerData.name];
  f(...workerData.args); // once to compile, as a long crawl would have it
  const started = performance.now();
  const result = f(...workerData.args);
  parentPort.postMessage({ ms: performance.now() - started, result });
});`;

/** Calls `name(...args)` in a worker whose heap is capped at `heapMb`; rejects if the heap runs out. */
export function spend(budget: Budget, timeoutMs = 60_000): Promise<Spent> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SCRIPT, {
      eval: true,
      workerData: { module: budget.module, name: budget.name, args: budget.args },
      resourceLimits: { maxOldGenerationSizeMb: budget.heapMb, maxYoungGenerationSizeMb: 16 },
    });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`${budget.name} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    worker.once("message", (spent: Spent) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(spent);
    });
    worker.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
