/**
 * The behaviour catalogue: every kind of server the crawler meets, each with
 * its share of a generated scenario and, written out by hand, the ground
 * truth a correct crawler must record for it (at default settings: 2
 * redirects, 10 MiB bodies, the seeded release and nightly tables).
 *
 * A family builds one domain, or two where the behaviour needs a partner
 * (a backend host, an alias target).
 */
import type { Endpoint } from "../../src/core/outcome.ts";
import type { Random } from "./random.ts";
import type { DomainSpec, Fault, Truth } from "./spec.ts";

/** A spec before the peers graph is drawn (scenario.ts adds `peers` to servers that publish them). */
export type Draft = Omit<DomainSpec, "peers" | "truth"> & { truth: Omit<Truth, "peers" | "peers_count">; servesPeers?: boolean };

export interface Draw {
  readonly rng: Random;
  /** A fresh domain name: `idn` forces an internationalised one, `prefix` starts its first label, `exact` takes a given name. */
  newName(options?: { idn?: boolean; prefix?: string; exact?: string }): { name: string; ascii: string };
  latency(): number;
}

export interface Family {
  readonly name: string;
  /** Relative share in a generated scenario. */
  readonly weight: number;
  build(draw: Draw): Draft[];
}

// --- what servers say ---------------------------------------------------------------

/** Mastodon's own robots.txt: only media proxy and interact are off limits, and GPTBot entirely. */
export const MASTODON_ROBOTS = "# See http://www.robotstxt.org/robotstxt.html\n\nUser-agent: *\nDisallow: /media_proxy/\nDisallow: /interact/\n\nUser-agent: GPTBot\nDisallow: /\n";

/** [as reported, cleaned] — cleaning per reference §11.4 without its bugs (a version is never moved to another release). */
export const VERSIONS: readonly (readonly [string, string])[] = [
  ["4.5.6", "4.5.6"],
  ["4.5.6", "4.5.6"],
  ["4.5.6", "4.5.6"],
  ["4.5.5", "4.5.5"],
  ["4.5.2", "4.5.2"],
  ["4.4.13", "4.4.13"],
  ["4.4.13", "4.4.13"],
  ["4.4.8", "4.4.8"],
  ["4.3.19", "4.3.19"],
  ["4.3.11", "4.3.11"],
  ["4.2.29", "4.2.29"],
  ["4.2.10", "4.2.10"],
  ["4.1.22", "4.1.22"],
  ["4.0.15", "4.0.15"],
  ["3.5.19", "3.5.19"],
  ["4.5.6+glitch", "4.5.6"],
  ["4.4.13+glitch", "4.4.13"],
  ["4.6.0-alpha.4", "4.6.0-alpha.4"],
  ["4.5.0-rc.1", "4.5.0-rc.1"],
  ["4.6.0-alpha.4+nightly-20260215", "4.6.0-alpha.4"],
  ["4.6.0-nightly.2026-02-10", "4.6.0-alpha.3"],
  ["4.5.0-nightly.2025-09-01", "4.5.0-alpha.2"],
  ["v4.5.6", "4.5.6"],
  // Newer than the seeded latest 4.5.6 but on a known branch: kept as is, never mapped to 4.5.0 (upstream bug §22.12).
  ["4.5.9", "4.5.9"],
];

const OTHER_SOFTWARE: readonly (readonly [string, string, string])[] = [
  // [software.name as served, recorded name, version]
  ["misskey", "misskey", "2025.4.1"],
  ["pleroma", "pleroma", "2.9.1"],
  ["akkoma", "akkoma", "3.15.2"],
  ["gotosocial", "gotosocial", "0.19.1"],
  ["lemmy", "lemmy", "0.19.11"],
  ["peertube", "peertube", "7.2.1"],
  ["pixelfed", "pixelfed", "0.12.5"],
  ["friendica", "friendica", "2024.12"],
  ["Write Freely", "write-freely", "0.15.1"],
];

function users(rng: Random): { total: number; mau: number } {
  const total = Math.max(1, Math.round(rng.logNormal(40, 60_000)));
  const mau = Math.min(total, Math.round(total * rng.next() * 0.6));
  return { total, mau };
}

