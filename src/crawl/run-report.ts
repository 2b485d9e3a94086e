/**
 * What `--summary-json FILE` writes at the end of a crawl run, `fetch` or `daemon --drain` (and
 * when Ctrl-C stops one): counts per outcome and failure class, rate, duration, the domains held
 * back while the crawler was short of CPU, and the sync state. Its fields are a contract for
 * scripts (README "Run summary"; test/crawl/summary-json.e2e.test.ts): every key is always
 * present, zeros included, and new fields only ever come in beside the old ones.
 */
import { ERROR_CLASSES, type ErrorClass, type OutcomeKind, type ProbeOutcome } from "../core/outcome.ts";
import type { RunSummary } from "./runner.ts";

export const SUMMARY_SCHEMA = 1;

const KINDS: readonly OutcomeKind[] = ["mastodon", "alias", "other", "matrix", "error"];

export type SyncState =
  | { readonly mode: "embedded" }
  | {
      readonly mode: "fleet";
      /** Staged changes not yet in PostgreSQL when the run ended. */
      readonly backlog: number;
      /** Staged changes PostgreSQL refused, set aside (vmcrawl sync --status). */
      readonly quarantined: number;
      readonly lastSync: string | null;
    };

/** What `fetch` adds: the peer lists read before the crawl of the new domains. */
export interface PeersReport {
  readonly sources: number;
  readonly answered: number;
  readonly entries: number;
  readonly added: number;
  readonly rejected: number;
}

export interface RunReport {
  readonly schema: typeof SUMMARY_SCHEMA;
  readonly command: "crawl" | "fetch" | "daemon";
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  readonly interrupted: boolean;
  readonly domains: { readonly recorded: number; readonly skipped: number; readonly abandoned: number; readonly heldBack: number };
  /** Domains recorded per second of crawling. */
  readonly domainsPerSecond: number;
  readonly outcomes: Readonly<Record<OutcomeKind, number>>;
  readonly errorClasses: Readonly<Record<ErrorClass, number>>;
  readonly sync: SyncState;
  readonly peers: PeersReport | null;
}

/** Outcomes and runs added up over a command (a daemon crawls in many runs). */
export class RunTotals {
  readonly startedAt = new Date();
  private readonly kinds = new Map<OutcomeKind, number>();
  private readonly classes = new Map<ErrorClass, number>();
  private runs = { recorded: 0, skipped: 0, abandoned: 0, held: 0, ms: 0 };

  outcome(outcome: ProbeOutcome): void {
    this.kinds.set(outcome.kind, (this.kinds.get(outcome.kind) ?? 0) + 1);
    if (outcome.kind === "error") this.classes.set(outcome.error_class, (this.classes.get(outcome.error_class) ?? 0) + 1);
  }

  run(summary: RunSummary): void {
    const r = this.runs;
    this.runs = { recorded: r.recorded + summary.recorded, skipped: r.skipped + summary.skipped, abandoned: r.abandoned + summary.abandoned, held: r.held + summary.held, ms: r.ms + summary.ms };
  }

  report(input: { command: RunReport["command"]; interrupted: boolean; sync: SyncState; peers?: PeersReport; now?: Date }): RunReport {
    const finished = input.now ?? new Date();
    const { recorded, skipped, abandoned, held, ms } = this.runs;
    return {
      schema: SUMMARY_SCHEMA,
      command: input.command,
      startedAt: this.startedAt.toISOString(),
      finishedAt: finished.toISOString(),
      durationSeconds: round((finished.getTime() - this.startedAt.getTime()) / 1000),
      interrupted: input.interrupted,
      domains: { recorded, skipped, abandoned, heldBack: held },
      domainsPerSecond: ms > 0 ? round((recorded / ms) * 1000) : 0,
      outcomes: Object.fromEntries(KINDS.map((k) => [k, this.kinds.get(k) ?? 0])) as Record<OutcomeKind, number>,
      errorClasses: Object.fromEntries(ERROR_CLASSES.map((c) => [c, this.classes.get(c) ?? 0])) as Record<ErrorClass, number>,
      sync: input.sync,
      peers: input.peers ?? null,
    };
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
