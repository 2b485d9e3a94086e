/**
 * What one simulated domain is: how it resolves, how its TLS behaves, what
 * each endpoint answers, and the ground truth a correct crawler must record
 * for it. Specs are small plain data; responses are made from them on demand
 * (respond.ts), so 100,000 domains fit in a few megabytes.
 */
import type { Endpoint, ErrorClass, OutcomeKind } from "../../src/core/outcome.ts";

/** Which simulator address a domain resolves to (addresses.ts maps them to loopback IPs). */
export type AddressRole =
  /** The main HTTPS server: HTTP/2 and HTTP/1.1. */
  | "main"
  /** A server that only speaks TLS 1.0. */
  | "tls10"
  /** An address nothing listens on: connection refused. */
  | "refused"
  /** A loopback address outside the crawler's allow-list: the SSRF guard must refuse it. */
  | "forbidden";

export type DnsMode = "ok" | "nxdomain" | "servfail" | "timeout";

export type TlsMode = "ok" | "expired" | "wrong-host" | "untrusted" | "stall";

/** A deviation from the normal answer at one endpoint (or every endpoint). */
export type Fault =
  | { readonly kind: "status"; readonly status: number; readonly html?: boolean; readonly retryAfter?: number }
  | { readonly kind: "html" }
  | { readonly kind: "empty" }
  | { readonly kind: "truncated" }
  | { readonly kind: "invalid" }
  | { readonly kind: "redirect-loop" }
  | { readonly kind: "redirect-chain"; readonly hops: number }
  /** Redirect to a host that resolves to a forbidden address. */
  | { readonly kind: "redirect-forbidden"; readonly host: string }
  | { readonly kind: "oversized"; readonly bytes: number; readonly declared: boolean }
  | { readonly kind: "gzip-bomb" }
  /** Headers only after this long. */
  | { readonly kind: "slow"; readonly ms: number }
  /** Headers, then one byte every `everyMs`, forever (bounded by the simulator's own limit). */
  | { readonly kind: "drip"; readonly everyMs: number }
  /** Headers and part of the body, then the connection is cut. */
  | { readonly kind: "reset" }
  /** HTTP/2 requests are refused with a stream error; HTTP/1.1 works. */
  | { readonly kind: "h2-error" }
  /** An answer made to hurt a crawler (hostile.ts), generated when asked for, never held in the spec. */
  | { readonly kind: "hostile"; readonly body: HostileBody };

/** The answers of the hostile families (families.ts HOSTILE_FAMILIES); hostile.ts makes them. */
export type HostileBody =
  /** robots.txt of wildcard-heavy rules, none matching a path the crawler asks for, then Mastodon's own. */
  | "robots-wildcards"
  /** Mastodon's robots.txt, padded past 600 KiB, then a Disallow of everything that a reader of 512 KiB never sees. */
  | "robots-oversized-allow"
  /** A Disallow for vmcrawl, then padding past 700 KiB. */
  | "robots-oversized-deny"
  /** host-meta of unclosed `<Link` elements, repeated past what the crawler scans. */
  | "host-meta-flood"
  /** The NodeInfo document grown to about 900 KiB with trailing commas: valid only to a forgiving reader. */
  | "json-large-lenient"
  /** The same grown to about 9 MiB. */
  | "json-huge-lenient"
  /** A JSON answer led by NUL bytes (the parser's error message quotes them). */
  | "json-nul"
  /** Arrays nested half a million deep. */
  | "json-deep"
  /** The NodeInfo document with a version string of about 900 KiB. */
  | "version-megabyte"
  /** A redirect to the NodeInfo document with a 60 KiB query: past the longest URL a probe requests. */
  | "redirect-long";

