/**
 * What a simulated domain answers to one request: pure, from its spec. The
 * HTTPS server (https.ts) carries the reply out, including the hostile ones
 * (drip, reset, HTTP/2 errors) that are not a plain status and body.
 */
import { gzipSync } from "node:zlib";
import type { Endpoint } from "../../src/core/outcome.ts";
import { hostileReply } from "./hostile.ts";
import type { DomainSpec, Fault } from "./spec.ts";

export type Headers = Readonly<Record<string, string>>;

export type Reply =
  | { readonly type: "body"; readonly status: number; readonly headers: Headers; readonly body: string | Buffer }
  /** A body made while it is sent, chunk by chunk, so a 20 MiB or 1,000,000-entry answer costs no memory. */
  | { readonly type: "stream"; readonly status: number; readonly headers: Headers; readonly chunks: () => Iterable<string> }
  | { readonly type: "drip"; readonly status: number; readonly headers: Headers; readonly everyMs: number }
  | { readonly type: "slow"; readonly ms: number; readonly then: Reply }
  | { readonly type: "reset"; readonly status: number; readonly headers: Headers; readonly partial: string }
  /** HTTP/2 only: a stream reset, or a GOAWAY for the whole connection. */
  | { readonly type: "h2-error"; readonly goaway: boolean };

export interface Request {
  /** Path and query, as sent. */
  readonly target: string;
  readonly method: string;
  readonly protocol: "h2" | "http/1.1";
}

const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };
const NODEINFO_REL = (v: string) => `http://nodeinfo.diaspora.software/ns/schema/${v}`;

export function endpointOf(path: string): Endpoint | undefined {
  switch (path) {
    case "/robots.txt":
      return "robots_txt";
    case "/.well-known/nodeinfo":
      return "nodeinfo";
    case "/.well-known/host-meta":
      return "host_meta";
    case "/.well-known/webfinger":
      return "webfinger";
    case "/nodeinfo/2.0":
    case "/nodeinfo/2.1":
    case "/nodeinfo/2.2":
      return "nodeinfo_document";
    case "/api/v2/instance":
      return "instance_api_v2";
    case "/api/v1/instance":
      return "instance_api_v1";
    case "/api/v1/instance/peers":
      return "peers";
    default:
      return undefined;
  }
}

export function respond(spec: DomainSpec, request: Request): Reply {
  const [path = "", query = ""] = request.target.split("?", 2);
  if (spec.files !== undefined) {
    const file = spec.files[request.target] ?? spec.files[path];
    if (file === undefined) return notFound();
    if (typeof file === "string") return { type: "body", status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: file };
    return { type: "body", status: file.status ?? 200, headers: { "content-type": "application/json", ...file.headers }, body: file.body };
  }
  const endpoint = endpointOf(path);
  const fault = spec.fault;
  // Half the domains get a stream reset, half a GOAWAY.
  if (fault?.fault.kind === "h2-error" && request.protocol === "h2") return { type: "h2-error", goaway: spec.ascii.length % 2 === 1 };
  if (endpoint !== undefined && fault !== undefined && (fault.at === "all" || fault.at === endpoint) && fault.fault.kind !== "h2-error") {
    return faulty(spec, fault.fault, path, query);
  }
  if (request.method !== "GET" && request.method !== "HEAD") return text(405, "Method Not Allowed");
  return normal(spec, endpoint, path);
}

