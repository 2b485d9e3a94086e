/**
 * A TLD list for a scenario: every TLD its names and generated peers use (never `notatld`), served
 * by the simulator at TLD_URL in IANA's format, so `vmcrawl fetch` works offline against it.
 */
import { domainToASCII } from "node:url";
import type { Scenario } from "./scenario.ts";

export function scenarioTlds(scenario: Scenario): Set<string> {
  const tlds = new Set(["social"]);
  for (const spec of scenario.byAscii.values()) tlds.add(domainToASCII(spec.name).split(".").at(-1)!);
  return tlds;
}

/** The same list in the IANA file format. */
export function ianaFile(tlds: Iterable<string>): string {
  return `# Version 2026112300, Last Updated Mon Nov 23 07:07:01 2026 UTC\n${[...tlds].map((t) => t.toUpperCase()).join("\n")}\n`;
}

export const TLD_HOST = "tlds.fedisim.test";
export const TLD_PATH = "/tlds-alpha-by-domain.txt";
export const TLD_URL = `https://${TLD_HOST}${TLD_PATH}`;
