/** The crawler's HTTP client against real loopback servers (fedisim). */
import { connect, createServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { queryObjects } from "node:v8";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import type { HttpClient } from "../../src/net/http.ts";
import { createHttpClient } from "../../src/net/index.ts";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";

let sim: Fedisim;
let http: HttpClient;
const first = (family: string) => sim.scenario.listed.find((s) => s.family === family)!;

beforeAll(async () => {
  sim = await startFedisim(
    generateScenario({ domains: 8, seed: 4, families: ["mastodon", "redirect-chain", "oversized", "gzip-bomb", "mastodon-http1-only", "slow-first-byte"], latency: { medianMs: 0 } }),
    { latencyScale: 0 },
  );
  const { config } = loadConfig({ env: { HOME: sim.dir, ...sim.crawlerEnv }, cwd: sim.dir });
  http = createHttpClient(config);
});
afterAll(async () => {
  await http?.close();
  await sim?.close();
});

describe("HttpClient", () => {
  it("uses the configured HTTPS port for URLs that name none, and says which protocol it spoke", async () => {
    const result = await http.fetch(`https://${first("mastodon").ascii}/robots.txt`);
    expect(result.ok && result.url.port).toBe(String(sim.httpsPort));
    expect(result.attempts[0]).toMatchObject({ protocol: "h2", status: 200 });
    const h1 = await http.fetch(`https://${first("mastodon-http1-only").ascii}/robots.txt`);
    expect(h1.attempts[0]).toMatchObject({ protocol: "http/1.1", status: 200 });
  });

  it("asks before every hop of a redirect chain and stops when told to", async () => {
    const asked: string[] = [];
    const domain = first("redirect-chain").ascii;
    const result = await http.fetch(`https://${domain}/.well-known/nodeinfo`, {
      maxRedirects: 10,
      beforeRequest: async (url) => {
        asked.push(`${url.pathname}${url.search}`);
        return url.search === "?hop=3" ? { errorClass: "ROBOT", cause: "DISALLOWED", reason: "not this one" } : undefined;
      },
    });
    expect(asked).toEqual(["/.well-known/nodeinfo", "/.well-known/nodeinfo?hop=1", "/.well-known/nodeinfo?hop=2", "/.well-known/nodeinfo?hop=3"]);
    expect(result).toMatchObject({ ok: false, failure: { errorClass: "ROBOT" } });
    expect(sim.requests.forHost(domain).map((r) => r.target)).not.toContain("/.well-known/nodeinfo?hop=3");
  });

  it("closes a scoped client's connections, and only those, when the scope ends", async () => {
    // The shared client's connections, kept alive from earlier requests, must outlive the scope.
    await http.fetch(`https://${first("mastodon").ascii}/robots.txt`);
    const before = sim.openConnections();
    const scope = http.scoped();
    const h2 = await scope.fetch(`https://${first("mastodon").ascii}/nodeinfo/2.0`);
    const h1 = await scope.fetch(`https://${first("mastodon-http1-only").ascii}/nodeinfo/2.0`);
    expect([h2.ok, h1.ok]).toEqual([true, true]);
    expect(sim.openConnections()).toBe(before + 2);
    await scope.close();
    // The server sees each close when the client's FIN arrives: wait for it, briefly.
    for (let i = 0; i < 100 && sim.openConnections() > before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sim.openConnections()).toBe(before);
    const again = await http.fetch(`https://${first("mastodon").ascii}/robots.txt`);
    expect(again.ok).toBe(true);
    expect(sim.openConnections()).toBe(before);
  });

  it("opens one connection per origin in a scope, even for requests at once over HTTP/1.1", async () => {
    const domain = first("mastodon-http1-only").ascii;
    const before = sim.openConnections();
    const scope = http.scoped();
    try {
      const results = await Promise.all(["/robots.txt", "/.well-known/host-meta", "/nodeinfo/2.0"].map((path) => scope.fetch(`https://${domain}${path}`)));
      expect(results.map((r) => r.attempts[0]?.protocol)).toEqual(["http/1.1", "http/1.1", "http/1.1"]);
      expect(sim.openConnections()).toBe(before + 1);
      // One after another on the one connection: never two of the scope's requests in flight there.
      expect(sim.requests.peakConcurrency(domain)).toBe(1);
    } finally {
      await scope.close();
    }
  });

  it("refuses a URL naming a forbidden address without connecting", async () => {
    const before = sim.requests.records.length;
    const result = await http.fetch(`https://${sim.addresses.forbidden}/robots.txt`);
    expect(result).toMatchObject({ ok: false, failure: { errorClass: "TCP", cause: "SSRF", reason: `refused to connect to ${sim.addresses.forbidden}: ${sim.addresses.forbidden} is a loopback address` } });
    expect(result.attempts).toEqual([]);
    expect(sim.requests.records.length).toBe(before);
  });

  it("stops an oversized body at the limit", async () => {
    const spec = first("oversized");
    const result = await http.fetch(`https://${spec.ascii}/nodeinfo/2.0`);
    expect(result).toMatchObject({ ok: false, failure: { errorClass: "SIZE", cause: "TOO_LARGE" } });
  });

  it("decodes a gzip bomb only up to the limit", async () => {
    const before = process.memoryUsage().rss;
    const result = await http.fetch(`https://${first("gzip-bomb").ascii}/nodeinfo/2.0`);
    expect(result).toMatchObject({ ok: false, failure: { errorClass: "SIZE", cause: "TOO_LARGE", reason: "response body is over the 10485760-byte limit" } });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("decodes a gzipped answer, collected or through a sink", async () => {
    const spec = sim.scenario.listed.find((s) => s.gzip === true && s.family.startsWith("mastodon") && s.http1Only !== true);
    if (spec === undefined) throw new Error("this scenario needs a Mastodon server that gzips");
    const url = `https://${spec.ascii}/nodeinfo/2.0`;
    const collected = await http.fetch(url);
    expect(collected.ok && collected.headers["content-encoding"]).toBe("gzip");
    const document = collected.ok ? JSON.parse(collected.body.toString("utf8")) : undefined;
    expect(document.software.version).toBe(spec.truth.full_version);
    const chunks: Buffer[] = [];
    const sunk = await http.fetch(url, { sink: () => (chunk) => chunks.push(chunk) });
    expect(sunk.ok && sunk.body.length).toBe(0);
    expect(JSON.parse(Buffer.concat(chunks).toString("utf8"))).toEqual(document);
  });

  it("stops a gzip bomb at the limit through a sink too, and at a small limit when collected", async () => {
    const url = `https://${first("gzip-bomb").ascii}/nodeinfo/2.0`;
    let sunk = 0;
    const streamed = await http.fetch(url, { sink: () => (chunk) => (sunk += chunk.length) });
    expect(streamed).toMatchObject({ ok: false, failure: { errorClass: "SIZE", reason: "response body is over the 10485760-byte limit" } });
    expect(sunk).toBeLessThanOrEqual(10485760);
    const small = await http.fetch(url, { maxBytes: 4096 });
    expect(small).toMatchObject({ ok: false, failure: { errorClass: "SIZE", reason: "response body is over the 4096-byte limit" } });
  });

  it("keeps the first bytes of an answer past a truncating limit and stops reading, plain or gzipped", async () => {
    const bomb = await http.fetch(`https://${first("gzip-bomb").ascii}/nodeinfo/2.0`, { endpointBytes: 4096, truncate: true });
    expect(bomb).toMatchObject({ ok: true, status: 200, headers: { "content-encoding": "gzip" } });
    expect(bomb.ok && bomb.body).toEqual(Buffer.alloc(4096));
    const oversized = await http.fetch(`https://${first("oversized").ascii}/nodeinfo/2.0`, { endpointBytes: 100_000, truncate: true });
    expect(oversized.ok && oversized.body.toString()).toBe(`["${"x".repeat(100_000 - 2)}`);
    // Never above the client's own limit, whatever the endpoint asks.
    const capped = await http.fetch(`https://${first("oversized").ascii}/nodeinfo/2.0`, { endpointBytes: 64 * 1024 * 1024 });
    expect(capped).toMatchObject({ ok: false, failure: { errorClass: "SIZE", reason: expect.stringContaining("over the 10485760-byte limit") } });
  });

  it("waits for a turn at a busy host only until the domain's deadline, not until a turn comes", async () => {
    const slow = `https://${first("slow-first-byte").ascii}/.well-known/nodeinfo`;
    // Other domains hold both turns at the host for the whole request timeout (5 s).
    const holders = [http.fetch(slow), http.fetch(slow)];
    const started = performance.now();
    const waiting = await http.fetch(slow, { signal: AbortSignal.timeout(300) });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(waiting).toMatchObject({ ok: false, failure: { errorClass: "TCP", cause: "TIMEOUT", reason: expect.stringContaining("waiting for a turn") } });
    await Promise.all(holders);
  });

  it("never has more than the per-host limit in flight to one host", async () => {
    const domain = first("mastodon").ascii;
    await Promise.all(Array.from({ length: 12 }, () => http.fetch(`https://${domain}/api/v2/instance`)));
    expect(sim.requests.peakConcurrency(domain)).toBeLessThanOrEqual(2);
    expect(sim.requests.forHost(domain).filter((r) => r.target === "/api/v2/instance")).toHaveLength(12);
  });

  it("lets a finished HTTP/2 stream go: no timer of undici's keeps it reachable after the answer", async () => {
    const ClientHttp2Stream = await clientStreamClass();
    const before = queryObjects(ClientHttp2Stream, { format: "count" });
    const scope = http.scoped();
    const domain = first("mastodon").ascii;
    for (const path of ["/robots.txt", "/.well-known/nodeinfo", "/nodeinfo/2.0", "/api/v2/instance"]) {
      const result = await scope.fetch(`https://${domain}${path}`);
      expect(result.attempts[0]).toMatchObject({ protocol: "h2", status: 200 });
    }
    await scope.close();
    // Within the request timeout: with undici's header and body timers set, all four were still here.
    expect(queryObjects(ClientHttp2Stream, { format: "count" })).toBeLessThanOrEqual(before);
  });
});

/** Node's ClientHttp2Stream class, which it does not export: from one plain request to a loopback server. */
async function clientStreamClass(): Promise<new (...args: never[]) => unknown> {
  const server = createServer((_req, res) => res.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const stream = session.request({ ":path": "/" });
    stream.resume();
    await new Promise((resolve) => stream.on("close", resolve));
    return stream.constructor as new (...args: never[]) => unknown;
  } finally {
    session.close();
    await new Promise((resolve) => server.close(resolve));
  }
}
