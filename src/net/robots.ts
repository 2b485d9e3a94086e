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
  /** The literal parts between its stars, split once when parsed (a path is checked several times). */
  readonly parts: readonly string[];
  /** Ends in `$`: the last part must end the path. */
  readonly anchored: boolean;
}

export interface RobotsGroup {
  /** Product tokens, lower-case ("*" for any crawler). */
  readonly agents: readonly string[];
  readonly rules: readonly RobotsRule[];
}

/**
 * How much of a robots.txt is read and parsed: RFC 9309 §2.5 asks for at least 500 KiB. What lies
 * past it is ignored, not a reason to give up on the server.
 */
export const ROBOTS_READ_LIMIT = 512 * 1024;
/** Rules kept from one file; later ones are ignored (a file of a million one-character rules costs nothing more). */
export const MAX_RULES = 10_000;
/**
 * Longest pattern kept, after normalisation. A longer Disallow is cut to this length (a shorter
 * prefix disallows more, never less); a longer Allow is dropped (it could only allow more).
 */
export const MAX_PATTERN = 2_048;

export function parseRobots(text: string): RobotsGroup[] {
  const groups: { agents: string[]; rules: RobotsRule[] }[] = [];
  let current: { agents: string[]; rules: RobotsRule[] } | undefined;
  let lastWasAgent = false;
  let rules = 0;
  for (const rawLine of text.slice(0, ROBOTS_READ_LIMIT).split(/\r\n|\r|\n/)) {
    const hash = rawLine.indexOf("#");
    const line = (hash === -1 ? rawLine : rawLine.slice(0, hash)).trim();
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
      if (current === undefined || value === "" || rules >= MAX_RULES) continue;
      const rule = boundedRule(key === "allow", value);
      if (rule === undefined) continue;
      current.rules.push(rule);
      rules++;
    }
    // Other records (sitemap, crawl-delay, …) neither add rules nor end a group.
  }
  return groups;
}

function boundedRule(allow: boolean, value: string): RobotsRule | undefined {
  // "**" matches what "*" matches: one star stands for a run of them, so no pattern has more parts than needed.
  const collapsed = value.replace(/\*{2,}/g, "*");
  // Normalising turns at most three characters ("%61") into one: past this, the pattern is over the cap
  // whatever the rest holds, and the part kept is the same as if all of it had been normalised.
  const read = collapsed.slice(0, 3 * MAX_PATTERN + 3);
  const pattern = normalise(read);
  if (read.length === collapsed.length && pattern.length <= MAX_PATTERN) return rule(allow, pattern);
  // A "$" the cut leaves at the end was a literal character: as an anchor it would disallow less.
  return allow ? undefined : rule(allow, pattern.slice(0, MAX_PATTERN).replace(/\$$/, ""));
}

function rule(allow: boolean, pattern: string): RobotsRule {
  const anchored = pattern.endsWith("$");
  return { allow, pattern, parts: (anchored ? pattern.slice(0, -1) : pattern).split("*"), anchored };
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
    if (!matches(rule, target)) continue;
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

/**
 * Whether a rule's pattern matches the start of `target` (the whole of it with a trailing `$`). The
 * pattern's literal parts between stars are found left to right, each at its first place after the
 * last: the leftmost place never prevents a later part from matching, so no choice is ever undone.
 * No regular expression: one built from a server's stars backtracks exponentially.
 */
export function matches(rule: Pick<RobotsRule, "parts" | "anchored">, target: string): boolean {
  const { parts, anchored } = rule;
  const first = parts[0]!;
  if (parts.length === 1) return anchored ? target === first : target.startsWith(first);
  if (!target.startsWith(first)) return false;
  let position = first.length;
  const last = parts.length - 1;
  for (let i = 1; i < last; i++) {
    const found = target.indexOf(parts[i]!, position);
    if (found === -1) return false;
    position = found + parts[i]!.length;
  }
  const tail = parts[last]!;
  // Unanchored, the last part may sit anywhere after the others; anchored, it must end the target.
  if (!anchored) return target.indexOf(tail, position) !== -1;
  return target.length - tail.length >= position && target.endsWith(tail);
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
    } else if (needsEscape(c.charCodeAt(0))) {
      // A run of such characters is encoded in one go: one Buffer per run, not one per character.
      let end = i + 1;
      while (end < text.length && needsEscape(text.charCodeAt(end))) end++;
      out += Buffer.from(text.slice(i, end), "utf8").toString("hex").toUpperCase().replace(/../g, "%$&");
      i = end - 1;
    } else {
      out += c;
    }
  }
  return out;
}

function needsEscape(code: number): boolean {
  return code > 0x7e || code < 0x21;
}