function base(draw: Draw, family: string, name: { name: string; ascii: string }): Pick<Draft, "name" | "ascii" | "family" | "dns" | "address" | "tls" | "latencyMs" | "gzip" | "robots"> {
  return { ...name, family, dns: "ok", address: "main", tls: "ok", latencyMs: draw.latency(), gzip: compresses(name.ascii), robots: { status: 200, body: MASTODON_ROBOTS } };
}

/**
 * Four servers in five gzip their JSON. Drawn from the name, not the generator, so the rest of a
 * seed's scenario stays as it was.
 */
function compresses(ascii: string): boolean {
  let hash = 0;
  for (let i = 0; i < ascii.length; i++) hash = (hash * 31 + ascii.charCodeAt(i)) >>> 0;
  return hash % 5 !== 0;
}

/** A healthy Mastodon server (or fork) and its truth; overrides make the variants. */
function mastodon(draw: Draw, family: string, name = draw.newName(), options: { software?: string; version?: readonly [string, string] } = {}): Draft {
  const [raw, clean] = options.version ?? draw.rng.pick(VERSIONS);
  const software = options.software ?? "mastodon";
  const { total, mau } = users(draw.rng);
  return {
    ...base(draw, family, name),
    nodeinfo: "links",
    software: { name: software, version: raw },
    usage: { users: { total, activeMonth: mau, activeHalfyear: Math.min(total, mau * 2) } },
    instanceV2: { domain: name.ascii },
    instanceV1: { uri: name.ascii },
    servesPeers: true,
    truth: { domain: name.name, kind: "mastodon", software, version: clean, full_version: raw, mau, total_users: total, canonical: name.name, round_trips: 4 },
  };
}

/** A failure recorded against `endpoint`, with nothing published. */
function failure(draft: Draft, errorClass: NonNullable<Truth["error_class"]>, cause: string, endpoint: Endpoint, roundTrips: number, extra: Partial<Draft> = {}): Draft {
  return {
    ...draft,
    ...extra,
    servesPeers: false,
    truth: { domain: draft.truth.domain, kind: "error", error_class: errorClass, cause, endpoint, round_trips: roundTrips },
  };
}

/** A fault on the NodeInfo probe: the probe fails, host-meta and webfinger find nothing, the probe's error is the outcome. */
function probeFault(draw: Draw, family: string, fault: Fault, errorClass: NonNullable<Truth["error_class"]>, cause: string): Draft {
  return failure(mastodon(draw, family), errorClass, cause, "nodeinfo", 3, { fault: { at: "nodeinfo", fault } });
}

/** A fault on the NodeInfo document: recorded directly. */
function documentFault(draw: Draw, family: string, fault: Fault, errorClass: NonNullable<Truth["error_class"]>, cause: string): Draft {
  return failure(mastodon(draw, family), errorClass, cause, "nodeinfo_document", 3, { fault: { at: "nodeinfo_document", fault } });
}

function usersFault(draw: Draw, family: string, users: Record<string, unknown>): Draft {
  return failure(mastodon(draw, family), "JSON", "USERS", "nodeinfo_document", 3, { usage: { users } });
}

// --- the catalogue ------------------------------------------------------------------

const family = (name: string, weight: number, build: (draw: Draw) => Draft[]): Family => ({ name, weight, build });