function normal(spec: DomainSpec, endpoint: Endpoint | undefined, path: string): Reply {
  const self = spec.ascii;
  switch (endpoint) {
    case "robots_txt":
      return { type: "body", status: spec.robots.status, headers: { "content-type": spec.robots.status === 200 ? "text/plain; charset=utf-8" : "text/html" }, body: spec.robots.body };
    case "nodeinfo":
      return wellKnownNodeinfo(spec);
    case "nodeinfo_document":
      return nodeinfoDocument(spec, path.slice("/nodeinfo/".length));
    case "host_meta": {
      const host = spec.hostMetaBackend ?? self;
      return {
        type: "body",
        status: 200,
        headers: { "content-type": "application/xrd+xml; charset=utf-8" },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n  <Link rel="lrdd" template="https://${host}/.well-known/webfinger?resource={uri}"/>\n</XRD>\n`,
      };
    }
    case "webfinger":
      if (spec.webfingerBackend === undefined) return { type: "body", status: 404, headers: JSON_TYPE, body: "" };
      return json(200, {
        subject: `acct:${self}@${self}`,
        aliases: [`https://${spec.webfingerBackend}/@${self}`, `https://${spec.webfingerBackend}/users/${self}`],
        links: [{ rel: "self", type: "application/activity+json", href: `https://${spec.webfingerBackend}/users/${self}` }],
      });
    case "instance_api_v2": {
      const v2 = spec.instanceV2;
      if (v2 === undefined) return notFound();
      if ("status" in v2) return json(v2.status, { error: v2.status === 401 ? "This method requires an authenticated user" : "Record not found" });
      return json(200, { domain: v2.domain, title: `${self} social`, version: spec.software?.version ?? "", source_url: "https://github.com/mastodon/mastodon", usage: { users: { active_month: activeMonth(spec) } } });
    }
    case "instance_api_v1": {
      const v1 = spec.instanceV1;
      if (v1 === undefined) return notFound();
      if ("status" in v1) return json(v1.status, { error: v1.status === 401 ? "This method requires an authenticated user" : "Record not found" });
      return json(200, { uri: v1.uri, title: `${self} social`, version: spec.software?.version ?? "" });
    }
    case "peers":
      return peers(spec);
    default:
      return notFound();
  }
}

function wellKnownNodeinfo(spec: DomainSpec): Reply {
  const href = (v: string) => `https://${spec.nodeinfoHost ?? spec.ascii}/nodeinfo/${v}`;
  switch (spec.nodeinfo) {
    case "links":
      return json(200, { links: [{ rel: NODEINFO_REL("2.0"), href: href("2.0") }] });
    case "direct":
      return nodeinfoDocument(spec, "2.0");
    case "single-link":
      return json(200, { links: { rel: NODEINFO_REL("2.0"), href: href("2.0") } });
    case "multi":
      // The best version is not first: a crawler that takes the first link reads stale numbers.
      return json(200, { links: ["2.0", "2.2", "2.1"].map((v) => ({ rel: NODEINFO_REL(v), href: href(v) })) });
    case "matrix":
      return json(200, { "m.server": `${spec.ascii}:443` });
    case "no-links":
      return json(200, { links: [] });
    case "absent":
      return notFound();
  }
}

function nodeinfoDocument(spec: DomainSpec, schema: string): Reply {
  if (!["2.0", "2.1", "2.2"].includes(schema) || spec.nodeinfo === "absent") return notFound();
  const stale = spec.nodeinfo === "multi" && schema !== "2.2";
  const users = spec.usage?.users;
  const usage = spec.usage === null ? undefined : { users: stale && users ? staleUsers(users) : users, localPosts: 4242 };
  const document = {
    version: schema,
    software: spec.software ? { name: spec.software.name, version: stale ? "4.0.0" : spec.software.version } : undefined,
    protocols: ["activitypub"],
    services: { outbound: [], inbound: [] },
    usage,
    openRegistrations: false,
    metadata: { nodeName: `${spec.ascii} social` },
  };
  const headers = { "content-type": `application/json; profile="${NODEINFO_REL(schema)}#"` };
  if (!spec.lenientJson) return { type: "body", status: 200, headers, body: JSON.stringify(document) };
  // A byte order mark and trailing commas: invalid JSON that real servers send and a lenient reader accepts.
  const body = `\uFEFF${JSON.stringify(document).replace(/\]/g, ",]").replace(/\}$/, ",}")}`;
  return { type: "body", status: 200, headers, body };
}

function staleUsers(users: Record<string, unknown>): Record<string, unknown> {
  const total = Number(users.total ?? 0);
  return { ...users, activeMonth: Math.floor(total / 3) + 1, total: total + 1 };
}

function activeMonth(spec: DomainSpec): unknown {
  return spec.usage?.users?.activeMonth ?? 0;
}

function peers(spec: DomainSpec): Reply {
  const served = spec.peers;
  if (served === undefined) return notFound();
  if ("list" in served) return json(200, served.list);
  const count = served.generated;
  return {
    type: "stream",
    status: 200,
    headers: JSON_TYPE,
    *chunks() {
      yield "[";
      for (let start = 0; start < count; start += 4096) {
        const end = Math.min(count, start + 4096);
        const names: string[] = [];
        for (let i = start; i < end; i++) names.push(`"${generatedPeer(i)}"`);
        yield (start === 0 ? "" : ",") + names.join(",");
      }
      yield "]";
    },
  };
}

