/**
 * What the adversarial tests run inside a budgeted worker (test/support/budget.ts): each parser of
 * server text as the probe calls it, from the raw text to the answer it uses.
 */
import { parseLenientJson } from "../../src/crawl/json.ts";
import { readSoftware, readUsers, readWellKnown } from "../../src/crawl/nodeinfo.ts";
import { isAllowed, parseRobots, rulesFor } from "../../src/net/robots.ts";
import { cleanVersion } from "../../src/versions/clean.ts";
import { parseDniCsv } from "../../src/manage/dni.ts";
import { cidrMatcher, parseCidr } from "../../src/net/cidr.ts";
import { clientKey } from "../../src/serve/client.ts";

/** robots.txt as the probe uses it: parsed once, then every path a probe fetches checked. */
export function robotsVerdicts(text: string, token: string, paths: readonly string[]): boolean[] {
  const rules = rulesFor(parseRobots(text), token);
  return paths.map((path) => isAllowed(rules, path));
}

/** A JSON answer as the probe reads it, reduced to what the test needs back (a parsed value may be large). */
export function jsonVerdict(text: string): { ok: boolean; cause?: string } {
  const parsed = parseLenientJson(text);
  return parsed.ok ? { ok: true } : { ok: false, cause: parsed.cause };
}

/** A NodeInfo answer read as the probe reads the well-known answer and then the document. */
export function nodeinfoVerdict(text: string): string {
  const parsed = parseLenientJson(text);
  if (!parsed.ok) return `JSON/${parsed.cause}`;
  const known = readWellKnown(parsed.value);
  if (known.kind !== "document") return known.kind;
  const software = readSoftware(known.document);
  const users = readUsers(known.document);
  if (!users.ok) return `JSON/${users.cause}`;
  const version = cleanVersion(software.version ?? "", { nightly: [] });
  return version.ok ? `${software.name} ${version.version}` : "JSON/VERSION";
}

/** The IFTAS DNI list as `manage dni import` reads it: how many names, or why it was refused. */
export function dniVerdict(text: string): { domains: number; skipped: number } | { refused: string } {
  try {
    const file = parseDniCsv(text);
    return { domains: file.domains.length, skipped: file.skipped.length };
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

/** X-Forwarded-For as `serve` reads it behind trusted proxies (given as CIDR texts). */
export function forwardedClient(peer: string, header: string, trusted: readonly string[]): string {
  const ranges = trusted.map((t) => {
    const parsed = parseCidr(t);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.value;
  });
  return clientKey(peer, header, cidrMatcher(ranges));
}
