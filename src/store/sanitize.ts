/**
 * The one boundary where values a server sent become stored values (DESIGN §6). Both stores and
 * the outbox take an outcome only through `sanitizeOutcome`, and PostgreSQL takes a staged change
 * only through `sanitizeStaged` (an outbox written by an older build may hold anything).
 *
 *  - Control characters (C0, DEL, C1) are removed: PostgreSQL refuses NUL in text outright, and
 *    the others reach terminals and dashboards.
 *  - Text is made well-formed UTF-16 (a lone surrogate has no UTF-8 form) and cut to its cap.
 *  - Domains are kept in one form, the Unicode one peer lists are stored in, so an IDN server
 *    named by its A-label in an alias is never stored a second time.
 *
 * Counts need no work here: NodeInfo's reader refuses any outside PostgreSQL's `int` (MAX_COUNT).
 */
import { domainToUnicode } from "node:url";
import type { ProbeOutcome } from "../core/outcome.ts";
import type { StagedChange } from "./types.ts";

/** The longest text kept per field, in UTF-16 units. */
export const TEXT_CAPS = {
  /** A NodeInfo software name (Mastodon-compatible or not). */
  software: 64,
  /** The cleaned version: semver's own, far longer than any real one. */
  version: 64,
  /** The version as reported (cleaning refuses longer ones: MAX_VERSION_LENGTH). */
  fullVersion: 256,
  /** A DNS name's longest spelling. */
  domain: 253,
  /** The fine cause of a failure (error_reason): a status or one of CAUSES. */
  cause: 64,
  /** The sentence explaining a failure (error_log.error). */
  reason: 500,
} as const;

// Linear: a character class, nothing to backtrack over.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `value` without control characters, well-formed and at most `cap` long. */
export function storedText(value: string, cap: number): string {
  const clean = value.replace(CONTROL, "");
  // Cutting may split a surrogate pair: made well-formed after the cut.
  return (clean.length > cap ? clean.slice(0, cap) : clean).toWellFormed();
}

/** A domain a server named (an alias's canonical domain) in the one stored form: lower-case Unicode, as peer lists are admitted. */
export function storedDomain(value: string): string {
  const text = storedText(value, TEXT_CAPS.domain).toLowerCase();
  // domainToUnicode of an invalid name is "", and a stored name is never empty.
  return domainToUnicode(text) || text;
}

export function sanitizeOutcome(outcome: ProbeOutcome): ProbeOutcome {
  switch (outcome.kind) {
    case "mastodon":
    case "alias":
      return {
        ...outcome,
        software: storedText(outcome.software, TEXT_CAPS.software),
        version: storedText(outcome.version, TEXT_CAPS.version),
        full_version: storedText(outcome.full_version, TEXT_CAPS.fullVersion),
        canonical: storedDomain(outcome.canonical),
      };
    case "other":
    case "matrix":
      return { ...outcome, software: storedText(outcome.software, TEXT_CAPS.software) };
    case "error":
      return { ...outcome, cause: storedText(outcome.cause, TEXT_CAPS.cause), reason: storedText(outcome.reason, TEXT_CAPS.reason) };
  }
}

export function sanitizeStaged(change: StagedChange): StagedChange {
  switch (change.kind) {
    case "domains":
      return { ...change, domains: change.domains.map(keyText) };
    case "peers":
      return { ...change, domain: keyText(change.domain) };
    case "outcome": {
      const { raw, publication, error, addDomain } = change;
      return {
        ...change,
        domain: keyText(change.domain),
        raw: {
          ...raw,
          errorReason: nullable(raw.errorReason, TEXT_CAPS.cause),
          nodeinfo: nullable(raw.nodeinfo, TEXT_CAPS.software),
          aliasOf: raw.aliasOf === null ? null : storedDomain(raw.aliasOf),
        },
        publication:
          publication.action === "publish"
            ? {
                ...publication,
                software: storedText(publication.software, TEXT_CAPS.software),
                version: storedText(publication.version, TEXT_CAPS.version),
                fullVersion: storedText(publication.fullVersion, TEXT_CAPS.fullVersion),
              }
            : publication,
        ...(error === undefined
          ? {}
          : { error: { ...error, message: storedText(error.message, TEXT_CAPS.reason), ...(error.errorReason === undefined ? {} : { errorReason: storedText(error.errorReason, TEXT_CAPS.cause) }) } }),
        ...(addDomain === undefined ? {} : { addDomain: storedDomain(addDomain) }),
      };
    }
  }
}

/**
 * A domain that is already a row's key (crawled, admitted from a peer list, named by a person):
 * cleaned but never respelled, or it would stop matching its row.
 */
function keyText(value: string): string {
  return storedText(value, TEXT_CAPS.domain);
}

function nullable(value: string | null, cap: number): string | null {
  return value === null ? null : storedText(value, cap);
}
