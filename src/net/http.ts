/**
 * The crawler's HTTPS client, on undici. Every request:
 *  - resolves names through our resolver and connects only to addresses the
 *    SSRF guard allows (every hop: redirects are followed here, one by one);
 *  - speaks HTTP/2 where offered, and retries once over HTTP/1.1 when an
 *    HTTP/2 connection breaks (then keeps HTTP/1.1 for that origin);
 *  - requires TLS 1.2 or newer with certificate verification;
 *  - has one deadline for connect, headers and body together, and also stops
 *    at the caller's (the domain's) deadline;
 *  - reads the body as a stream, decoding gzip/deflate/brotli, and stops past
 *    the byte limit counted on decoded bytes (a gzip bomb is SIZE);
 *  - waits for a per-host slot.
 * It never throws for a failed request: the result says what happened.
 */
import { isIP, isIPv6, type Socket } from "node:net";
import { pipeline } from "node:stream/promises";
import { createSecureContext, rootCertificates, type SecureContext, TLSSocket } from "node:tls";
import { brotliDecompressSync, createBrotliDecompress, createGunzip, createInflate, gunzipSync, inflateSync } from "node:zlib";
import { Agent, buildConnector, type Dispatcher } from "undici";
import type { NameResolver } from "./dns.ts";
import { type Deadline, deadline } from "./deadline.ts";
import { classifyError, type Failure, NetError } from "./failure.ts";
import { type HostLimit, PerHostLimit } from "./limit.ts";
import { checkNameOnLeaf } from "./server-name.ts";

export interface HttpClientOptions {
  readonly userAgent: string;
  /** One request, connect to last body byte. */
  readonly timeoutMs: number;
  readonly maxRedirects: number;
  readonly maxResponseBytes: number;
  /** Port for https URLs that name none (443 except against a simulator). */
  readonly httpsPort: number;
  /** Extra trusted CA certificates (PEM), added to the system's. */
  readonly extraCa?: string;
  readonly maxPerHost: number;
  /** Where per-host slots are counted. @default a PerHostLimit of maxPerHost for this client alone */
  readonly hostLimit?: HostLimit;
  /** Why an address must not be connected to, or undefined to allow it. */
  readonly guard: (address: string) => string | undefined;
  readonly resolver: NameResolver;
}

export type Protocol = "h2" | "http/1.1";

/** One request on the wire, for instrumentation and `vmcrawl probe`. */
export interface Attempt {
  readonly url: string;
  readonly protocol?: Protocol;
  readonly status?: number;
  readonly ms: number;
  /** Why it failed, when it did. */
  readonly error?: string;
}

export type FetchResult =
  | { readonly ok: true; readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: Buffer; readonly url: URL; readonly attempts: readonly Attempt[] }
  | { readonly ok: false; readonly failure: Failure; readonly attempts: readonly Attempt[] };

export interface FetchOptions {
  /** The domain's deadline. */
  readonly signal?: AbortSignal;
  readonly accept?: string;
  /** Redirects to follow. @default the client's maxRedirects */
  readonly maxRedirects?: number;
  /** Checked before every request, redirects included (robots.txt); a failure stops there. */
  readonly beforeRequest?: (url: URL) => Promise<Failure | undefined>;
  /** This request's limit on decoded body bytes. @default the client's maxResponseBytes */
  readonly maxBytes?: number;
  /** A smaller limit fitting the endpoint's answers: the lower of it and maxBytes applies. */
  readonly endpointBytes?: number;
  /** Past the limit, keep the bytes up to it and stop reading (robots.txt) instead of failing with SIZE. */
  readonly truncate?: boolean;
  /** A redirect to a longer URL is refused (HTTP3XX REDIRECT). @default no limit */
  readonly maxUrlLength?: number;
  /** This request's time limit, connect to last byte. @default the client's timeoutMs */
  readonly timeoutMs?: number;
  /**
   * Chooses, from the final response's status and headers, a sink that takes its decoded body
   * chunk by chunk instead of collecting it (`body` is then empty), so a large answer is read in
   * constant memory; undefined collects the body as usual. A sink throwing BodyRejected stops
   * the request with that failure.
   */
  readonly sink?: (response: { readonly status: number; readonly headers: Readonly<Record<string, string>> }) => ((chunk: Buffer) => void) | undefined;
  /** An Authorization header for one host only: a redirect to another host never carries it. Never logged. */
  readonly authorization?: { readonly host: string; readonly value: string };
}

