/**
 * The simulator's HTTPS servers, all on one port number:
 *   main  — HTTP/2 and HTTP/1.1 by ALPN, a certificate per domain by SNI;
 *   tls10 — a server that speaks only TLS 1.0.
 * Requests are routed by Host/:authority to the domain's spec and answered
 * by respond.ts, after the domain's latency; every request is logged.
 */
import { constants as h2, createSecureServer, type Http2ServerRequest, type Http2ServerResponse, type Http2SecureServer } from "node:http2";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { gzipSync } from "node:zlib";
import type { CertificateAuthorities, CertificateGroup } from "./ca.ts";
import type { RequestLog } from "./log.ts";
import { type Reply, respond } from "./respond.ts";
import type { DomainSpec } from "./spec.ts";

export interface HttpsOptions {
  readonly mainHost: string;
  readonly tls10Host: string;
  /** 0: any free port (the same number is then taken on every address). */
  readonly port: number;
  readonly lookup: (ascii: string) => DomainSpec | undefined;
  readonly authorities: CertificateAuthorities;
  /** Which certificate group each domain (A-label) belongs to. */
  readonly certificateGroup: (ascii: string) => CertificateGroup;
  readonly log: RequestLog;
  /** Multiplies every domain's latency; 0 for none. @default 1 */
  readonly latencyScale?: number;
}

export interface HttpsServers {
  readonly port: number;
  /** TCP connections open now, on either server: what a client has left standing. */
  openConnections(): number;
  close(): Promise<void>;
}

/** A dripping body stops after this long even if the client never gives up. */
const DRIP_LIMIT_MS = 10 * 60_000;

type AnyRequest = Http2ServerRequest | IncomingMessage;

/** What we use of an HTTP/1.1 or HTTP/2 compatibility response (their own types do not unite). */
interface AnyResponse {
  writeHead(status: number, headers: Readonly<Record<string, string>>): unknown;
  write(chunk: string | Buffer, callback?: () => void): boolean;
  end(chunk?: string | Buffer): unknown;
  destroy(): void;
  on(event: "close" | "drain" | "error", listener: () => void): unknown;
  off(event: "close" | "drain", listener: () => void): unknown;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
}

export async function startHttps(options: HttpsOptions): Promise<HttpsServers> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  const handler = (req: AnyRequest, res: Http2ServerResponse | ServerResponse) => handle(req, res as unknown as AnyResponse, options, timers);

  for (let attempt = 1; ; attempt++) {
    const main = createSecureServer(
      {
        allowHTTP1: true,
        minVersion: "TLSv1.2",
        // HTTP/2 unless the domain only speaks HTTP/1.1.
        ALPNCallback: ({ servername, protocols }: { servername: string; protocols: string[] }) => {
          const preferred = options.lookup(servername.toLowerCase())?.http1Only ? ["http/1.1"] : ["h2", "http/1.1"];
          return preferred.find((p) => protocols.includes(p));
        },
        SNICallback: (servername, done) => {
          const spec = options.lookup(servername.toLowerCase());
          if (spec === undefined) return done(null, options.authorities.fallback());
          if (spec.tls === "stall") return; // never answer the handshake: the client must time out
          done(null, options.authorities.context(options.certificateGroup(spec.ascii), spec.tls));
        },
        ...options.authorities.staticCertificate("fedisim.invalid"),
      },
      handler,
    );
    main.on("connection", track);
    main.on("sessionError", () => {});
    const tls10 = createHttpsServer(
      {
        minVersion: "TLSv1",
        maxVersion: "TLSv1",
        // OpenSSL 3 refuses TLS 1.0 at its default security level.
        ciphers: "DEFAULT:@SECLEVEL=0",
        ...options.authorities.staticCertificate("tls10.fedisim.invalid"),
      },
      handler,
    );
    tls10.on("connection", track);
    tls10.on("tlsClientError", () => {});
    main.on("tlsClientError", () => {});
    try {
      const port = await listen(main, options.port, options.mainHost);
      await listen(tls10, port, options.tls10Host);
      return {
        port,
        openConnections: () => sockets.size,
        async close() {
          for (const timer of timers) clearTimeout(timer);
          for (const socket of sockets) socket.destroy();
          await Promise.all([closeServer(main), closeServer(tls10)]);
        },
      };
    } catch (err) {
      await Promise.all([closeServer(main), closeServer(tls10)]);
      // With a free port chosen for us, the same number may be taken on the second address; try another.
      if (options.port !== 0 || attempt >= 5 || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    }
  }
}

function listen(server: Http2SecureServer | HttpsServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });
}

