/**
 * What `vmcrawl probe --expect KIND` checks a probed domain against, for CI jobs that must tell
 * "my server is listed" from "my server is unreachable" without reading text. Pure.
 */
import type { ErrorClass, ProbeOutcome } from "./outcome.ts";

export const EXPECTATIONS = {
  mastodon: "runs Mastodon or a compatible fork (an alias of one counts)",
  listed: "would be published under this name: Mastodon found, not an alias, not on the DNI list",
  reachable: "answered: no DNS, TCP or TLS failure",
} as const;
export type Expectation = keyof typeof EXPECTATIONS;

export function isExpectation(text: string): text is Expectation {
  return Object.hasOwn(EXPECTATIONS, text);
}

/** Failures before any HTTP answer: the server could not be reached at all. */
const UNREACHABLE: readonly ErrorClass[] = ["DNS", "TCP", "SSL"];

/** Why `outcome` falls short of `expected`, in words; undefined when it meets it. */
export function shortfall(expected: Expectation, outcome: ProbeOutcome, onHardDni: boolean): string | undefined {
  const found = describeFound(outcome);
  switch (expected) {
    case "reachable":
      return outcome.kind === "error" && UNREACHABLE.includes(outcome.error_class) ? `not reachable: ${found}` : undefined;
    case "mastodon":
      return outcome.kind === "mastodon" || outcome.kind === "alias" ? undefined : `not Mastodon: ${found}`;
    case "listed":
      if (outcome.kind !== "mastodon") return `not listed: ${outcome.kind === "alias" ? `an alias of ${outcome.canonical}, which is listed instead` : found}`;
      return onHardDni ? "not listed: on the DNI list (hard), so never crawled" : undefined;
  }
}

function describeFound(outcome: ProbeOutcome): string {
  switch (outcome.kind) {
    case "error":
      return `${outcome.error_class} ${outcome.cause} at ${outcome.endpoint} (${outcome.reason})`;
    case "other":
    case "matrix":
      return `${outcome.kind === "matrix" ? "a Matrix server" : outcome.software}`;
    case "mastodon":
    case "alias":
      return `${outcome.software} ${outcome.version}`;
  }
}