/** Thrown by a sink that refuses the body it is given (the request fails with `failure`). */
export class BodyRejected extends Error {
  readonly failure: Failure;

  constructor(failure: Failure) {
    super(failure.reason);
    this.name = "BodyRejected";
    this.failure = failure;
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/**
 * The longest URL a probe requests: a redirect (or a NodeInfo link) to a longer one is refused, so
 * every path that robots.txt rules are matched against has a bound.
 */
export const MAX_URL_LENGTH = 2048;
/** The TLS every connection offers (bench/floor.ts measures the same handshake). */
export const CLIENT_TLS = {
  minVersion: "TLSv1.2",
  // Classic curves only: some servers fail on the post-quantum hybrid key share Node now offers first.
  ecdhCurve: "X25519:prime256v1:secp384r1",
} as const;

interface AgentPair {
  h2(): Agent;
  h1(): Agent;
  /** Waits for requests in flight, then closes the connections. */
  close(): Promise<void>;
  /** Closes the connections at once: for a scope whose requests have all been awaited. */
  end(): Promise<void>;
}
/**
 * The error a scope's connections are torn down with. Made once: without one, undici builds a
 * ClientDestroyedError, stack and all, for each agent, pool and client it tears down, three per
 * domain, which measured 2% of the crawl's CPU. Nothing is waiting for it to be thrown.
 */
const SCOPE_ENDED = new NetError("VMCRAWL_SCOPE_ENDED", "the domain's crawl is over");
/**
 * Content decoders. A collected body is decoded in one synchronous call once it has arrived: a
 * typical gzipped JSON answer takes ~16 µs that way, with no thread-pool round trip and no
 * per-response output buffer, and a gzip bomb stops at the limit (`maxOutputLength`) after
 * ~20 ms for the default 10 MiB. A streaming decoder (one thread-pool round trip per output chunk,
 * each waiting on a busy event loop) with 1 MiB chunks cost 55 MiB of peak RSS at 256 domains at
 * a time once the simulator gzipped like nginx; it is kept for sinks, which take large answers in
 * constant memory.
 */
const MIB = 1024 * 1024;
/**
 * undici's header and body timers, off: each request's own deadline (`deadline`, which covers the
 * whole request, body included) is the only time limit. Over HTTP/2 undici sets them as Node stream
 * timeouts, which keep a finished stream, its buffers and handlers reachable until they fire: with
 * them a second behind the deadline, about 2,800 finished streams at 256 domains at a time, 12-15
 * MiB of peak RSS and more GC (heap snapshot and bench/crawl.ts, 256 at a time).
 */
const UNDICI_TIMERS_OFF = { headersTimeout: 0, bodyTimeout: 0 } as const;
interface Decoder {
  readonly whole: (compressed: Buffer, options: { maxOutputLength: number; chunkSize: number }) => Buffer;
  readonly stream: () => NodeJS.ReadWriteStream;
}
const STREAM_CHUNK = { chunkSize: 64 * 1024 };
const GZIP: Decoder = { whole: gunzipSync, stream: () => createGunzip(STREAM_CHUNK) };
const DECODERS: Record<string, Decoder> = {
  gzip: GZIP,
  "x-gzip": GZIP,
  deflate: { whole: inflateSync, stream: () => createInflate(STREAM_CHUNK) },
  br: { whole: brotliDecompressSync, stream: () => createBrotliDecompress(STREAM_CHUNK) },
};

export class HttpClient {
  private readonly options: HttpClientOptions;
  private readonly shared: AgentPair;
  private readonly limit: HostLimit;
  /** ALPN result per origin, for instrumentation; bounded. */
  private readonly negotiated = new Map<string, Protocol>();
  /** Origins whose HTTP/2 broke: HTTP/1.1 from then on; bounded. */
  private readonly http1Origins = new Set<string>();
  private readonly secureContext: SecureContext;
  private readonly agentOptions: Agent.Options;

  constructor(options: HttpClientOptions) {
    this.options = options;
    this.secureContext = createSecureContext({ ...CLIENT_TLS, ...(options.extraCa ? { ca: [...rootCertificates, options.extraCa] } : {}) });
    this.limit = options.hostLimit ?? new PerHostLimit(options.maxPerHost);
    this.agentOptions = {
      ...UNDICI_TIMERS_OFF,
      keepAliveTimeout: 2_000,
      keepAliveMaxTimeout: 10_000,
      maxHeaderSize: 64 * 1024,
      // Large windows: a big body needs a WINDOW_UPDATE round trip per window, each waiting on a
      // busy event loop (measured at 256 domains at a time: 20 MiB streamed past the 5 s timeout
      // with undici's 256 KiB, under 4 s with 2 MiB). Bodies are read as they come, so the window
      // is permission, not memory held.
      // undici 8 types the stream window as settings.initialWindowSize but reads initialWindowSize.
      h2Options: { connectionWindowSize: 4 * MIB, settings: { initialWindowSize: 2 * MIB }, ...{ initialWindowSize: 2 * MIB } },
    };
    this.shared = this.agents();
  }

  /**
   * A client whose connections live only as long as one domain's crawl: `close()` ends them at
   * once instead of leaving them idle until keep-alive runs out (measured: 340 → 270 MiB peak at
   * 256 domains at a time). Everything else (limits, resolver, protocol memory) is shared.
   */
  scoped(): { fetch: HttpClient["fetch"]; close(): Promise<void> } {
    // One connection per origin: a probe's requests to a host are few and mostly one after another.
    // undici then builds a Client per origin instead of a Pool, whose queue alone is a 16 KiB array:
    // 7% of all the crawl allocated at 256 domains at a time, most of it kept through a few young
    // collections (sampling heap profile of bench/crawl.ts).
    const agents = this.agents(1);
    return { fetch: (input, options = {}) => this.fetchWith(agents, input, options), close: () => agents.end() };
  }

  fetch(input: URL | string, options: FetchOptions = {}): Promise<FetchResult> {
    return this.fetchWith(this.shared, input, options);
  }

  private async fetchWith(agents: AgentPair, input: URL | string, options: FetchOptions): Promise<FetchResult> {
    const attempts: Attempt[] = [];
    let url = this.withPort(new URL(input));
    const maxRedirects = options.maxRedirects ?? this.options.maxRedirects;
    for (let hop = 0; ; hop++) {
      const refused = (await this.checkAddress(url, options.signal)) ?? (await options.beforeRequest?.(url));
      if (refused !== undefined) return { ok: false, failure: refused, attempts };
      const result = await this.request(agents, url, options, attempts);
      if (!result.ok || !REDIRECTS.has(result.status) || result.headers.location === undefined) return result;
      if (hop >= maxRedirects) {
        return { ok: false, failure: { errorClass: "HTTP3XX", cause: "REDIRECT", reason: `more than ${maxRedirects} redirects (last: ${result.status} to ${result.headers.location})` }, attempts };
      }
      let next: URL;
      try {
        next = new URL(result.headers.location, url);
      } catch {
        return { ok: false, failure: { errorClass: "HTTP3XX", cause: String(result.status), reason: `redirect to an invalid URL: ${result.headers.location.slice(0, 200)}` }, attempts };
      }
      if (options.maxUrlLength !== undefined && next.href.length > options.maxUrlLength) {
        return { ok: false, failure: { errorClass: "HTTP3XX", cause: "REDIRECT", reason: `redirect to a URL longer than ${options.maxUrlLength} characters (${next.href.slice(0, 120)}…)` }, attempts };
      }
      if (next.protocol !== "https:") {
        return { ok: false, failure: { errorClass: "HTTP3XX", cause: "INSECURE_REDIRECT", reason: `redirect away from HTTPS to ${next.href.slice(0, 200)}` }, attempts };
      }
      url = this.withPort(next);
    }
  }

  async close(): Promise<void> {
    await this.shared.close();
  }

  /** One request, with the HTTP/1.1 retry; never throws. */
  private async request(agents: AgentPair, url: URL, options: FetchOptions, attempts: Attempt[]): Promise<FetchResult> {
    const origin = url.origin;
    const useH1 = this.http1Origins.has(origin);
    const first = await this.once(url, useH1 ? agents.h1() : agents.h2(), useH1, options);
    attempts.push(first.attempt);
    if (first.result.ok || useH1 || this.negotiated.get(origin) !== "h2" || !["PROTOCOL", "RESET"].includes(first.result.failure.cause)) return { ...first.result, attempts };
    // Servers that break HTTP/2 sessions usually serve HTTP/1.1 fine: one retry, remembered for the origin.
    remember(this.http1Origins, origin);
    const second = await this.once(url, agents.h1(), true, options);
    attempts.push(second.attempt);
    return { ...second.result, attempts };
  }

  private async once(url: URL, agent: Dispatcher, http1: boolean, options: FetchOptions): Promise<{ result: FetchResult; attempt: Attempt }> {
    const started = performance.now();
    let release: (() => void) | undefined;
    try {
      // The wait for a turn at the host is inside the domain's deadline, not before it.
      release = await this.limit.acquire(url.hostname, options.signal);
    } catch {
      const failure = classifyError(new NetError("VMCRAWL_DEADLINE", `the domain's time ran out waiting for a turn at ${url.hostname}`));
      return { result: { ok: false, failure, attempts: [] }, attempt: { url: url.href, ms: Math.round(performance.now() - started), error: failure.reason } };
    }
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const maxBytes = Math.min(options.maxBytes ?? this.options.maxResponseBytes, options.endpointBytes ?? Number.POSITIVE_INFINITY);
    const truncate = options.truncate === true;
    const limit = deadline(timeoutMs, options.signal);
    const signal = limit.signal;
    let status: number | undefined;
    try {
      const res = await agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: "GET",
        // Our deadline alone governs (undici's timers are off for every agent): it gives a starved
        // event loop one I/O pass before it blames the server.
        signal,
        headers: {
          "user-agent": this.options.userAgent,
          accept: options.accept ?? "application/json, */*;q=0.5",
          "accept-encoding": "gzip, deflate, br",
          ...(options.authorization !== undefined && options.authorization.host === url.hostname ? { authorization: options.authorization.value } : {}),
        },
      });
      status = res.statusCode;
      const headers = flatHeaders(res.headers);
      const declared = Number(headers["content-length"]);
      const encoding = (headers["content-encoding"] ?? "identity").trim().toLowerCase();
      if ((encoding === "identity" || encoding === "") && declared > maxBytes && !truncate) {
        res.body.destroy();
        throw new NetError("VMCRAWL_SIZE", `response of ${declared} bytes is over the ${maxBytes}-byte limit`);
      }
      const body = REDIRECTS.has(status) ? await discard(res.body) : await readLimited(res.body, DECODERS[encoding], { limit: maxBytes, truncate }, signal, options.sink?.({ status, headers }));
      const attempt = { url: url.href, protocol: this.protocolOf(url, http1), status, ms: Math.round(performance.now() - started) };
      return { result: { ok: true, status, headers, body, url, attempts: [] }, attempt };
    } catch (err) {
      const failure = err instanceof BodyRejected ? err.failure : classifyError(this.deadlineError(err, limit, options.signal, timeoutMs));
      const attempt = { url: url.href, protocol: this.protocolOf(url, http1), ms: Math.round(performance.now() - started), error: failure.reason, ...(status === undefined ? {} : { status }) };
      return { result: { ok: false, failure, attempts: [] }, attempt };
    } finally {
      limit.dispose();
      release();
    }
  }