function closeServer(server: Http2SecureServer | HttpsServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

function handle(req: AnyRequest, res: AnyResponse, options: HttpsOptions, timers: Set<NodeJS.Timeout>): void {
  const authority = String(req.headers[":authority"] ?? req.headers.host ?? "");
  const host = authority.replace(/:\d+$/, "").replace(/^\[|\]$/g, "").toLowerCase();
  const protocol = req.httpVersion === "2.0" ? "h2" : "http/1.1";
  const target = String(req.url ?? "/");
  const finish = options.log.begin({ host, target, method: String(req.method), userAgent: header(req, "user-agent"), authorization: header(req, "authorization"), protocol });
  let status: number | undefined;
  res.on("close", () => finish(status));
  res.on("error", () => {});

  const spec = options.lookup(host);
  if (spec === undefined) {
    status = 421;
    res.writeHead(421, { "content-type": "text/plain" });
    res.end("Misdirected Request: this simulator does not serve that host\n");
    return;
  }
  const reply = respond(spec, { target, method: String(req.method), protocol });
  const delay = spec.latencyMs * (options.latencyScale ?? 1);
  const gzip = spec.gzip === true && /\bgzip\b/.test(header(req, "accept-encoding") ?? "");
  const go = () => {
    status = execute(gzip ? compressed(reply) : reply, req, res, timers);
  };
  if (delay <= 0) go();
  else later(timers, delay, res, go);
}

/** A JSON body as nginx would send it to a client that accepts gzip (gzip_min_length 20, level 1). */
function compressed(reply: Reply): Reply {
  if (reply.type === "slow") return { ...reply, then: compressed(reply.then) };
  if (reply.type !== "body" || reply.headers["content-encoding"] !== undefined || !/json/.test(reply.headers["content-type"] ?? "") || reply.body.length < 20) return reply;
  return { ...reply, headers: { ...reply.headers, "content-encoding": "gzip", vary: "Accept-Encoding" }, body: gzipSync(reply.body, { level: 1 }) };
}

/** Runs `work` after `ms`, unless the client has gone away by then. */
function later(timers: Set<NodeJS.Timeout>, ms: number, res: AnyResponse, work: () => void): void {
  const timer = setTimeout(() => {
    timers.delete(timer);
    if (!res.destroyed) work();
  }, ms);
  timers.add(timer);
  res.on("close", () => {
    clearTimeout(timer);
    timers.delete(timer);
  });
}

/** Carries out a reply; returns the status sent, if any. */
function execute(reply: Reply, req: AnyRequest, res: AnyResponse, timers: Set<NodeJS.Timeout>): number | undefined {
  const head = req.method === "HEAD";
  switch (reply.type) {
    case "body":
      res.writeHead(reply.status, reply.headers);
      res.end(head ? undefined : reply.body);
      return reply.status;
    case "stream":
      res.writeHead(reply.status, reply.headers);
      if (head) res.end();
      else void pump(reply.chunks(), res);
      return reply.status;
    case "drip": {
      res.writeHead(reply.status, reply.headers);
      res.write("[");
      const started = Date.now();
      const timer = setInterval(() => {
        if (res.destroyed || Date.now() - started > DRIP_LIMIT_MS) {
          clearInterval(timer);
          res.destroy();
          return;
        }
        res.write(" ");
      }, reply.everyMs);
      timers.add(timer);
      res.on("close", () => {
        clearInterval(timer);
        timers.delete(timer);
      });
      return reply.status;
    }
    case "slow":
      later(timers, reply.ms, res, () => execute(reply.then, req, res, timers));
      return undefined;
    case "reset":
      res.writeHead(reply.status, reply.headers);
      res.write(reply.partial, () => cutConnection(req));
      return reply.status;
    case "h2-error": {
      const stream = (req as Http2ServerRequest).stream;
      if (reply.goaway) {
        stream.session?.goaway(h2.NGHTTP2_PROTOCOL_ERROR);
        stream.session?.destroy();
      } else {
        stream.close(h2.NGHTTP2_PROTOCOL_ERROR);
      }
      return undefined;
    }
  }
}

/** Writes generated chunks with backpressure; stops when the client goes away. */
async function pump(chunks: Iterable<string>, res: AnyResponse): Promise<void> {
  for (const chunk of chunks) {
    if (res.destroyed || res.writableEnded) return;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    }
  }
  if (!res.destroyed) res.end();
}

/** Cuts the TCP connection under the response, mid-body. */
function cutConnection(req: AnyRequest): void {
  const socket = "stream" in req ? req.stream.session?.socket : req.socket;
  socket?.destroy();
}

function header(req: AnyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}