export type NodeinfoMode =
  /** The usual: `links` list with one NodeInfo 2.0 link. */
  | "links"
  /** The document itself at the well-known URL. */
  | "direct"
  /** `links` is one object, not a list (Lemmy). */
  | "single-link"
  /** Links to 2.0, 2.1 and 2.2, each document different; 2.2 holds the truth. */
  | "multi"
  /** A Matrix server's `{"m.server": …}` answer. */
  | "matrix"
  /** `{"links": []}`. */
  | "no-links"
  /** 404: found only through host-meta or webfinger on another host. */
  | "absent";

export interface DomainSpec {
  /** As listed in domains.txt: lower-case, Unicode for IDN. */
  readonly name: string;
  /** A-label form: what DNS, SNI and Host carry. */
  readonly ascii: string;
  /** The behaviour family that made it (families.ts). */
  readonly family: string;
  readonly dns: DnsMode;
  readonly address: AddressRole;
  readonly tls: TlsMode;
  /** Offers only HTTP/1.1 by ALPN (status 999 cannot be sent over HTTP/2, and many small servers never enabled it). */
  readonly http1Only?: boolean;
  /** Added before every response of this domain. */
  readonly latencyMs: number;
  /**
   * Compresses its JSON answers with gzip when the client accepts it, as Mastodon's nginx
   * configuration does (`gzip_types` lists application/json; level 1, nginx's default).
   */
  readonly gzip?: boolean;
  readonly robots: { readonly status: number; readonly body: string };
  readonly nodeinfo: NodeinfoMode;
  /** BOM and trailing commas in the NodeInfo document. */
  readonly lenientJson?: boolean;
  /** NodeInfo `software` and `usage`, as served (may be wrong on purpose). */
  readonly software?: { readonly name: string; readonly version: string };
  readonly usage?: { readonly users?: Record<string, unknown> } | null;
  /** The NodeInfo link of /.well-known/nodeinfo points at this host instead of the domain itself. */
  readonly nodeinfoHost?: string;
  /** Host-meta / webfinger point at this backend host. */
  readonly hostMetaBackend?: string;
  readonly webfingerBackend?: string;
  /** Instance API answers: the canonical domain it names, or a status. */
  readonly instanceV2?: { readonly domain: string } | { readonly status: number };
  readonly instanceV1?: { readonly uri: string } | { readonly status: number };
  /** Peers served at /api/v1/instance/peers; `generated` streams that many synthetic names. */
  readonly peers?: { readonly list: readonly unknown[] } | { readonly generated: number };
  readonly fault?: { readonly at: Endpoint | "all"; readonly fault: Fault };
  /**
   * A plain file host (a TLD list, a DNI export, GitHub's API): a path (or path?query) answers its
   * text (200 text/plain) or its reply as given; anything else 404.
   */
  readonly files?: Readonly<Record<string, FileReply>>;
  readonly truth: Truth;
}

/** One line of truth.jsonl: what a correct crawler records for the domain (default settings). */
export interface Truth {
  readonly domain: string;
  readonly kind: OutcomeKind;
  readonly error_class?: ErrorClass;
  readonly cause?: string;
  /** Which request the failure is recorded against. */
  readonly endpoint?: Endpoint;
  readonly software?: string;
  /** Cleaned version. */
  readonly version?: string;
  /** Version as reported. */
  readonly full_version?: string;
  readonly mau?: number;
  readonly total_users?: number;
  /** The canonical domain (for an alias, the domain it is an alias of). */
  readonly canonical?: string;
  /** Peers a correct `fetch` admits from this server (lower-case, deduplicated, as served). */
  readonly peers?: readonly string[];
  /** For the generated list: how many entries it streams. */
  readonly peers_count?: number;
  /** Paths among the crawler's endpoints that robots.txt forbids; none may be requested. */
  readonly disallowed?: readonly string[];
  /** Sequential round trips a correct crawl needs (host-meta and webfinger together count once). */
  readonly round_trips: number;
}

/** What a file host answers for one path: text, or a status, headers and body of its own (an API page with a Link header). */
export type FileReply = string | { readonly status?: number; readonly headers?: Readonly<Record<string, string>>; readonly body: string };