export const FAMILIES: readonly Family[] = [
  // Healthy Mastodon and forks.
  family("mastodon", 300, (d) => [mastodon(d, "mastodon")]),
  family("mastodon-idn", 6, (d) => [mastodon(d, "mastodon-idn", d.newName({ idn: true }))]),
  family("mastodon-v1-only", 25, (d) => {
    const m = mastodon(d, "mastodon-v1-only");
    return [{ ...m, instanceV2: { status: 404 }, truth: { ...m.truth, round_trips: 5 } }];
  }),
  family("mastodon-nodeinfo-direct", 6, (d) => {
    const m = mastodon(d, "mastodon-nodeinfo-direct");
    return [{ ...m, nodeinfo: "direct", truth: { ...m.truth, round_trips: 3 } }];
  }),
  family("mastodon-nodeinfo-multi", 6, (d) => [{ ...mastodon(d, "mastodon-nodeinfo-multi"), nodeinfo: "multi" }]),
  family("mastodon-single-link", 4, (d) => [{ ...mastodon(d, "mastodon-single-link"), nodeinfo: "single-link" }]),
  family("mastodon-lenient-json", 4, (d) => [{ ...mastodon(d, "mastodon-lenient-json"), lenientJson: true }]),
  family("mastodon-http1-only", 20, (d) => [{ ...mastodon(d, "mastodon-http1-only"), http1Only: true }]),
  family("mastodon-h2-broken", 4, (d) => [{ ...mastodon(d, "mastodon-h2-broken"), fault: { at: "all", fault: { kind: "h2-error" } } }]),
  family("hometown", 6, (d) => [mastodon(d, "hometown", undefined, { software: "hometown", version: d.rng.pick([["4.3.19+hometown-1.1.2", "4.3.19"], ["4.4.13+hometown-1.2.0", "4.4.13"]] as const) })]),
  family("kmyblue", 4, (d) => [mastodon(d, "kmyblue", undefined, { software: "kmyblue", version: d.rng.pick([["4.4.13+kmyblue.21.2", "4.4.13"], ["4.3.19+kmyblue.19.1", "4.3.19"]] as const) })]),
  family("robots-other-bot", 10, (d) => [{ ...mastodon(d, "robots-other-bot"), robots: { status: 200, body: "User-agent: GPTBot\nDisallow: /\n\nUser-agent: CCBot\nDisallow: /\n" } }]),
  family("robots-vmcrawl-allowed", 3, (d) => [
    { ...mastodon(d, "robots-vmcrawl-allowed"), robots: { status: 200, body: "User-agent: *\nDisallow: /\n\nUser-agent: vmcrawl\nAllow: /\n" } },
  ]),
  family("robots-404", 15, (d) => [{ ...mastodon(d, "robots-404"), robots: { status: 404, body: "<!DOCTYPE html><title>Not Found</title>" } }]),

  // Backend discovery: the account domain's NodeInfo lives on another host.
  family("mastodon-host-meta-backend", 5, (d) => backendPair(d, "mastodon-host-meta-backend", "hostMetaBackend")),
  family("mastodon-webfinger-backend", 3, (d) => backendPair(d, "mastodon-webfinger-backend", "webfingerBackend")),

  // Aliases: the instance API names another domain.
  family("alias", 12, (d) => {
    const target = mastodon(d, "alias-target");
    const aliasName = d.newName();
    const alias = mastodon(d, "alias", aliasName, { version: [target.truth.full_version!, target.truth.version!] });
    return [
      target,
      {
        ...alias,
        software: target.software!,
        usage: target.usage!,
        instanceV2: { domain: target.ascii },
        instanceV1: { uri: target.ascii },
        servesPeers: false,
        truth: { ...target.truth, domain: aliasName.name, kind: "alias", canonical: target.truth.domain, round_trips: 4 },
      },
    ];
  }),

  // Data a correct crawler refuses to publish.
  family("users-missing-mau", 3, (d) => [usersFault(d, "users-missing-mau", { total: 120 })]),
  family("users-missing-total", 2, (d) => [usersFault(d, "users-missing-total", { activeMonth: 12 })]),
  family("users-mau-above-total", 3, (d) => [usersFault(d, "users-mau-above-total", { total: 10, activeMonth: 11 })]),
  family("users-negative", 2, (d) => [usersFault(d, "users-negative", { total: 100, activeMonth: -4 })]),
  family("users-string", 2, (d) => [usersFault(d, "users-string", { total: "100", activeMonth: "12" })]),
  family("no-usage", 2, (d) => [failure(mastodon(d, "no-usage"), "JSON", "NO_USAGE", "nodeinfo_document", 3, { usage: null })]),
  family("version-above-main", 4, (d) => {
    const raw = d.rng.pick(["4.7.1", "5.0.0", "4.6.3"]);
    const m = mastodon(d, "version-above-main");
    return [failure({ ...m, software: { name: "mastodon", version: raw } }, "JSON", "VERSION", "nodeinfo_document", 3)];
  }),
  family("version-garbage", 3, (d) => {
    const raw = d.rng.pick(["not-a-version", "", "latest", "4.x"]);
    const m = mastodon(d, "version-garbage");
    return [failure({ ...m, software: { name: "mastodon", version: raw } }, "JSON", "VERSION", "nodeinfo_document", 3)];
  }),
  family("api-auth", 4, (d) => [failure(mastodon(d, "api-auth"), "API", "AUTH", "instance_api_v1", 5, { instanceV2: { status: 401 }, instanceV1: { status: 401 } })]),
  family("api-missing", 3, (d) => [failure(mastodon(d, "api-missing"), "API", "NO_DOMAIN", "instance_api_v1", 5, { instanceV2: { status: 404 }, instanceV1: { status: 404 } })]),

  // Not Mastodon.
  family("other", 220, (d) => {
    const [served, recorded, version] = d.rng.pick(OTHER_SOFTWARE);
    const m = mastodon(d, "other");
    return [{ ...m, software: { name: served, version }, instanceV2: { status: 404 }, instanceV1: { status: 404 }, servesPeers: false, truth: { domain: m.truth.domain, kind: "other", software: recorded, round_trips: 3 } }];
  }),
  family("robots-api-other", 4, (d) => {
    const m = mastodon(d, "robots-api-other");
    return [
      {
        ...m,
        software: { name: "gotosocial", version: "0.19.1" },
        robots: { status: 200, body: "User-agent: *\nDisallow: /api/\n" },
        servesPeers: false,
        truth: { domain: m.truth.domain, kind: "other", software: "gotosocial", disallowed: ["/api/v2/instance", "/api/v1/instance", "/api/v1/instance/peers"], round_trips: 3 },
      },
    ];
  }),
  family("matrix", 8, (d) => {
    const m = mastodon(d, "matrix");
    return [{ ...m, nodeinfo: "matrix", servesPeers: false, truth: { domain: m.truth.domain, kind: "matrix", software: "matrix", round_trips: 2 } }];
  }),

  // Opting out.
  family("robots-vmcrawl", 8, (d) => robotsDenied(d, "robots-vmcrawl", "User-agent: vmcrawl\nDisallow: /\n")),
  family("robots-star", 8, (d) => robotsDenied(d, "robots-star", "User-agent: *\nDisallow: /\n")),
  family("robots-paths", 4, (d) => robotsDenied(d, "robots-paths", "User-agent: *\nDisallow: /.well-known/\nDisallow: /nodeinfo/\n", ["/.well-known/nodeinfo", "/.well-known/host-meta", "/.well-known/webfinger"])),
  family("robots-api", 3, (d) => {
    const m = mastodon(d, "robots-api");
    return [
      failure(m, "ROBOT", "DISALLOWED", "robots_txt", 3, { robots: { status: 200, body: "User-agent: *\nDisallow: /api/\n" } }),
    ].map((x) => ({ ...x, truth: { ...x.truth, disallowed: ["/api/v2/instance", "/api/v1/instance", "/api/v1/instance/peers"] } }));
  }),
  family("robots-5xx", 6, (d) => [failure(mastodon(d, "robots-5xx"), "HTTP5XX", "503", "robots_txt", 1, { robots: { status: 503, body: "Service Unavailable" } })]),
  family("hard-fail", 12, (d) => {
    const status = d.rng.pick([410, 418, 451, 999]);
    const at = d.rng.pick(["robots_txt", "nodeinfo", "nodeinfo_document", "instance_api_v2"] as const);
    const trips = { robots_txt: 1, nodeinfo: 2, nodeinfo_document: 3, instance_api_v2: 4 }[at];
    return [failure(mastodon(d, "hard-fail"), "HARD", String(status), at, trips, { fault: { at, fault: { kind: "status", status } }, http1Only: status === 999 })];
  }),

  // HTTP trouble.
  family("cloudflare-403", 15, (d) => [failure(mastodon(d, "cloudflare-403"), "HTTP4XX", "403", "nodeinfo", 3, { fault: { at: "all", fault: { kind: "status", status: 403, html: true } } })]),
  family("rate-limited", 4, (d) => [probeFault(d, "rate-limited", { kind: "status", status: 429, retryAfter: 3600 }, "HTTP4XX", "429")]),
  family("not-found", 10, (d) => [probeFault(d, "not-found", { kind: "status", status: 404, html: true }, "HTTP4XX", "404")]),
  family("server-error", 25, (d) => {
    const status = d.rng.pick([500, 502, 503, 504]);
    return [probeFault(d, "server-error", { kind: "status", status, html: true }, "HTTP5XX", String(status))];
  }),
  family("redirect-loop", 3, (d) => [probeFault(d, "redirect-loop", { kind: "redirect-loop" }, "HTTP3XX", "REDIRECT")]),
  family("redirect-chain", 3, (d) => [probeFault(d, "redirect-chain", { kind: "redirect-chain", hops: 5 }, "HTTP3XX", "REDIRECT")]),
  family("redirect-forbidden", 3, (d) => {
    const target = d.newName({ prefix: "internal" });
    return [
      probeFault(d, "redirect-forbidden", { kind: "redirect-forbidden", host: target.ascii }, "TCP", "SSRF"),
      // The redirect target exists only in DNS, at a forbidden address; it is not in domains.txt.
      unlisted({ ...failure(mastodon(d, "forbidden-target", target), "TCP", "SSRF", "robots_txt", 1), address: "forbidden" }),
    ];
  }),
  family("html-for-json", 6, (d) => [probeFault(d, "html-for-json", { kind: "html" }, "TYPE", "CONTENT_TYPE")]),
  family("empty-body", 3, (d) => [probeFault(d, "empty-body", { kind: "empty" }, "JSON", "EMPTY")]),
  family("invalid-json", 3, (d) => [probeFault(d, "invalid-json", { kind: "invalid" }, "JSON", "INVALID")]),
  family("truncated-json", 3, (d) => [documentFault(d, "truncated-json", { kind: "truncated" }, "JSON", "INVALID")]),
  family("no-links", 3, (d) => [failure({ ...mastodon(d, "no-links"), nodeinfo: "no-links" }, "JSON", "NO_LINKS", "nodeinfo", 3)]),
  family("oversized", 2, (d) => [documentFault(d, "oversized", { kind: "oversized", bytes: 20 * 1024 * 1024, declared: d.rng.chance(0.5) }, "SIZE", "TOO_LARGE")]),
  family("gzip-bomb", 2, (d) => [documentFault(d, "gzip-bomb", { kind: "gzip-bomb" }, "SIZE", "TOO_LARGE")]),
  family("slow-first-byte", 2, (d) => [probeFault(d, "slow-first-byte", { kind: "slow", ms: 120_000 }, "TCP", "TIMEOUT")]),
  family("drip", 2, (d) => [documentFault(d, "drip", { kind: "drip", everyMs: 200 }, "TCP", "TIMEOUT")]),
  family("reset", 3, (d) => [probeFault(d, "reset", { kind: "reset" }, "TCP", "RESET")]),

  // Transport and name resolution.
  family("tls-expired", 8, (d) => [failure(mastodon(d, "tls-expired"), "SSL", "CERT", "robots_txt", 1, { tls: "expired" })]),
  family("tls-wrong-host", 6, (d) => [failure(mastodon(d, "tls-wrong-host"), "SSL", "CERT", "robots_txt", 1, { tls: "wrong-host" })]),
  family("tls-untrusted", 6, (d) => [failure(mastodon(d, "tls-untrusted"), "SSL", "CERT", "robots_txt", 1, { tls: "untrusted" })]),
  family("tls-1.0", 2, (d) => [failure(mastodon(d, "tls-1.0"), "SSL", "CIPHER", "robots_txt", 1, { address: "tls10" })]),
  family("tls-stall", 2, (d) => [failure(mastodon(d, "tls-stall"), "TCP", "TIMEOUT", "robots_txt", 1, { tls: "stall" })]),
  family("refused", 25, (d) => [failure(mastodon(d, "refused"), "TCP", "REFUSED", "robots_txt", 1, { address: "refused" })]),
  family("dns-nxdomain", 60, (d) => [failure(mastodon(d, "dns-nxdomain"), "DNS", "NXDOMAIN", "robots_txt", 1, { dns: "nxdomain" })]),
  family("dns-servfail", 8, (d) => [failure(mastodon(d, "dns-servfail"), "DNS", "SERVFAIL", "robots_txt", 1, { dns: "servfail" })]),
  family("dns-timeout", 2, (d) => [failure(mastodon(d, "dns-timeout"), "DNS", "TIMEOUT", "robots_txt", 1, { dns: "timeout" })]),
  family("dns-forbidden", 3, (d) => [failure(mastodon(d, "dns-forbidden"), "TCP", "SSRF", "robots_txt", 1, { address: "forbidden" })]),
];

