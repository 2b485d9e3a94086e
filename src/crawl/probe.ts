/**
 * Everything that happens to one domain, from robots.txt to a typed outcome
 * (seed "crawl flow", DESIGN §6), with no storage involved:
 *
 *   robots.txt → NodeInfo probe (its error held back)
 *     → on failure: host-meta and webfinger together (host-meta preferred) → NodeInfo on the backend
 *     → NodeInfo document → Matrix / other software / Mastodon-compatible
 *     → users and version validated → instance API v2, else v1 → canonical domain, alias or not.
 *
 * robots.txt is fetched first for every host asked anything, and every path
 * (each redirect hop too) is checked against it. A hard-fail status (410,
 * 418, 451, 999) anywhere ends the probe at once.
 */
import { deadline } from "../net/deadline.ts";
import { type Attempt, type FetchResult, type HttpClient, MAX_URL_LENGTH } from "../net/http.ts";
import type { DomainName } from "../net/domain.ts";
import { isAllowed, type RobotsRule } from "../net/robots.ts";
import { fetchRobotsRules } from "./robots-rules.ts";
import { cleanVersion, type VersionContext } from "../versions/clean.ts";
import { backendFromHostMeta, backendFromWebfinger, hostOf } from "./discovery.ts";
import { parseLenientJson } from "./json.ts";
import { isObject, readSoftware, readUsers, readWellKnown } from "./nodeinfo.ts";
import { type Endpoint, type ErrorClass, type Failure, HARD_FAIL_STATUSES, httpClass, isOptOut, MASTODON_COMPATIBLE, type OutcomeKind, type ProbeOutcome, type ProbeRequest } from "../core/outcome.ts";

export interface ProbeDeps {
  /** With `scoped`, the probe's connections are closed when it ends. */
  readonly http: Pick<HttpClient, "fetch"> & Partial<Pick<HttpClient, "scoped">>;
  readonly versions: VersionContext;
  /** Everything about the domain must be done by then. */
  readonly deadlineMs: number;
  /** The product token robots.txt groups are matched against. */
  readonly robotsToken: string;
  /** Stops the probe early (a crawl run being interrupted). */
  readonly signal?: AbortSignal;
}

/** How a step ends early: an error outcome, or Matrix (which has no document to read). */
interface ErrorStop extends Failure {
  readonly stop: "error";
  readonly endpoint: Endpoint;
  /** A hard-fail status: ends the probe even where other failures are held back. */
  readonly hard?: boolean;
}
type Stop = ErrorStop | { readonly stop: "matrix" };

/**
 * NodeInfo, host-meta, webfinger and the instance API answer in a few KiB; a mebibyte leaves room
 * for the largest real ones while keeping a hostile one from costing the memory of a peer list.
 */
export const SMALL_ANSWER_BYTES = 1024 * 1024;


export async function probe(domain: DomainName, deps: ProbeDeps): Promise<ProbeOutcome> {
  const limit = deadline(deps.deadlineMs, deps.signal);
  const http = deps.http.scoped?.() ?? deps.http;
  const run = new ProbeRun(domain, { ...deps, http }, limit.signal);
  const started = performance.now();
  const result = await run
    .pipeline()
    .catch((err: unknown) => run.fail("TCP", "OTHER", "nodeinfo", `probe failed unexpectedly: ${(err as Error).message}`))
    .finally(() => {
      limit.dispose();
      if ("close" in http) void http.close();
    });
  // Field order is the order people read `probe --json` in: who, what, then the evidence.
  const tail = { ms: Math.round(performance.now() - started), requests: run.requests };
  const domainName = domain.name;
  if ("stop" in result) {
    if (result.stop === "matrix") return { domain: domainName, kind: "matrix", software: "matrix", ...tail };
    return { domain: domainName, kind: "error", error_class: result.errorClass, cause: result.cause, endpoint: result.endpoint, reason: result.reason, ...tail };
  }
  return { domain: domainName, ...result, ...tail } as ProbeOutcome;
}