  /** An abort is a timeout: ours (this request) or the caller's (the domain's deadline). */
  private deadlineError(err: unknown, limit: Deadline, domain: AbortSignal | undefined, timeoutMs: number): unknown {
    if (limit.expired) return new NetError("VMCRAWL_TIMEOUT", `no complete answer within ${timeoutMs / 1000} s`);
    if (domain?.aborted) return new NetError("VMCRAWL_DEADLINE", "the domain's time ran out");
    return err;
  }

  private protocolOf(url: URL, http1: boolean): Protocol | undefined {
    return http1 ? "http/1.1" : this.negotiated.get(url.origin);
  }

  /** An HTTP/2 agent and an HTTP/1.1-only one, made when first needed. undici fixes the ALPN offer when a connector is built, so each gets its own. */
  private agents(connections = this.options.maxPerHost): AgentPair {
    let h2: Agent | undefined;
    let h1: Agent | undefined;
    return {
      h2: () => (h2 ??= new Agent({ ...this.agentOptions, connections, allowH2: true, connect: this.connector(true) })),
      h1: () => (h1 ??= new Agent({ ...this.agentOptions, connections, allowH2: false, connect: this.connector(false) })),
      close: async () => {
        await Promise.all([h2?.close(), h1?.close()]);
      },
      end: async () => {
        await Promise.all([h2?.destroy(SCOPE_ENDED), h1?.destroy(SCOPE_ENDED)]);
      },
    };
  }

