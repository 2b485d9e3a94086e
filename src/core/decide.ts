/**
 * The one decision of the crawl: what a probe outcome does to its domain
 * (DESIGN §6, seed "terminal states"). `decide` is pure; its `Effect` is
 * what the SQLite store applies, what the outbox carries and what
 * PostgreSQL applies, so every store writes the same thing.
 *
 *  - Success (Mastodon, alias, other software, Matrix) clears every error.
 *  - A failure counts toward its class: consecutive failures of one class
 *    count up, a failure of another class starts again at 1.
 *  - At VMCRAWL_ERROR_BUFFER consecutive failures of a class the domain
 *    becomes terminal in that class (the seed's bad_* state).
 *  - A terminal domain failing again in the same class keeps its state as it
 *    was: class, count, endpoint and reason (seed: "preserve existing bad_*
 *    state and do not rewrite errors/reason"); the failure is still logged.
 *    In a different class its terminal state is cleared so it can transition.
 *  - Publication: Mastodon success publishes (newer data only); HARD, ROBOT,
 *    other software, Matrix and aliases unpublish; other failures keep the
 *    last known good row until retention removes it.
 *  - When: the schedule (schedule.ts) from the outcome and the new count.
 *  - An alias's canonical domain is added, unless it is on the hard DNI list.
 */
import { domainSpellings, isListedAs, parseDomain } from "../net/domain.ts";
import { type Endpoint, type ErrorClass, isOptOut, type ProbeOutcome } from "./outcome.ts";
import { delayHours, nextCrawlAt, type ScheduleOptions } from "./schedule.ts";

/** A domain's error state: the one the stores keep and the decision reads. */
export interface ErrorState {
  readonly errorType: string | null;
  readonly errorCount: number;
  readonly terminalType: string | null;
  /** Where and why the stored failure happened (kept as they were while a terminal state stands). */
  readonly errorEndpoint: string | null;
  readonly errorReason: string | null;
}

/** The raw_domains columns an outcome sets. */
export interface RawUpdate {
  readonly errorType: ErrorClass | null;
  readonly errorEndpoint: Endpoint | null;
  readonly errorReason: string | null;
  readonly errorCount: number;
  readonly terminalType: ErrorClass | null;
  /** Software name for non-Mastodon servers (and "matrix"); null otherwise. */
  readonly nodeinfo: string | null;
  readonly aliasOf: string | null;
}

export type Publication =
  | { readonly action: "publish"; readonly software: string; readonly version: string; readonly fullVersion: string; readonly mau: number }
  | { readonly action: "unpublish" }
  | { readonly action: "keep" };

export interface Transition {
  readonly raw: RawUpdate;
  readonly publication: Publication;
  /** Append this failure to error_log. */
  readonly logError: boolean;
}

/** Everything one outcome changes, for any store to apply. Older never overwrites newer (by `at`). */
export interface Effect {
  readonly domain: string;
  /** When the outcome happened (ISO-8601 UTC). */
  readonly at: string;
  /** How long the probe took. */
  readonly seconds: number;
  readonly raw: RawUpdate & { readonly nextCrawlAt: string };
  readonly publication: Publication;
  /**
   * An error_log entry: this failure's class, endpoint and cause, the reason for people, and who
   * crawled. (An outbox staged by an older build has only message and worker: the raw ones stand in.)
   */
  readonly error?: { readonly message: string; readonly worker: string; readonly errorType?: ErrorClass; readonly errorEndpoint?: Endpoint; readonly errorReason?: string };
  /** An alias's canonical domain, to be crawled in its own right. */
  readonly addDomain?: string;
}

/** An outcome as the runner hands it over: when, and by whom ("host:pid"). */
export interface RecordedOutcome {
  readonly outcome: ProbeOutcome;
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly worker: string;
}

export interface DecideSettings {
  /** VMCRAWL_ERROR_BUFFER: consecutive failures of one class that make a domain terminal. */
  readonly errorBuffer: number;
  readonly schedule: ScheduleOptions;
  /** Hard DNI entries: an alias pointing at one is not added. */
  readonly hardDni: ReadonlySet<string>;
  /** Jitter's source; tests pin it. */
  readonly random?: () => number;
}

