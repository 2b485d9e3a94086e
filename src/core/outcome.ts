/**
 * What crawling one domain can end in: the vocabulary shared by the probe,
 * the store and the simulated fediverse's ground truth (test/fedisim).
 *
 * Every failure has exactly one class (DESIGN §6), the thing the retry menus
 * (20–32, 60–72) select by, and one finer cause under it. For HTTP and HARD
 * the cause is the numeric status ("404", "503", "410"); a redirect chain
 * that is too long or loops is HTTP3XX with cause REDIRECT.
 */
import type { Attempt } from "../net/http.ts";

/**
 * Every failure class once, in the seed's menu order: crawl mode 20 + position retries the class,
 * 60 + position its terminal state. Each carries the labels the two menus show (SIZE's terminal
 * state is the seed's "File", bad_file).
 */
export const ERROR_CLASS_TABLE = [
  { errorClass: "DNS", retry: "DNS (name resolution failures)", terminal: "DNS (bad_dns)" },
  { errorClass: "SSL", retry: "SSL (certificate errors)", terminal: "SSL (bad_ssl)" },
  { errorClass: "TCP", retry: "TCP (connection errors)", terminal: "TCP (bad_tcp)" },
  { errorClass: "TYPE", retry: "Type (content type errors)", terminal: "Type (bad_type)" },
  { errorClass: "SIZE", retry: "Size (response size errors)", terminal: "File (bad_file)" },
  { errorClass: "API", retry: "API (API errors)", terminal: "API (bad_api)" },
  { errorClass: "JSON", retry: "JSON (JSON parsing errors)", terminal: "JSON (bad_json)" },
  { errorClass: "HTTP2XX", retry: "HTTP 2xx (unexpected 2xx status codes)", terminal: "HTTP 2xx (bad_http2xx)" },
  { errorClass: "HTTP3XX", retry: "HTTP 3xx (redirects)", terminal: "HTTP 3xx (bad_http3xx)" },
  { errorClass: "HTTP4XX", retry: "HTTP 4xx (client errors)", terminal: "HTTP 4xx (bad_http4xx)" },
  { errorClass: "HTTP5XX", retry: "HTTP 5xx (server errors)", terminal: "HTTP 5xx (bad_http5xx)" },
  { errorClass: "HARD", retry: "Hard Fail (HTTP 410/418/451/999)", terminal: "Hard Fail (bad_hard: HTTP 410/418/451/999)" },
  { errorClass: "ROBOT", retry: "Robots (robots.txt prohibited)", terminal: "Robots (bad_robot: robots.txt prohibited)" },
] as const;
export type ErrorClass = (typeof ERROR_CLASS_TABLE)[number]["errorClass"];
export const ERROR_CLASSES: readonly ErrorClass[] = ERROR_CLASS_TABLE.map((c) => c.errorClass);

/** The first crawl modes of the two per-class menus. */
export const RETRY_CLASS_MODE = 20;
export const TERMINAL_CLASS_MODE = 60;

/** The class crawl mode `mode` selects by (20–32: failing in it, 60–72: terminal in it), if any. */
export function classOfMode(mode: number): { readonly errorClass: ErrorClass; readonly terminal: boolean } | undefined {
  for (const [first, terminal] of [[RETRY_CLASS_MODE, false], [TERMINAL_CLASS_MODE, true]] as const) {
    const entry = ERROR_CLASS_TABLE[mode - first];
    if (Number.isInteger(mode) && entry !== undefined) return { errorClass: entry.errorClass, terminal };
  }
  return undefined;
}

/** Finer causes by class; HTTP*XX and HARD use the status code itself. */
export const CAUSES = {
  DNS: ["NXDOMAIN", "SERVFAIL", "TIMEOUT", "NODATA"],
  SSL: ["CERT", "CIPHER", "HANDSHAKE"],
  TCP: ["REFUSED", "UNREACHABLE", "RESET", "TIMEOUT", "SSRF", "PROTOCOL", "OTHER"],
  TYPE: ["CONTENT_TYPE"],
  SIZE: ["TOO_LARGE"],
  API: ["AUTH", "NO_DOMAIN"],
  JSON: ["INVALID", "EMPTY", "NO_LINKS", "NO_USAGE", "USERS", "VERSION"],
  HTTP3XX: ["REDIRECT", "INSECURE_REDIRECT"],
  ROBOT: ["DISALLOWED"],
} as const satisfies Partial<Record<ErrorClass, readonly string[]>>;

/** `kind` of an outcome, as `vmcrawl probe --json` and fedisim's truth.jsonl name it. */
export type OutcomeKind = "mastodon" | "other" | "matrix" | "alias" | "error";

/** The requests the crawler may make (DESIGN §8), by name; the names are the `error_endpoint` values. */
export const ENDPOINTS = {
  robots_txt: "/robots.txt",
  nodeinfo: "/.well-known/nodeinfo",
  host_meta: "/.well-known/host-meta",
  webfinger: "/.well-known/webfinger",
  nodeinfo_document: "(the NodeInfo document linked from /.well-known/nodeinfo)",
  instance_api_v2: "/api/v2/instance",
  instance_api_v1: "/api/v1/instance",
  peers: "/api/v1/instance/peers",
} as const;
export type Endpoint = keyof typeof ENDPOINTS;

/** One request made for the domain, for `vmcrawl probe`, slow-domain display and courtesy tests. */
export interface ProbeRequest extends Attempt {
  readonly endpoint: Endpoint;
}

interface Common {
  readonly domain: string;
  readonly requests: readonly ProbeRequest[];
  readonly ms: number;
}

/**
 * What the probe found, in the form `vmcrawl probe --json` prints and fedisim's truth.jsonl
 * holds (snake_case, as those files are read by other tools).
 */
export type ProbeOutcome =
  | (Common & { readonly kind: "mastodon" | "alias"; readonly software: string; readonly version: string; readonly full_version: string; readonly mau: number; readonly total_users: number; readonly canonical: string })
  | (Common & { readonly kind: "other" | "matrix"; readonly software: string })
  | (Common & { readonly kind: "error"; readonly error_class: ErrorClass; readonly cause: string; readonly endpoint: Endpoint; readonly reason: string });

/** A failure: its class, its finer cause, and one line for people. */
export interface Failure {
  readonly errorClass: ErrorClass;
  readonly cause: string;
  /** What happened, in words, with the underlying code. */
  readonly reason: string;
}

/** Mastodon-compatible software (DESIGN §6); others are recorded by name only. */
export const MASTODON_COMPATIBLE = ["mastodon", "hometown", "kmyblue"] as const;

/** The classes in which a server said stop: a hard-fail status, or robots.txt. Never asked again by a routine run, never published. */
export const OPT_OUT_CLASSES: readonly ErrorClass[] = ["HARD", "ROBOT"];

export function isOptOut(errorClass: ErrorClass): boolean {
  return OPT_OUT_CLASSES.includes(errorClass);
}

/** Status codes that mean "stop crawling this server" (seed: hard fail). */
export const HARD_FAIL_STATUSES = [410, 418, 451, 999] as const;

export function httpClass(status: number): ErrorClass {
  if ((HARD_FAIL_STATUSES as readonly number[]).includes(status)) return "HARD";
  if (status >= 500) return "HTTP5XX";
  if (status >= 400) return "HTTP4XX";
  if (status >= 300) return "HTTP3XX";
  return "HTTP2XX";
}