type Found =
  | { readonly kind: "other"; readonly software: string }
  | { readonly kind: "mastodon" | "alias"; readonly software: string; readonly version: string; readonly full_version: string; readonly mau: number; readonly total_users: number; readonly canonical: string };

class ProbeRun {
  readonly requests: ProbeRequest[] = [];
  private readonly domain: DomainName;
  private readonly deps: ProbeDeps;
  private readonly robots = new Map<string, Promise<readonly RobotsRule[] | ErrorStop>>();
  /** Failures that came from a robots.txt (ours or a redirect target's): recorded against robots_txt. */
  private readonly robotsFailures = new WeakSet<Failure>();
  private readonly deadline: AbortSignal;

  constructor(domain: DomainName, deps: ProbeDeps, deadline: AbortSignal) {
    this.domain = domain;
    this.deps = deps;
    this.deadline = deadline;
  }

  fail(errorClass: ErrorClass, cause: string, endpoint: Endpoint, reason: string): ErrorStop {
    return { stop: "error", errorClass, cause, endpoint, reason, hard: errorClass === "HARD" };
  }

  async pipeline(): Promise<Found | Stop> {
    const self = this.domain.ascii;
    const robots = await this.robotsFor(self);
    if ("stop" in robots) return robots;

    // 1. NodeInfo on the domain itself; a failure is held back while we look for a backend.
    const probed = await this.wellKnown(self);
    if ("stop" in probed && (probed.stop === "matrix" || isOptOut(probed.errorClass))) return probed;
    let document: Record<string, unknown>;
    let server = self;
    if ("document" in probed) document = probed.document;
    else if ("href" in probed) {
      const read = await this.document(probed.href);
      if ("stop" in read) return read;
      ({ document, server } = read);
    } else {
      // 2. host-meta and webfinger together; host-meta's answer wins when both have one.
      const backend = await this.discoverBackend();
      if (typeof backend !== "string") return backend ?? probed;
      const again = await this.wellKnown(backend);
      if ("stop" in again) return again;
      server = backend;
      if ("document" in again) document = again.document;
      else {
        const read = await this.document(again.href);
        if ("stop" in read) return read;
        ({ document, server } = read);
      }
    }
    return this.classify(document, server);
  }

  // --- steps ----------------------------------------------------------------------

  /** /.well-known/nodeinfo on `host`: the document itself, a link to it, Matrix, or why not. */
  private async wellKnown(host: string): Promise<{ document: Record<string, unknown> } | { href: string } | Stop> {
    const answer = await this.getJson("nodeinfo", `https://${host}/.well-known/nodeinfo`);
    if ("stop" in answer) return answer;
    const known = readWellKnown(answer.value);
    switch (known.kind) {
      case "matrix":
        return { stop: "matrix" };
      case "document":
        return { document: known.document };
      case "link":
        return { href: known.href };
      case "unusable":
        return this.fail("JSON", known.cause, "nodeinfo", known.reason);
    }
  }

  /** The NodeInfo document at `href`; its host is the server whose instance API we ask. */
  private async document(href: string): Promise<{ document: Record<string, unknown>; server: string } | Stop> {
    const url = documentUrl(href);
    if (url === undefined) return this.fail("JSON", "NO_LINKS", "nodeinfo", `the NodeInfo link is not a usable https URL: ${href.slice(0, 120)}`);
    const answer = await this.getJson("nodeinfo_document", url);
    if ("stop" in answer) return answer;
    if (!isObject(answer.value)) return this.fail("JSON", "INVALID", "nodeinfo_document", "the NodeInfo document is not a JSON object");
    return { document: answer.value, server: new URL(url).hostname };
  }

