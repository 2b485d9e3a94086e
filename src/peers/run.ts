/**
 * A fetch run: several source servers asked at once (each list read as a
 * stream), the verdict on each recorded (a lasting refusal stops future
 * untargeted runs from asking it), and the totals. Stopping (the signal)
 * abandons the lists in flight; names already admitted stay.
 */
import { parseDomain } from "../net/domain.ts";
import { RejectionCounts } from "./admit.ts";
import { fetchPeersOf, type SourceDeps, type SourceResult } from "./fetch-source.ts";

export interface FetchRunOptions {
  readonly sources: readonly string[];
  readonly concurrency: number;
  readonly source: Omit<SourceDeps, "signal" | "onProgress">;
  /** Records whether a server is still asked for peers. */
  readonly setPolled: (domain: string, polled: boolean) => void;
  readonly signal: AbortSignal;
  readonly events: {
    finish(source: string, result: SourceResult | { readonly status: "invalid"; readonly reason: string }, ms: number): void;
    progress?(source: string, entries: number): void;
  };
}

export interface FetchSummary {
  readonly sources: number;
  readonly ok: number;
  readonly refused: number;
  readonly failed: number;
  readonly truncated: number;
  readonly entries: number;
  readonly admitted: number;
  readonly added: number;
  readonly rejected: RejectionCounts;
  readonly interrupted: boolean;
  readonly ms: number;
}

export async function runFetch(options: FetchRunOptions): Promise<FetchSummary> {
  const started = performance.now();
  const totals = { sources: 0, ok: 0, refused: 0, failed: 0, truncated: 0, entries: 0, admitted: 0, added: 0 };
  const rejected = new RejectionCounts();
  let next = 0;

  const worker = async () => {
    while (!options.signal.aborted && next < options.sources.length) {
      const name = options.sources[next++]!;
      const began = performance.now();
      const parsed = parseDomain(name);
      if (!parsed.ok) {
        options.events.finish(name, { status: "invalid", reason: parsed.reason }, 0);
        continue;
      }
      options.events.progress?.(name, 0);
      const result = await fetchPeersOf(parsed.value, {
        ...options.source,
        signal: options.signal,
        onProgress: (entries) => options.events.progress?.(name, entries),
      });
      // Names admitted before a stop are kept, so they count.
      totals.entries += result.entries;
      totals.admitted += result.admitted;
      totals.added += result.added;
      rejected.merge(result.rejected);
      // An abandoned list says nothing about the server.
      if (options.signal.aborted && result.status === "failed") break;
      totals.sources++;
      totals[result.status]++;
      if (result.status === "ok" && result.truncated) totals.truncated++;
      if (result.status === "refused") options.setPolled(name, false);
      else if (result.status === "ok") options.setPolled(name, true);
      options.events.finish(name, result, Math.round(performance.now() - began));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, options.sources.length)) }, worker));
  return { ...totals, rejected, interrupted: options.signal.aborted, ms: Math.round(performance.now() - started) };
}