  /**
   * Resolves the host before the request (its own retries and time, so a slow resolver is a DNS
   * failure, not an HTTP timeout) and refuses it when no address is allowed. The connection's own
   * lookup then answers from the cache and checks again. URLs that name an address skip DNS and
   * are judged here directly.
   */
  private async checkAddress(url: URL, signal: AbortSignal | undefined): Promise<Failure | undefined> {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    let addresses: string[];
    if (isIP(host) !== 0) addresses = [host];
    else {
      try {
        addresses = await this.options.resolver.resolve(host, signal);
      } catch (err) {
        return classifyError(err);
      }
    }
    const reasons = addresses.map(this.options.guard);
    if (reasons.some((why) => why === undefined)) return undefined;
    return classifyError(new NetError("VMCRAWL_SSRF", `refused to connect to ${host}: ${reasons[0]}`));
  }

  private withPort(url: URL): URL {
    if (url.protocol === "https:" && url.port === "" && this.options.httpsPort !== 443) url.port = String(this.options.httpsPort);
    return url;
  }

  private connector(allowH2: boolean): buildConnector.connector {
    const { resolver, guard } = this.options;
    const lookup = (hostname: string, options: { family?: number; all?: boolean }, callback: (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void) => {
      resolver.resolve(hostname).then(
        (addresses) => {
          const usable = addresses.filter((a) => guard(a) === undefined && (!options.family || options.family === (isIPv6(a) ? 6 : 4)));
          if (usable.length === 0) {
            const why = addresses.map(guard).find((w) => w !== undefined) ?? "no usable address";
            return callback(new NetError("VMCRAWL_SSRF", `refused to connect to ${hostname}: ${why}`), "");
          }
          if (options.all) return callback(null, usable.map((address) => ({ address, family: isIPv6(address) ? 6 : 4 })));
          callback(null, usable[0]!, isIPv6(usable[0]!) ? 6 : 4);
        },
        (err: Error) => callback(err, ""),
      );
    };
    const base = buildConnector({
      allowH2,
      preferH2: allowH2,
      lookup: lookup as never,
      // One context for every connection: passing `ca` per connection would parse the whole
      // trust store each time (measured: 20x slower and 1.2 GiB for 2,000 domains).
      secureContext: this.secureContext,
      timeout: this.options.timeoutMs,
      // Every probe has its own agents: a cached session would never be offered to the same host again.
      maxCachedSessions: 0,
    } as buildConnector.BuildOptions);
    return (opts, callback) => {
      const socket: unknown = base(opts, (err, socket) => {
        if (err === null && socket !== null) {
          const alpn = (socket as Socket & { alpnProtocol?: string | false }).alpnProtocol;
          const origin = `${opts.protocol}//${opts.hostname}${opts.port ? `:${opts.port}` : ""}`;
          remember(this.negotiated, origin, alpn === "h2" ? "h2" : "http/1.1");
        }
        callback(err as never, socket as never);
      });
      // undici returns the socket it is connecting (its types say void); the handshake is still to come.
      if (socket instanceof TLSSocket) checkNameOnLeaf(socket);
      return socket as void;
    };
  }
}

interface BodyLimit {
  /** Decoded bytes. */
  readonly limit: number;
  /** Keep the first `limit` bytes and stop, instead of failing. */
  readonly truncate: boolean;
}

/** Reads a body to the end, decoded, failing (or stopping, when truncating) past the limit; into `sink` when given, else collected. */
async function readLimited(body: NodeJS.ReadableStream, decoder: Decoder | undefined, { limit, truncate }: BodyLimit, signal: AbortSignal, sink?: (chunk: Buffer) => void): Promise<Buffer> {
  const source = body as unknown as AsyncIterable<Buffer>;
  if (decoder === undefined) return read(source, { limit, truncate }, sink, body);
  // A whole compressed body decodes in one call, but only to a failure past the limit: cutting it needs the stream.
  if (sink === undefined && !truncate) return decodeWhole(await read(source, { limit: compressedLimit(limit), truncate }, undefined, body, limit), decoder, limit);
  // The decoder is read directly below; pipeline only carries errors and teardown between the two.
  const decoded = decoder.stream();
  pipeline(body, decoded, { signal }).catch(() => {});
  return read(decoded as unknown as AsyncIterable<Buffer>, { limit, truncate }, sink, body);
}

/**
 * Reads `source` to the end, failing past the limit (and then destroying `body`), or, when
 * truncating, keeping the bytes up to it and destroying `body`; into `sink` when given, else
 * collected. The failure names the decoded limit, `stated`.
 */
async function read(source: AsyncIterable<Buffer>, { limit, truncate }: BodyLimit, sink: ((chunk: Buffer) => void) | undefined, body: NodeJS.ReadableStream, stated = limit): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (let chunk of source) {
      if (size + chunk.length > limit) {
        if (!truncate) throw new NetError("VMCRAWL_SIZE", `response body is over the ${stated}-byte limit`);
        chunk = chunk.subarray(0, limit - size);
      }
      size += chunk.length;
      if (sink === undefined) chunks.push(chunk);
      else sink(chunk);
      if (size === limit && truncate) {
        (body as { destroy?: () => void }).destroy?.();
        break;
      }
    }
  } catch (err) {
    (body as { destroy?: () => void }).destroy?.();
    throw err;
  }
  return sink === undefined ? Buffer.concat(chunks, size) : Buffer.alloc(0);
}

