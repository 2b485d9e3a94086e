/**
 * The crawl's one write: outcomes pass the sanitize boundary, are decided
 * against their domains' stored states (core/decide.ts), and the store
 * applies the effects in one transaction. The store holds no policy; the
 * decision holds no I/O.
 */
import { type DecideSettings, decideBatch, type Effect, type ErrorState, type RecordedOutcome } from "../core/decide.ts";
import { sanitizeOutcome } from "../store/sanitize.ts";

/** What a store offers the crawl: the states outcomes are decided from, and where their effects go. */
export interface OutcomeSink {
  errorStates(domains: readonly string[]): ReadonlyMap<string, ErrorState>;
  /** All or nothing; with `stage`, each effect is also queued for PostgreSQL in the same transaction. */
  applyEffects(effects: readonly Effect[], options: { stage?: boolean }): void;
}

export interface RecordSettings extends DecideSettings {
  /** Fleet mode: stage every effect for PostgreSQL as it is written. */
  readonly stage?: boolean;
}

export function recordOutcomes(sink: OutcomeSink, batch: readonly RecordedOutcome[], settings: RecordSettings): Effect[] {
  const clean = batch.map((r) => ({ ...r, outcome: sanitizeOutcome(r.outcome) }));
  const effects = decideBatch(sink.errorStates(clean.map((r) => r.outcome.domain)), clean, settings);
  sink.applyEffects(effects, settings.stage ? { stage: true } : {});
  return effects;
}
