/**
 * A stand-in probe thread for ProbePool's own tests, speaking the worker protocol: a domain named
 * stall.* keeps the thread busy for good (as a parser without a bound would), crash.* throws out of
 * the thread, and any other is answered at once as other software.
 */
import { parentPort } from "node:worker_threads";
import type { FromWorker, ToWorker } from "../../src/crawl/probe-worker.ts";

parentPort!.on("message", (message: ToWorker) => {
  if (message.type !== "probe") return;
  const name = message.domain.name;
  if (name.startsWith("stall.")) for (;;);
  if (name.startsWith("crash.")) throw new Error(`crashed on ${name}`);
  parentPort!.postMessage({ type: "outcome", id: message.id, outcome: { domain: name, kind: "other", software: "stand-in", requests: [], ms: 0 } } satisfies FromWorker);
});