/**
 * Compressed data is never much larger than what it decodes to (stored blocks add 5 bytes per
 * 64 KiB, headers a few dozen): a compressed body past this limit decodes past `limit`.
 */
function compressedLimit(limit: number): number {
  return limit + Math.ceil(limit / 8192) + 1024;
}

/**
 * Output chunks about the size of the answer: zlib's 16 KiB default pins 16 KiB behind every
 * 1-2 KiB JSON answer until the garbage collector frees it (heaptrack at 256 domains at a time:
 * about 20 MiB of them alive at the peak). JSON decodes to about 4-8 times its gzipped size.
 */
function wholeChunkSize(compressedBytes: number): number {
  return Math.min(64 * 1024, Math.max(1024, compressedBytes * 8));
}

function decodeWhole(compressed: Buffer, decoder: Decoder, limit: number): Buffer {
  try {
    return decoder.whole(compressed, { maxOutputLength: limit, chunkSize: wholeChunkSize(compressed.length) });
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw new NetError("VMCRAWL_SIZE", `response body is over the ${limit}-byte limit`);
    throw err;
  }
}

async function discard(body: { dump?: (o?: { limit: number }) => Promise<void>; destroy(): void }): Promise<Buffer> {
  if (body.dump) await body.dump({ limit: 64 * 1024 }).catch(() => body.destroy());
  else body.destroy();
  return Buffer.alloc(0);
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}

function remember<K, V>(store: Map<K, V> | Set<K>, key: K, value?: V, limit = 10_000): void {
  if (store instanceof Map) {
    store.delete(key);
    store.set(key, value as V);
  } else {
    store.delete(key);
    store.add(key);
  }
  if (store.size > limit) store.delete(store.keys().next().value as K);
}