/** Domains sharing one slow host in the hostile-slow-shared-host family. */
export const SLOW_SHARED_HOST_DOMAINS = 12;

/**
 * Servers out to hurt a crawler (issue: no server can stop, slow or poison a run): each answer is
 * built to freeze a parser, exhaust memory, jam a store or tie up the per-host slots, and each has
 * the truth a crawler that survives it records. Drawn only when a scenario asks for a hostile
 * share (ScenarioOptions.hostile) or names them.
 */
export const HOSTILE_FAMILIES: readonly Family[] = [
  family("hostile-robots-wildcards", 1, (d) => [{ ...mastodon(d, "hostile-robots-wildcards"), fault: { at: "robots_txt", fault: { kind: "hostile", body: "robots-wildcards" } } }]),
  // Past the 512 KiB read: the Disallow at the end is never seen, the server is crawled.
  family("hostile-robots-oversized-allow", 1, (d) => [{ ...mastodon(d, "hostile-robots-oversized-allow"), fault: { at: "robots_txt", fault: { kind: "hostile", body: "robots-oversized-allow" } } }]),
  // Over 512 KiB is no reason to give up: the rules at the top still opt the server out.
  family("hostile-robots-oversized-deny", 1, (d) => {
    const [denied] = robotsDenied(d, "hostile-robots-oversized-deny", "");
    return [{ ...denied!, fault: { at: "robots_txt", fault: { kind: "hostile", body: "robots-oversized-deny" } } }];
  }),
  // NodeInfo missing, host-meta a flood of unclosed elements: no backend, the held-back 404 stands.
  family("hostile-host-meta-flood", 1, (d) =>
    [failure({ ...mastodon(d, "hostile-host-meta-flood"), nodeinfo: "absent" }, "HTTP4XX", "404", "nodeinfo", 3, { fault: { at: "host_meta", fault: { kind: "hostile", body: "host-meta-flood" } } })],
  ),
  family("hostile-json-large-lenient", 1, (d) => [documentFault(d, "hostile-json-large-lenient", { kind: "hostile", body: "json-large-lenient" }, "JSON", "INVALID")]),
  family("hostile-json-huge-lenient", 1, (d) => [documentFault(d, "hostile-json-huge-lenient", { kind: "hostile", body: "json-huge-lenient" }, "SIZE", "TOO_LARGE")]),
  // NUL bytes in the answer and so in the parser's error message: stored without them.
  family("hostile-json-nul", 1, (d) => [failure(mastodon(d, "hostile-json-nul"), "JSON", "INVALID", "nodeinfo", 3, { fault: { at: "nodeinfo", fault: { kind: "hostile", body: "json-nul" } } })]),
  family("hostile-json-deep", 1, (d) => [failure(mastodon(d, "hostile-json-deep"), "JSON", "INVALID", "nodeinfo", 3, { fault: { at: "nodeinfo", fault: { kind: "hostile", body: "json-deep" } } })]),
  // A redirect past the longest URL a probe requests: refused, so robots.txt rules never meet a huge path.
  family("hostile-redirect-long", 1, (d) => [failure(mastodon(d, "hostile-redirect-long"), "HTTP3XX", "REDIRECT", "nodeinfo", 3, { fault: { at: "nodeinfo", fault: { kind: "hostile", body: "redirect-long" } } })]),
  family("hostile-version-megabyte", 1, (d) => [documentFault(d, "hostile-version-megabyte", { kind: "hostile", body: "version-megabyte" }, "JSON", "VERSION")]),
  // More monthly users than PostgreSQL's int holds: as implausible as a negative count.
  family("hostile-users-over-int", 1, (d) => [usersFault(d, "hostile-users-over-int", { total: 2 ** 31, activeMonth: 2 ** 31 })]),
  // Control characters in the version: cleaned, published, and the reported version stored without them.
  family("hostile-version-control", 1, (d) => [mastodon(d, "hostile-version-control", undefined, { version: ["4.5.6\u0000\u001b[2J", "4.5.6"] })].map((m) => ({ ...m, truth: { ...m.truth, full_version: "4.5.6[2J" } }))),
  // A NUL in another software's name: recorded by name, without it.
  family("hostile-software-nul", 1, (d) => {
    const m = mastodon(d, "hostile-software-nul");
    return [{ ...m, software: { name: "pleroma\u0000", version: "2.9.1" }, instanceV2: { status: 404 }, instanceV1: { status: 404 }, servesPeers: false, truth: { domain: m.truth.domain, kind: "other", software: "pleroma", round_trips: 3 } }];
  }),
  // A dozen domains whose NodeInfo links all point at one host that never answers: two at a time
  // reach it (the per-host limit), the rest wait for a turn, and every one of them ends within
  // its own deadline, its robots.txt check of that host timed out.
  // Weighted by domain, not by draw: one draw makes a dozen.
  family("hostile-slow-shared-host", 1 / SLOW_SHARED_HOST_DOMAINS, (d) => {
    const host = d.newName({ prefix: "slow-backend" });
    const backend = unlisted({ ...mastodon(d, "hostile-slow-shared-host-backend", host), servesPeers: false, fault: { at: "all", fault: { kind: "slow", ms: 120_000 } } });
    const fronts = Array.from({ length: SLOW_SHARED_HOST_DOMAINS }, () => {
      const front = failure(mastodon(d, "hostile-slow-shared-host"), "TCP", "TIMEOUT", "robots_txt", 4);
      return { ...front, nodeinfoHost: host.ascii };
    });
    return [backend, ...fronts];
  }),
];

