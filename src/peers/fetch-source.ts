/**
 * One server's peers (reference §10, DESIGN §6 courtesy): robots.txt first
 * (the peers path must be allowed, on every host a redirect visits), then
 * /api/v1/instance/peers read as a stream: each entry admitted or refused as
 * it arrives, admitted names inserted in batches, so neither the list nor its
 * names are ever held whole. The result says what to do with the server next
 * time: keep asking (ok, or a passing failure), or stop (a lasting refusal).
 */
import type { DomainName } from "../net/domain.ts";
import type { Failure } from "../net/failure.ts";
import { BodyRejected, type HttpClient } from "../net/http.ts";
import { isAllowed } from "../net/robots.ts";
import { fetchRobotsRules, type RobotsAnswer } from "../crawl/robots-rules.ts";
import { HARD_FAIL_STATUSES, isOptOut } from "../core/outcome.ts";
import { type AdmissionRules, admitPeer, RejectionCounts } from "./admit.ts";
import { JsonArrayError, JsonArrayStream } from "./json-stream.ts";

export const PEERS_PATH = "/api/v1/instance/peers";

export interface SourceDeps {
  readonly http: Pick<HttpClient, "fetch">;
  readonly robotsToken: string;
  readonly rules: AdmissionRules;
  /** Decoded bytes read at most; the rest of a longer list is cut off (and said so). */
  readonly maxBytes: number;
  /** Time for the whole list. */
  readonly timeoutMs: number;
  /** Adds admitted names; returns how many were new. */
  readonly insert: (domains: readonly string[]) => number;
  /** Names per insert. @default 2000 */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  /** Entries read so far, now and then, for progress. */
  readonly onProgress?: (entries: number) => void;
}

export interface SourceCounts {
  /** Entries in the list (read so far, when it failed part way). */
  readonly entries: number;
  readonly admitted: number;
  /** Admitted names that were not known before. */
  readonly added: number;
  readonly rejected: RejectionCounts;
}

export type SourceResult = SourceCounts &
  (
    | { readonly status: "ok"; readonly truncated: boolean }
    /** A lasting refusal (401/403/404/410, robots, not a JSON array): stop asking this server. */
    | { readonly status: "refused"; readonly reason: string }
    /** A passing failure (timeouts, 5xx, network): ask again next time. */
    | { readonly status: "failed"; readonly reason: string }
  );

/** Statuses that mean "this server does not publish peers to us", for good. */
const REFUSING_STATUSES = new Set([401, 403, 404, 410, ...HARD_FAIL_STATUSES]);

export async function fetchPeersOf(source: DomainName, deps: SourceDeps): Promise<SourceResult> {
  const rejected = new RejectionCounts();
  const batchSize = deps.batchSize ?? 2000;
  let entries = 0;
  let admitted = 0;
  let added = 0;
  let batch: string[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    added += deps.insert(batch);
    batch = [];
  };
  const counts = (): SourceCounts => ({ entries, admitted, added, rejected });
  const parser = new JsonArrayStream((entry) => {
    entries++;
    if (entries % 10_000 === 0) deps.onProgress?.(entries);
    const admission = admitPeer(entry, deps.rules);
    if (!admission.ok) return rejected.add(admission.reason);
    admitted++;
    batch.push(admission.domain);
    if (batch.length >= batchSize) flush();
  });

  // robots.txt of every host the request visits (redirects included), read once per host.
  const robots = new Map<string, Promise<RobotsAnswer>>();
  const fromRobots = new WeakSet<Failure>();
  const allowed = async (url: URL): Promise<Failure | undefined> => {
    let answer = robots.get(url.hostname);
    if (answer === undefined) {
      answer = fetchRobotsRules(deps.http, url.hostname, { token: deps.robotsToken, ...(deps.signal ? { signal: deps.signal } : {}) });
      robots.set(url.hostname, answer);
    }
    const rules = await answer;
    let failure: Failure | undefined;
    if (!rules.ok) failure = rules.failure;
    else if (!isAllowed(rules.rules, `${url.pathname}${url.search}`)) failure = { errorClass: "ROBOT", cause: "DISALLOWED", reason: `robots.txt of ${url.hostname} disallows ${url.pathname}` };
    if (failure !== undefined) fromRobots.add(failure);
    return failure;
  };

  const result = await deps.http.fetch(`https://${source.ascii}${PEERS_PATH}`, {
    accept: "application/json",
    maxBytes: deps.maxBytes,
    timeoutMs: deps.timeoutMs,
    ...(deps.signal ? { signal: deps.signal } : {}),
    beforeRequest: allowed,
    // Only a successful answer is read as a list; an error page is collected (and ignored) as usual.
    sink: ({ status }) =>
      status >= 200 && status < 300
        ? (chunk) => {
            try {
              parser.write(chunk);
            } catch (err) {
              if (err instanceof JsonArrayError) throw new BodyRejected({ errorClass: "JSON", cause: "INVALID", reason: `not a JSON array of names: ${err.message} (at byte ${err.offset})` });
              throw err;
            }
          }
        : undefined,
  });
  // Whatever was admitted is kept, also when the list failed part way: each name stood on its own.
  flush();
  if (!result.ok) {
    const { failure } = result;
    // An opt-out (robots.txt disallows, or a hard-fail status on it) lasts; a robots.txt we could not read now does not.
    if (fromRobots.has(failure)) return { status: isOptOut(failure.errorClass) ? "refused" : "failed", reason: failure.reason, ...counts() };
    if (failure.errorClass === "SIZE") return { status: "ok", truncated: true, ...counts() };
    if (failure.errorClass === "JSON") return { status: "refused", reason: failure.reason, ...counts() };
    return { status: "failed", reason: failure.reason, ...counts() };
  }
  const { status } = result;
  if (status >= 200 && status < 300) {
    try {
      parser.end();
    } catch (err) {
      if (!(err instanceof JsonArrayError)) throw err;
      return { status: "refused", reason: `not a JSON array of names: ${err.message}`, ...counts() };
    }
    return { status: "ok", truncated: false, ...counts() };
  }
  if (REFUSING_STATUSES.has(status)) return { status: "refused", reason: `HTTP ${status} on ${PEERS_PATH}`, ...counts() };
  if (status === 429 || status >= 500) return { status: "failed", reason: `HTTP ${status} on ${PEERS_PATH}`, ...counts() };
  return { status: "refused", reason: `HTTP ${status} on ${PEERS_PATH}`, ...counts() };
}
