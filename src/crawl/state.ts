/**
 * What a probe outcome does to a domain's stored state: the one function
 * that writes the error state machine (DESIGN §6, seed "terminal states").
 *
 *  - Success (Mastodon, alias, other software, Matrix) clears every error.
 *  - A failure counts toward its class: consecutive failures of one class
 *    count up, a failure of another class starts again at 1.
 *  - At VMCRAWL_ERROR_BUFFER consecutive failures of a class the domain
 *    becomes terminal in that class (the seed's bad_* state).
 *  - A terminal domain failing again in the same class keeps its state and
 *    count untouched; in a different class its terminal state is cleared so
 *    it can transition.
 *  - Publication: Mastodon success publishes (newer data only); HARD, ROBOT,
 *    other software, Matrix and aliases unpublish; other failures keep the
 *    last known good row until retention removes it.
 */
import type { ProbeOutcome } from "./probe.ts";
import { type Endpoint, type ErrorClass, isOptOut } from "./outcome.ts";

export interface ErrorState {
  readonly errorType: string | null;
  readonly errorCount: number;
  readonly terminalType: string | null;
}

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
        // Same class again: the terminal state and its count stand.
        return { raw: { ...failed, errorCount: previous!.errorCount, terminalType: outcome.error_class }, publication, logError: true };
      }
      // A terminal domain failing differently starts a new streak, as does any change of class.
      const sameStreak = terminal === null && previous?.errorType === outcome.error_class;
      const errorCount = sameStreak ? previous!.errorCount + 1 : 1;
      return { raw: { ...failed, errorCount, terminalType: errorCount >= errorBuffer ? outcome.error_class : null }, publication, logError: true };
    }
  }
}
