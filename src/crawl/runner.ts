/**
 * A crawl run: domains stream in from a source, up to `concurrency` are
 * probed at once, and outcomes are written in batched transactions. The
 * domain list is never held whole: the pool pulls the next domain only when
 * a slot frees up, and sources read their input a page at a time.
 *
 * A load gate, when given, holds back new domains while the event loop is
 * too late for the ones in flight to be timed fairly (load-gate.ts).
 *
 * Stopping (the signal): no new domain starts, probes in flight are
 * abandoned and not recorded (their outcome would be an artefact of the
 * stop), and every outcome finished before it is flushed. A batch is one
 * transaction, so a kill at any moment leaves whole outcomes or none.
 */
import type { DomainName } from "../net/domain.ts";
import { isListed } from "../net/domain.ts";
import type { RecordedOutcome } from "../core/decide.ts";
import type { ScheduleOptions } from "../core/schedule.ts";
import { type OutcomeSink, recordOutcomes } from "./record.ts";
import type { LoadGate } from "./load-gate.ts";
import type { ProbeOutcome } from "./probe.ts";

export interface RunSource {
  /** How many domains the source will yield, when known up front (for progress). */
  readonly total: number | undefined;
  readonly domains: AsyncIterable<DomainName>;
  /** What is being crawled, for people ("mode 3 (Random)", "domains.txt"). */
  readonly label: string;
}

export interface RunEvents {
  start(total: number | undefined, label: string): void;
  begin(domain: string): void;
  finish(outcome: ProbeOutcome): void;
  skip(domain: string, why: string): void;
}

export interface RunnerOptions {
  readonly concurrency: number;
  readonly errorBuffer: number;
  /** "host:pid", written to error_log. */
  readonly worker: string;
  readonly probe: (domain: DomainName, signal: AbortSignal) => Promise<ProbeOutcome>;
  readonly store: OutcomeSink;
  /** Domains on the hard DNI list (and their subdomains) are skipped. */
  readonly hardDni: ReadonlySet<string>;
  /** When each domain is due again. */
  readonly schedule: ScheduleOptions;
  /** Fleet mode: stage every outcome for PostgreSQL as it is written. */
  readonly stage?: boolean;
  /** Aborting it stops the run as described above. */
  readonly signal: AbortSignal;
  readonly events: RunEvents;
  readonly now?: () => Date;
  /** Holds back new domains while the crawler is too busy to time the ones in flight. @default none */
  readonly gate?: LoadGate;
  /** Outcomes per transaction. @default 100 */
  readonly batchSize?: number;
  /** Longest an outcome waits to be written. @default 500 */
  readonly flushMs?: number;
}

export interface RunSummary {
  /** Outcomes written to the store. */
  readonly recorded: number;
  readonly skipped: number;
  /** Probes abandoned by a stop, not recorded. */
  readonly abandoned: number;
  /** Domains probed after waiting at the gate while the crawler was too busy. */
  readonly held: number;
  readonly interrupted: boolean;
  readonly ms: number;
}

export async function runCrawl(source: RunSource, options: RunnerOptions): Promise<RunSummary> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const writer = new BatchWriter(options, options.batchSize ?? 100, options.flushMs ?? 500);
  const iterator = source.domains[Symbol.asyncIterator]();
  let skipped = 0;
  let abandoned = 0;
  let held = 0;
  options.events.start(source.total, source.label);

  const gate = options.gate;
  const letGo = () => gate?.close();
  options.signal.addEventListener("abort", letGo, { once: true });

  /** One domain, from the source to the writer; false when there is nothing more to do. */
  const next = async (waited: boolean): Promise<boolean> => {
    const pulled = await iterator.next();
    if (pulled.done || options.signal.aborted) return false;
    const domain = pulled.value;
    if (isListed(domain.name, options.hardDni)) {
      skipped++;
      options.events.skip(domain.name, "on the DNI list (hard)");
      return true;
    }
    if (waited) held++;
    options.events.begin(domain.name);
    const outcome = await options.probe(domain, options.signal);
    if (options.signal.aborted) {
      abandoned++;
      return true;
    }
    // Reported before it is queued for writing: whatever is stored has been reported, even if
    // the process dies between a commit and the next line of output.
    options.events.finish(outcome);
    writer.add({ outcome, at: now().toISOString(), worker: options.worker });
    return true;
  };

  const worker = async () => {
    while (!options.signal.aborted) {
      const admitted = gate?.enter();
      if (admitted !== undefined) await admitted;
      let more: boolean;
      try {
        more = await next(admitted !== undefined);
      } finally {
        gate?.leave();
      }
      if (!more) return;
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } finally {
    options.signal.removeEventListener("abort", letGo);
    writer.close();
    await iterator.return?.();
  }
  return { recorded: writer.written, skipped, abandoned, held, interrupted: options.signal.aborted, ms: Math.round(performance.now() - started) };
}

/** Outcomes collected and written in one transaction per batch, by size or by age. */
class BatchWriter {
  written = 0;
  private pending: RecordedOutcome[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly options: RunnerOptions;
  private readonly size: number;
  private readonly maxAgeMs: number;

  constructor(options: RunnerOptions, size: number, maxAgeMs: number) {
    this.options = options;
    this.size = size;
    this.maxAgeMs = maxAgeMs;
  }

  /** A write that failed on the timer, raised at the next add or close: never lost, never unhandled. */
  private failure: unknown;

  add(record: RecordedOutcome): void {
    if (this.failure !== undefined) throw this.failure;
    this.pending.push(record);
    if (this.pending.length >= this.size) this.flush();
    else
      this.timer ??= setTimeout(() => {
        try {
          this.flush();
        } catch (err) {
          this.failure = err;
        }
      }, this.maxAgeMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    // Written before the batch is let go: if the write fails, the outcomes are still pending.
    const { errorBuffer, hardDni, schedule, stage } = this.options;
    recordOutcomes(this.options.store, this.pending, { errorBuffer, hardDni, schedule, ...(stage ? { stage } : {}) });
    this.written += this.pending.length;
    this.pending = [];
  }

  close(): void {
    this.flush();
    if (this.failure !== undefined) throw this.failure;
  }
}
