/**
 * A probe worker thread: builds its own HTTP client (TLS, HTTP/2 and the
 * promise machinery are the crawler's CPU cost, so each thread carries a
 * share) and probes the domains the main thread sends it. Per-host limits
 * are counted in the crawl's shared table, so they hold across threads.
 *
 * Messages in: probe {id, domain}, abort {id}. Out: outcome {id, outcome}.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { DomainName } from "../net/domain.ts";
import { createHttpClient, type NetConfig } from "../net/index.ts";
import { SharedHostLimit } from "../net/shared-limit.ts";
import type { VersionContext } from "../versions/clean.ts";
import { LAG_SLOT_BYTES, LagMonitor } from "./load-gate.ts";
import { probe, type ProbeOutcome } from "./probe.ts";

export interface ProbeWorkerSetup {
  readonly net: NetConfig;
  /** The crawl's per-host counters (hostSlotsBuffer), the same for every thread. */
  readonly hostSlots: SharedArrayBuffer;
  /** Where each thread publishes its event-loop lag (load-gate.ts), and this thread's place in it. */
  readonly lagSlots: SharedArrayBuffer;
  readonly lagSlot: number;
  readonly versions: VersionContext;
  readonly deadlineMs: number;
  readonly robotsToken: string;
}

export type ToWorker =
  | { readonly type: "probe"; readonly id: number; readonly domain: DomainName }
  | { readonly type: "abort"; readonly id: number }
  /** The branches and nightly ranges changed (manage): probes from now on clean versions with these. */
  | { readonly type: "versions"; readonly versions: VersionContext };
export type FromWorker = { readonly type: "outcome"; readonly id: number; readonly outcome: ProbeOutcome };

function serve(setup: ProbeWorkerSetup): void {
  const port = parentPort!;
  const http = createHttpClient(setup.net, { hostLimit: new SharedHostLimit(setup.hostSlots, setup.net.http.maxPerHost) });
  const running = new Map<number, AbortController>();
  new LagMonitor({ slot: new Float64Array(setup.lagSlots, setup.lagSlot * LAG_SLOT_BYTES, 2) });
  let versions = setup.versions;
  port.on("message", (message: ToWorker) => {
    if (message.type === "abort") return running.get(message.id)?.abort();
    if (message.type === "versions") {
      versions = message.versions;
      return;
    }
    const stop = new AbortController();
    running.set(message.id, stop);
    void probe(message.domain, { http, versions, deadlineMs: setup.deadlineMs, robotsToken: setup.robotsToken, signal: stop.signal }).then((outcome) => {
      running.delete(message.id);
      port.postMessage({ type: "outcome", id: message.id, outcome } satisfies FromWorker);
    });
  });
}

if (parentPort !== null && (workerData as { probeWorker?: ProbeWorkerSetup } | undefined)?.probeWorker !== undefined) serve((workerData as { probeWorker: ProbeWorkerSetup }).probeWorker);
