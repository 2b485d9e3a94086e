/** A TLD list for a scenario: every TLD its names and generated peers use (never `notatld`). */
import { domainToASCII } from "node:url";
import type { Scenario } from "../fedisim/index.ts";

export function scenarioTlds(scenario: Scenario): Set<string> {
  const tlds = new Set(["social"]);
  for (const spec of scenario.byAscii.values()) tlds.add(domainToASCII(spec.name).split(".").at(-1)!);
  return tlds;
}

/** The same list in the IANA file format. */
export function ianaFile(tlds: Iterable<string>): string {
  return `# Version 2026112300, Last Updated Mon Nov 23 07:07:01 2026 UTC\n${[...tlds].map((t) => t.toUpperCase()).join("\n")}\n`;
}