const NO_ERROR = { errorType: null, errorEndpoint: null, errorReason: null, errorCount: 0, terminalType: null } as const;

export function transition(previous: ErrorState | undefined, outcome: ProbeOutcome, errorBuffer: number): Transition {
  switch (outcome.kind) {
    case "mastodon":
      return {
        raw: { ...NO_ERROR, nodeinfo: null, aliasOf: null },
        publication: { action: "publish", software: outcome.software, version: outcome.version, fullVersion: outcome.full_version, mau: outcome.mau },
        logError: false,
      };
    case "alias":
      return { raw: { ...NO_ERROR, nodeinfo: null, aliasOf: outcome.canonical }, publication: { action: "unpublish" }, logError: false };
    case "other":
    case "matrix":
      return { raw: { ...NO_ERROR, nodeinfo: outcome.software, aliasOf: null }, publication: { action: "unpublish" }, logError: false };
    case "error": {
      const failed = { errorType: outcome.error_class, errorEndpoint: outcome.endpoint, errorReason: outcome.cause, nodeinfo: null, aliasOf: null };
      // An opt-out leaves the published list at once; other failures keep the last good row.
      const publication: Publication = isOptOut(outcome.error_class) ? { action: "unpublish" } : { action: "keep" };
      const terminal = previous?.terminalType ?? null;
      if (terminal !== null && terminal === outcome.error_class) {
        // Same class again: the terminal state stands as it was, count, endpoint and reason included.
        const kept = { ...failed, errorEndpoint: (previous!.errorEndpoint as Endpoint | null) ?? failed.errorEndpoint, errorReason: previous!.errorReason ?? failed.errorReason };
        return { raw: { ...kept, errorCount: previous!.errorCount, terminalType: outcome.error_class }, publication, logError: true };
      }
      // A terminal domain failing differently starts a new streak, as does any change of class.
      const sameStreak = terminal === null && previous?.errorType === outcome.error_class;
      const errorCount = sameStreak ? previous!.errorCount + 1 : 1;
      return { raw: { ...failed, errorCount, terminalType: errorCount >= errorBuffer ? outcome.error_class : null }, publication, logError: true };
    }
  }
}

/** What `recorded` does to a domain whose state was `previous` (undefined: never crawled). */
export function decide(previous: ErrorState | undefined, recorded: RecordedOutcome, settings: DecideSettings): Effect {
  const { outcome, at, worker } = recorded;
  const step = transition(previous, outcome, settings.errorBuffer);
  const hours = delayHours(outcome, step.raw.errorCount, settings.schedule);
  const raw = { ...step.raw, nextCrawlAt: nextCrawlAt(at, hours, settings.random) };
  const error =
    step.logError && outcome.kind === "error" ? { message: outcome.reason, worker, errorType: outcome.error_class, errorEndpoint: outcome.endpoint, errorReason: outcome.cause } : undefined;
  const addDomain = outcome.kind === "alias" && !isListedInAnySpelling(outcome.canonical, settings.hardDni) ? outcome.canonical : undefined;
  return { domain: outcome.domain, at, seconds: outcome.ms / 1000, raw, publication: step.publication, ...(error ? { error } : {}), ...(addDomain ? { addDomain } : {}) };
}

/**
 * Decides a batch in order from the states before it: a domain met twice in one batch is decided
 * the second time from its first effect, as if they had been written one by one.
 */
export function decideBatch(previous: ReadonlyMap<string, ErrorState>, batch: readonly RecordedOutcome[], settings: DecideSettings): Effect[] {
  const states = new Map(previous);
  return batch.map((recorded) => {
    const effect = decide(states.get(recorded.outcome.domain), recorded, settings);
    states.set(effect.domain, effect.raw);
    return effect;
  });
}

/** Whether `name` is on `list` in any of its spellings (the list holds names as people typed them). */
function isListedInAnySpelling(name: string, list: ReadonlySet<string>): boolean {
  const parsed = parseDomain(name);
  return parsed.ok ? isListedAs(domainSpellings(parsed.value), list) : list.has(name);
}
