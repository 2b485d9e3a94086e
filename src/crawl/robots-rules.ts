/**
 * Reading a host's robots.txt for us (RFC 9309), shared by the crawl and by
 * fetch: 2xx gives its rules for our token; other 4xx and unfollowable
 * redirects mean no rules; 5xx and 429 mean "not now" (a retryable failure,
 * not an opt-out); a hard-fail status (410, 418, 451, 999) is an opt-out of
 * everything; a transport failure is that failure.
 */
import type { Attempt, HttpClient } from "../net/http.ts";
import type { Failure } from "../net/failure.ts";
import { parseRobots, ROBOTS_READ_LIMIT, type RobotsRule, rulesFor } from "../net/robots.ts";
import { HARD_FAIL_STATUSES, httpClass } from "../core/outcome.ts";

export type RobotsAnswer = { readonly ok: true; readonly rules: readonly RobotsRule[] } | { readonly ok: false; readonly failure: Failure };

/** RFC 9309 §2.3.1.2: at least five redirects. */
const ROBOTS_REDIRECTS = 5;
const NO_RULES: RobotsAnswer = { ok: true, rules: [] };

export async function fetchRobotsRules(
  http: Pick<HttpClient, "fetch">,
  host: string,
  options: { readonly signal?: AbortSignal; readonly token: string; readonly onAttempts?: (attempts: readonly Attempt[]) => void },
): Promise<RobotsAnswer> {
  const result = await http.fetch(`https://${host}/robots.txt`, {
    ...(options.signal ? { signal: options.signal } : {}),
    accept: "text/plain, */*;q=0.1",
    maxRedirects: ROBOTS_REDIRECTS,
    // RFC 9309 §2.5: what is read is parsed; a larger file is no reason to give up on the server.
    endpointBytes: ROBOTS_READ_LIMIT,
    truncate: true,
  });
  options.onAttempts?.(result.attempts);
  if (!result.ok) {
    // Too many redirects: RFC 9309 lets us treat robots.txt as unavailable, which allows everything.
    if (result.failure.cause === "REDIRECT") return NO_RULES;
    return { ok: false, failure: result.failure };
  }
  const { status } = result;
  if ((HARD_FAIL_STATUSES as readonly number[]).includes(status)) return { ok: false, failure: { errorClass: "HARD", cause: String(status), reason: `HTTP ${status} on /robots.txt` } };
  if (status >= 500 || status === 429) return { ok: false, failure: { errorClass: httpClass(status), cause: String(status), reason: `robots.txt unreachable (HTTP ${status}): not crawling now` } };
  if (status >= 300) return NO_RULES;
  return { ok: true, rules: rulesFor(parseRobots(result.body.toString("utf8")), options.token) };
}
