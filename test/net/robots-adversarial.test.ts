/**
 * robots.txt written by an attacker: every case fills the 512 KiB the crawler reads, and the probe's
 * own paths are checked against it. Run in a worker with a capped heap (test/support/budget.ts).
 * The regex matcher this replaced took about 3 s for 12 stars and 25 s for 14 against one path.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ROBOTS_READ_LIMIT } from "../../src/net/robots.ts";
import { spend } from "../support/budget.ts";

const TARGETS = fileURLToPath(new URL("../support/budget-targets.ts", import.meta.url));
/** Generous for a loaded 2-core machine (the cases take a few ms to a few tens); the regex matcher needed seconds to hours for the first. */
const BUDGET_MS = 1000;
const HEAP_MB = 64;

const PROBE_PATHS = [
  "/.well-known/nodeinfo",
  "/.well-known/host-meta",
  `/.well-known/webfinger?resource=acct:${"a".repeat(200)}.example@${"a".repeat(200)}.example`,
  "/nodeinfo/2.1",
  "/api/v2/instance",
  "/api/v1/instance",
  // The longest URL the crawler requests (a redirect or NodeInfo href past it is refused).
  `/${"a".repeat(2046)}b`,
];

/** `line` repeated until the file is as large as the crawler reads. */
function fill(head: string, line: string): string {
  return (head + line.repeat(Math.ceil(ROBOTS_READ_LIMIT / line.length))).slice(0, ROBOTS_READ_LIMIT);
}

const CASES: [string, string][] = [
  ["one Disallow of stars and a letter", `User-agent: *\nDisallow: /${"*".repeat(ROBOTS_READ_LIMIT - 40)}a\n`],
  ["stars between letters, one long line", `User-agent: *\nDisallow: /${"*a".repeat(ROBOTS_READ_LIMIT / 2 - 20)}*b$\n`],
  ["pattern-length rules of stars between letters", fill("User-agent: *\n", `Disallow: /${"*a".repeat(1000)}*b$\n`)],
  ["pattern-length rules of long literal parts", fill("User-agent: *\n", `Disallow: /${"a".repeat(1000)}b*${"a".repeat(1000)}c\n`)],
  ["tens of thousands of short wildcard rules", fill("User-agent: vmcrawl\n", "Allow: /*a*a*a*b\nDisallow: /*a*$\n")],
  ["non-ASCII characters, each three escapes after normalising", `User-agent: *\nDisallow: /${"ツ".repeat(ROBOTS_READ_LIMIT / 3 - 20)}\n`],
  ["percent escapes", `User-agent: *\nDisallow: /${"%e3".repeat(ROBOTS_READ_LIMIT / 3 - 20)}\n`],
  ["a line with no end", `User-agent: *\nDisallow: /${"a".repeat(ROBOTS_READ_LIMIT)}`],
  ["only line breaks", "\r".repeat(ROBOTS_READ_LIMIT)],
  ["only comments", fill("", "# Disallow: /\n")],
  ["one group of a million agents", fill("", "User-agent: x\n")],
  ["a group per two lines", fill("", "User-agent: vmcrawl\nDisallow: /*a\n")],
];

describe("robots.txt from a hostile server", () => {
  it.each(CASES)("%s: parsed and matched within the time and memory budget", async (_name, text) => {
    const spent = await spend({ module: TARGETS, name: "robotsVerdicts", args: [text, "vmcrawl", PROBE_PATHS], heapMb: HEAP_MB });
    expect(spent.ms).toBeLessThan(BUDGET_MS);
    expect(spent.result).toHaveLength(PROBE_PATHS.length);
  });

  it("cuts a long Disallow into a prefix even where the cut ends on a literal \"$\" (it never becomes an exact match)", async () => {
    const kept = `/a${"x".repeat(2045)}`;
    const text = `User-agent: *\nDisallow: ${kept}$yyyy\n`;
    const spent = await spend({ module: TARGETS, name: "robotsVerdicts", args: [text, "vmcrawl", [`${kept}zzz`, "/api/v2/instance"]], heapMb: HEAP_MB });
    expect(spent.result).toEqual([false, true]);
  });

  it("still obeys the rules it kept: a Disallow past the pattern cap is cut (so it disallows more), stars collapse", async () => {
    const text = `User-agent: *\nDisallow: /.well-known/${"x".repeat(5000)}\nDisallow: /api/v2/*${"*".repeat(5000)}instance$\n`;
    const spent = await spend({ module: TARGETS, name: "robotsVerdicts", args: [text, "vmcrawl", ["/.well-known/nodeinfo", `/.well-known/${"x".repeat(3000)}y`, "/api/v2/instance", "/api/v1/instance"]], heapMb: HEAP_MB });
    expect(spent.result).toEqual([true, false, false, true]);
  });
});