/** The one server with a 1,000,000-entry peers list (added by the scenario, not drawn by weight). */
export function hugePeersServer(draw: Draw): Draft {
  return mastodon(draw, "mastodon-huge-peers");
}

// --- pairs and helpers --------------------------------------------------------------

function robotsDenied(draw: Draw, name: string, body: string, disallowed = ["/.well-known/nodeinfo", "/.well-known/host-meta", "/.well-known/webfinger", "/api/v2/instance", "/api/v1/instance", "/api/v1/instance/peers"]): Draft[] {
  const m = mastodon(draw, name);
  const d = failure(m, "ROBOT", "DISALLOWED", "robots_txt", 1, { robots: { status: 200, body } });
  return [{ ...d, truth: { ...d.truth, disallowed } }];
}

/**
 * `account.example` keeps its NodeInfo on `social.account.example`, found through host-meta or
 * webfinger; its instance API names the account domain, so crawling the backend host directly
 * finds an alias.
 */
function backendPair(draw: Draw, family: string, via: "hostMetaBackend" | "webfingerBackend"): Draft[] {
  const account = draw.newName();
  const backendName = draw.newName({ exact: `social.${account.name}` });
  const server = mastodon(draw, family, account);
  const backend: Draft = {
    ...server,
    ...backendName,
    family: `${family}-host`,
    latencyMs: draw.latency(),
    servesPeers: true,
    truth: { ...server.truth, domain: backendName.name, kind: "alias", canonical: account.name, round_trips: 4 },
  };
  const front: Draft = {
    ...server,
    nodeinfo: "absent",
    [via]: backendName.ascii,
    // robots, nodeinfo (404), host-meta + webfinger, then on the backend: robots, nodeinfo, document, instance API.
    truth: { ...server.truth, round_trips: 7 },
  };
  return [front, backend];
}

const UNLISTED = Symbol("unlisted");

/** A domain that exists in DNS and on the server but is not part of domains.txt or truth.jsonl. */
function unlisted(draft: Draft): Draft {
  return Object.assign(draft, { [UNLISTED]: true });
}

export function isUnlisted(draft: Draft): boolean {
  return UNLISTED in draft;
}