/** The i-th name of the generated peers list: unique, valid, and not in any scenario. */
export function generatedPeer(i: number): string {
  return `peer-${i.toString(36)}.social`;
}

function faulty(spec: DomainSpec, fault: Fault, path: string, query: string): Reply {
  switch (fault.kind) {
    case "status": {
      const headers: Record<string, string> = { "content-type": fault.html ? "text/html; charset=utf-8" : "application/json" };
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      if (fault.html && fault.status === 403) headers.server = "cloudflare";
      const body = fault.html ? `<!DOCTYPE html><html><head><title>Error ${fault.status}</title></head><body><h1>Sorry, you have been blocked</h1></body></html>` : JSON.stringify({ error: `status ${fault.status}` });
      return { type: "body", status: fault.status, headers, body };
    }
    case "html":
      return { type: "body", status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: "<!DOCTYPE html><html><body><div id='app'></div></body></html>" };
    case "empty":
      return { type: "body", status: 200, headers: JSON_TYPE, body: "" };
    case "invalid":
      return { type: "body", status: 200, headers: JSON_TYPE, body: "<<this is not json>> {" };
    case "truncated": {
      const whole = normal(spec, "nodeinfo_document", path);
      const body = whole.type === "body" ? String(whole.body) : "{";
      return { type: "body", status: 200, headers: JSON_TYPE, body: body.slice(0, Math.floor(body.length / 2)) };
    }
    case "redirect-loop":
      return redirect(path);
    case "redirect-chain": {
      const hop = Number(/(?:^|&)hop=(\d+)/.exec(query)?.[1] ?? "0");
      if (hop >= fault.hops) return normal(spec, endpointOf(path), path);
      return redirect(`${path}?hop=${hop + 1}`);
    }
    case "redirect-forbidden":
      return redirect(`https://${fault.host}${path}`);
    case "oversized": {
      const filler = "x".repeat(65_536);
      const chunks = Math.ceil(fault.bytes / filler.length);
      return {
        type: "stream",
        status: 200,
        headers: { ...JSON_TYPE, ...(fault.declared ? { "content-length": String(chunks * filler.length + 2) } : {}) },
        *chunks() {
          yield '["';
          for (let i = 0; i < chunks; i++) yield filler;
        },
      };
    }
    case "gzip-bomb":
      return { type: "body", status: 200, headers: { ...JSON_TYPE, "content-encoding": "gzip" }, body: gzipBomb() };
    case "slow":
      return { type: "slow", ms: fault.ms, then: normal(spec, endpointOf(path), path) };
    case "drip":
      return { type: "drip", status: 200, headers: JSON_TYPE, everyMs: fault.everyMs };
    case "reset":
      return { type: "reset", status: 200, headers: JSON_TYPE, partial: '{"links":[{"rel":"http://nodeinfo.diaspora' };
    case "h2-error":
      return normal(spec, endpointOf(path), path);
    case "hostile":
      return hostileReply(fault.body, () => {
        const whole = nodeinfoDocument(spec, "2.0");
        return whole.type === "body" ? String(whole.body) : "{}";
      });
  }
}

let bomb: Buffer | undefined;

/** 64 MiB of zeros in about 64 KiB: far past the 10 MiB default limit once decoded. Made once. */
/**
 * 64 MiB of zeros as 64 gzip members of 1 MiB each (a gzip reader decodes them one after another):
 * the same bomb as one member, without the simulator holding the 64 MiB it stands for, which
 * would show in the memory of a test that runs it in-process.
 */
function gzipBomb(): Buffer {
  if (bomb === undefined) {
    const member = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    bomb = Buffer.concat(Array.from({ length: 64 }, () => member));
  }
  return bomb;
}

const json = (status: number, value: unknown): Reply => ({ type: "body", status, headers: JSON_TYPE, body: JSON.stringify(value) });
const text = (status: number, body: string): Reply => ({ type: "body", status, headers: { "content-type": "text/plain" }, body });
const notFound = (): Reply => json(404, { error: "Not Found" });
const redirect = (location: string): Reply => ({ type: "body", status: 301, headers: { location, "content-type": "text/html" }, body: "" });