  private async discoverBackend(): Promise<string | ErrorStop | undefined> {
    const self = this.domain.ascii;
    const [hostMeta, webfinger] = await Promise.all([
      this.get("host_meta", `https://${self}/.well-known/host-meta`, "application/xrd+xml, application/xml;q=0.9, */*;q=0.1"),
      this.get("webfinger", `https://${self}/.well-known/webfinger?resource=acct:${self}@${self}`, "application/jrd+json, application/json;q=0.9"),
    ]);
    // Discovery is best effort, but an opt-out status on either is still an opt-out.
    for (const r of [hostMeta, webfinger]) if ("stop" in r && r.hard === true) return r;
    const fromHostMeta = "status" in hostMeta && hostMeta.status === 200 ? backendFromHostMeta(hostMeta.body.toString("utf8"), self) : undefined;
    const fromWebfinger = "status" in webfinger && webfinger.status === 200 ? backendFromWebfinger(webfinger.body, self) : undefined;
    return fromHostMeta ?? fromWebfinger;
  }

  private async classify(document: Record<string, unknown>, server: string): Promise<Found | Stop> {
    const software = readSoftware(document);
    if (!(MASTODON_COMPATIBLE as readonly string[]).includes(software.name)) return { kind: "other", software: software.name };
    const users = readUsers(document);
    if (!users.ok) return this.fail("JSON", users.cause, "nodeinfo_document", users.reason);
    if (software.version === undefined) return this.fail("JSON", "VERSION", "nodeinfo_document", "NodeInfo reports no software version");
    const cleaned = cleanVersion(software.version, this.deps.versions);
    if (!cleaned.ok) return this.fail("JSON", "VERSION", "nodeinfo_document", cleaned.reason);
    const canonical = await this.canonicalDomain(server);
    if (typeof canonical !== "string") return canonical;
    const alias = canonical !== this.domain.ascii;
    return {
      kind: alias ? "alias" : "mastodon",
      software: software.name,
      version: cleaned.version,
      full_version: software.version,
      mau: users.activeMonth,
      total_users: users.total,
      canonical: alias ? canonical : this.domain.name,
    };
  }

  /** The domain the server calls itself: /api/v2/instance `domain`, else /api/v1/instance `uri`. */
  private async canonicalDomain(server: string): Promise<string | Stop> {
    const v2 = await this.getJson("instance_api_v2", `https://${server}/api/v2/instance`);
    if ("stop" in v2 && isOptOut(v2.errorClass)) return v2;
    if ("value" in v2 && isObject(v2.value) && typeof v2.value.domain === "string") {
      const host = hostOf(`https://${v2.value.domain.trim().toLowerCase()}`);
      if (host !== undefined) return host;
    }
    const v1 = await this.getJson("instance_api_v1", `https://${server}/api/v1/instance`);
    if ("stop" in v1) {
      if (v1.errorClass === "HTTP4XX" && v1.cause === "401") return this.fail("API", "AUTH", "instance_api_v1", "the instance API requires authentication");
      if (isOptOut(v1.errorClass) || ["DNS", "SSL", "TCP", "SIZE"].includes(v1.errorClass)) return v1;
      return this.fail("API", "NO_DOMAIN", "instance_api_v1", `no instance API answer with the server's domain (${v1.reason})`);
    }
    if (isObject(v1.value) && typeof v1.value.uri === "string") {
      const uri = v1.value.uri.trim().toLowerCase();
      const host = hostOf(uri.includes("://") ? uri : `https://${uri}`);
      if (host !== undefined) return host;
    }
    return this.fail("API", "NO_DOMAIN", "instance_api_v1", "the instance API does not name the server's domain");
  }

  // --- requests ------------------------------------------------------------------------

  /** A GET that must answer 200 with JSON; any other answer is the failure it amounts to. */
  private async getJson(endpoint: Endpoint, url: string): Promise<{ value: unknown } | ErrorStop> {
    const answer = await this.get(endpoint, url);
    if ("stop" in answer) return answer;
    if (answer.status !== 200) return this.statusFailure(endpoint, answer.status, url);
    const type = answer.headers["content-type"];
    if (type === undefined || !/json/i.test(type)) {
      return this.fail("TYPE", "CONTENT_TYPE", endpoint, `${pathOf(url)} answered ${type === undefined ? "without a Content-Type" : type.split(";")[0]!.trim().slice(0, 60)}, not JSON`);
    }
    const parsed = parseLenientJson(answer.body);
    if (!parsed.ok) return this.fail("JSON", parsed.cause, endpoint, `${pathOf(url)}: ${parsed.reason}`);
    return { value: parsed.value };
  }

