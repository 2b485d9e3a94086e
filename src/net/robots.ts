/**
 * robots.txt by RFC 9309: groups by product token, Allow/Disallow with the
 * longest match winning (Allow on a tie), `*` and `$` patterns, percent-
 * encoding normalised on both sides. Pure: fetching and what a failed fetch
 * means are the probe's business.
 */

export interface RobotsRule {
  readonly allow: boolean;
  /** As written, normalised; the longest matching pattern decides. */
  readonly pattern: string;
}

export interface RobotsGroup {
  /** Product tokens, lower-case ("*" for any crawler). */
  readonly agents: readonly string[];
  readonly rules: readonly RobotsRule[];
}

/** RFC 9309 §2.5: parse at least the first 500 KiB. */
export const ROBOTS_PARSE_LIMIT = 500 * 1024;

export function parseRobots(text: string): RobotsGroup[] {
  const groups: { agents: string[]; rules: RobotsRule[] }[] = [];
  let current: { agents: string[]; rules: RobotsRule[] } | undefined;
  let lastWasAgent = false;
  for (const rawLine of text.slice(0, ROBOTS_PARSE_LIMIT).split(/\r\n|\r|\n/)) {
    const line = rawLine.replace(/#.*$/, "").trim();
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "user-agent") {
      // Consecutive user-agent lines open one group together; a user-agent after rules opens a new one.
      if (!lastWasAgent || current === undefined) groups.push((current = { agents: [], rules: [] }));
      current.agents.push(productToken(value));
      lastWasAgent = true;
    } else if (key === "allow" || key === "disallow") {
      lastWasAgent = false;
      // An empty Disallow allows everything: no rule. Rules before any user-agent belong to no group.
      if (current === undefined || value === "") continue;
      current.rules.push({ allow: key === "allow", pattern: normalise(value) });
    }
    // Other records (sitemap, crawl-delay, …) neither add rules nor end a group.
  }
  return groups;
}

/** The rules for `token`: every group naming it, merged; else every `*` group, merged; else none. */
export function rulesFor(groups: readonly RobotsGroup[], token: string): RobotsRule[] {
  const wanted = token.toLowerCase();
  const mine = groups.filter((g) => g.agents.includes(wanted));
  const chosen = mine.length > 0 ? mine : groups.filter((g) => g.agents.includes("*"));
  return chosen.flatMap((g) => g.rules);
}

/** Whether `pathAndQuery` may be fetched under `rules`. /robots.txt itself is always allowed. */
export function isAllowed(rules: readonly RobotsRule[], pathAndQuery: string): boolean {
  const target = normalise(pathAndQuery || "/");
  if (target === "/robots.txt") return true;
  let best: RobotsRule | undefined;
  for (const rule of rules) {
    if (!matches(rule.pattern, target)) continue;
    const longer = best === undefined || rule.pattern.length > best.pattern.length;
    const tieAllow = best !== undefined && rule.pattern.length === best.pattern.length && rule.allow && !best.allow;
    if (longer || tieAllow) best = rule;
  }
  return best === undefined || best.allow;
}

function productToken(value: string): string {
  // "vmcrawl/1.0 (+https://…)" names the product token "vmcrawl".
  return (value.split(/[/\s]/, 1)[0] ?? "").toLowerCase();
}

const patternCache = new Map<string, RegExp>();

function matches(pattern: string, target: string): boolean {
  if (!pattern.includes("*") && !pattern.endsWith("$")) return target.startsWith(pattern);
  let regex = patternCache.get(pattern);
  if (regex === undefined) {
    const anchored = pattern.endsWith("$");
    const body = (anchored ? pattern.slice(0, -1) : pattern)
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    regex = new RegExp(`^${body}${anchored ? "$" : ""}`);
    if (patternCache.size > 10_000) patternCache.clear(); // bounded: patterns come from servers
    patternCache.set(pattern, regex);
  }
  return regex.test(target);
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * One spelling for comparison (RFC 9309 §2.2.2): non-ASCII as UTF-8 percent-encoding, escapes of
 * unreserved characters decoded, every remaining escape in upper case.
 */
function normalise(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "%" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      const decoded = String.fromCharCode(Number.parseInt(text.slice(i + 1, i + 3), 16));
      out += UNRESERVED.test(decoded) ? decoded : `%${text.slice(i + 1, i + 3).toUpperCase()}`;
      i += 2;
    } else if (c.charCodeAt(0) > 0x7e || c.charCodeAt(0) < 0x21) {
      const code = text.codePointAt(i)!;
      if (code > 0xffff) i++;
      out += [...Buffer.from(String.fromCodePoint(code), "utf8")].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join("");
    } else {
      out += c;
    }
  }
  return out;
}