  private statusFailure(endpoint: Endpoint, status: number, url: string): ErrorStop {
    return this.fail(httpClass(status), String(status), endpoint, `HTTP ${status} on ${pathOf(url)}`);
  }

  /**
   * Any GET: robots.txt of the host first (and of every redirect hop's host), then the request.
   * A hard-fail status is turned into a stop here, whatever the endpoint.
   */
  private async get(endpoint: Endpoint, url: string, accept?: string): Promise<Extract<FetchResult, { ok: true }> | ErrorStop> {
    const result = await this.deps.http.fetch(url, {
      signal: this.deadline,
      endpointBytes: SMALL_ANSWER_BYTES,
      maxUrlLength: MAX_URL_LENGTH,
      ...(accept === undefined ? {} : { accept }),
      beforeRequest: (hop) => this.allowedByRobots(hop),
    });
    for (const attempt of result.attempts) this.requests.push({ endpoint, ...attempt });
    if (!result.ok) return this.fromFailure(endpoint, result.failure);
    if ((HARD_FAIL_STATUSES as readonly number[]).includes(result.status)) return this.statusFailure(endpoint, result.status, url);
    return result;
  }

  private fromFailure(endpoint: Endpoint, failure: Failure): ErrorStop {
    // A robots.txt refusal, or a robots.txt that could not be read, is recorded against the file that stopped us.
    const where = this.robotsFailures.has(failure) ? "robots_txt" : endpoint;
    return this.fail(failure.errorClass, failure.cause, where, failure.reason);
  }

  private async allowedByRobots(url: URL): Promise<Failure | undefined> {
    if (url.pathname === "/robots.txt") return undefined;
    const rules = await this.robotsFor(url.hostname);
    let failure: Failure | undefined;
    if ("stop" in rules) {
      failure = { errorClass: rules.errorClass, cause: rules.cause, reason: rules.reason };
    } else if (!isAllowed(rules, `${url.pathname}${url.search}`)) {
      failure = { errorClass: "ROBOT", cause: "DISALLOWED", reason: `robots.txt of ${url.hostname} disallows ${url.pathname}` };
    }
    if (failure !== undefined) this.robotsFailures.add(failure);
    return failure;
  }

  /** The rules of `host` for us, fetched once per probe. A robots.txt that cannot be read now stops the probe. */
  private robotsFor(host: string): Promise<readonly RobotsRule[] | ErrorStop> {
    let pending = this.robots.get(host);
    if (pending === undefined) {
      pending = this.fetchRobots(host);
      this.robots.set(host, pending);
    }
    return pending;
  }

  private async fetchRobots(host: string): Promise<readonly RobotsRule[] | ErrorStop> {
    const answer = await fetchRobotsRules(this.deps.http, host, {
      signal: this.deadline,
      token: this.deps.robotsToken,
      onAttempts: (attempts) => {
        for (const attempt of attempts) this.requests.push({ endpoint: "robots_txt", ...attempt });
      },
    });
    if (!answer.ok) return this.fail(answer.failure.errorClass, answer.failure.cause, "robots_txt", answer.failure.reason);
    return answer.rules;
  }
}

/** A NodeInfo href as an https URL: http upgraded, doubled slashes collapsed; anything else (or longer than we request) refused. */
function documentUrl(href: string): string | undefined {
  if (href.length > MAX_URL_LENGTH) return undefined;
  try {
    const url = new URL(href);
    if (url.protocol === "http:") {
      url.protocol = "https:";
      if (url.port === "443" || url.port === "80") url.port = "";
    }
    if (url.protocol !== "https:") return undefined;
    url.pathname = url.pathname.replace(/\/{2,}/g, "/");
    return url.href;
  } catch {
    return undefined;
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

export type { OutcomeKind, ProbeOutcome, ProbeRequest };
