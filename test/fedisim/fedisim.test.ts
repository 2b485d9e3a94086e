import { connect as tlsConnect } from "node:tls";
import { connect as netConnect } from "node:net";
import { createSocket } from "node:dgram";
import { existsSync, readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import semver from "semver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CAUSES, ERROR_CLASSES } from "../../src/core/outcome.ts";
import { loadConfig } from "../../src/config.ts";
import { parseDomain } from "../../src/net/domain.ts";
import { type ClientProtocol, type SimClient, simClient } from "./client.ts";
import { certificateGroups } from "./ca.ts";
import { FAMILIES, HOSTILE_FAMILIES } from "./families.ts";
import { type Fedisim, generateScenario, startFedisim } from "./index.ts";
import type { DomainSpec } from "./spec.ts";

const allFamilies = FAMILIES.map((f) => f.name);

describe("scenario generator", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    const a = generateScenario({ domains: 500, seed: 42 });
    const b = generateScenario({ domains: 500, seed: 42 });
    const c = generateScenario({ domains: 500, seed: 43 });
    expect(JSON.stringify([...b.byAscii.values()])).toBe(JSON.stringify([...a.byAscii.values()]));
    expect(JSON.stringify(c.listed.map((s) => s.truth))).not.toBe(JSON.stringify(a.listed.map((s) => s.truth)));
  });

  it.each([10, 2000])("makes exactly %i listed domains, with unique valid names", (domains) => {
    const scenario = generateScenario({ domains, seed: 1 });
    expect(scenario.listed).toHaveLength(domains);
    const ascii = new Set(scenario.listed.map((s) => s.ascii));
    expect(ascii.size).toBe(domains);
    for (const spec of scenario.listed) {
      const parsed = parseDomain(spec.name);
      expect(parsed.ok && parsed.value.ascii, spec.name).toBe(spec.ascii);
    }
  });

  it("covers every behaviour family in a 2,000-domain scenario, in realistic proportions", () => {
    const scenario = generateScenario({ domains: 2000, seed: 5 });
    const families = new Set(scenario.listed.map((s) => s.family));
    for (const name of allFamilies) expect(families.has(name), name).toBe(true);
    expect(families.has("mastodon-huge-peers")).toBe(true);
    const share = (kind: string) => scenario.listed.filter((s) => s.truth.kind === kind).length / scenario.listed.length;
    expect(share("mastodon")).toBeGreaterThan(0.3);
    expect(share("mastodon")).toBeLessThan(0.6);
    expect(share("other")).toBeGreaterThan(0.15);
    expect(share("error")).toBeGreaterThan(0.2);
  });

  it("draws the asked share of hostile domains, every hostile family among them, and no hostile one unless asked", () => {
    const hostileNames = new Set(HOSTILE_FAMILIES.map((f) => f.name));
    const isHostile = (s: DomainSpec) => hostileNames.has(s.family);
    const scenario = generateScenario({ domains: 2000, seed: 5, hostile: 0.1 });
    expect(scenario.listed).toHaveLength(2000);
    const share = scenario.listed.filter(isHostile).length / 2000;
    expect(share).toBeGreaterThan(0.07);
    expect(share).toBeLessThan(0.13);
    const families = new Set(scenario.listed.map((s) => s.family));
    for (const name of hostileNames) expect(families.has(name), name).toBe(true);
    expect(generateScenario({ domains: 2000, seed: 5 }).listed.some(isHostile)).toBe(false);
    // A share of 0 is the scenario the seed always made.
    expect(JSON.stringify(generateScenario({ domains: 500, seed: 5, hostile: 0 }).listed)).toBe(JSON.stringify(generateScenario({ domains: 500, seed: 5 }).listed));
    expect(() => generateScenario({ domains: 10, seed: 5, hostile: 2 })).toThrow(/from 0 to 1/);
  });

  it("makes four servers in five gzip their JSON, the same ones for every seed", () => {
    const share = (seed: number) => {
      const specs = generateScenario({ domains: 2000, seed }).listed.filter((s) => s.family === "mastodon");
      return specs.filter((s) => s.gzip === true).length / specs.length;
    };
    expect(share(1)).toBeGreaterThan(0.7);
    expect(share(1)).toBeLessThan(0.9);
    const byName = new Map(generateScenario({ domains: 2000, seed: 1 }).listed.map((s) => [s.ascii, s.gzip]));
    const again = generateScenario({ domains: 2000, seed: 1 }).listed;
    expect(again.every((s) => byName.get(s.ascii) === s.gzip)).toBe(true);
  });

  it("gives a long-tailed latency per domain, and none when asked", () => {
    const latencies = generateScenario({ domains: 2000, seed: 3 }).listed.map((s) => s.latencyMs).sort((a, b) => a - b);
    const median = latencies[1000]!;
    const p99 = latencies[1980]!;
    expect(median).toBeGreaterThan(20);
    expect(median).toBeLessThan(80);
    expect(p99).toBeGreaterThan(median * 10);
    expect(generateScenario({ domains: 100, seed: 3, latency: { medianMs: 0 } }).listed.every((s) => s.latencyMs === 0)).toBe(true);
  });

  it("writes well-formed ground truth for every domain", () => {
    const scenario = generateScenario({ domains: 2000, seed: 9 });
    for (const { truth, name } of scenario.listed) {
      expect(truth.domain).toBe(name);
      expect(truth.round_trips).toBeGreaterThan(0);
      if (truth.kind === "error") {
        expect(ERROR_CLASSES).toContain(truth.error_class);
        const causes = (CAUSES as Record<string, readonly string[]>)[truth.error_class!];
        if (causes !== undefined && !/^\d{3}$/.test(truth.cause!)) expect(causes, `${name} ${truth.error_class}/${truth.cause}`).toContain(truth.cause);
        expect(truth.endpoint).toBeDefined();
      }
      if (truth.kind === "mastodon" || truth.kind === "alias") {
        expect(semver.valid(truth.version), `${name}: ${truth.version}`).toBe(truth.version);
        expect(truth.mau).toBeLessThanOrEqual(truth.total_users!);
        expect(truth.canonical).toBeDefined();
      }
      if (truth.kind === "alias") expect(truth.canonical).not.toBe(truth.domain);
    }
  });

  it("publishes a peers graph among Mastodon servers, and garbage that truth does not admit", () => {
    const scenario = generateScenario({ domains: 2000, seed: 11 });
    const withPeers = scenario.listed.filter((s) => s.peers !== undefined && "list" in s.peers);
    expect(withPeers.length).toBeGreaterThan(500);
    const listed = new Set(scenario.listed.map((s) => s.name));
    let garbageSeen = 0;
    for (const spec of withPeers) {
      const served = (spec.peers as { list: unknown[] }).list;
      for (const peer of spec.truth.peers ?? []) expect(listed.has(peer)).toBe(true);
      garbageSeen += served.filter((entry) => typeof entry !== "string" || !listed.has(entry.trim().toLowerCase())).length;
    }
    expect(garbageSeen).toBeGreaterThan(100);
  });
});

describe("fedisim servers, one domain per behaviour family", () => {
  let sim: Fedisim;
  let client: SimClient;
  const first = (family: string): DomainSpec => {
    const spec = sim.scenario.listed.find((s) => s.family === family);
    if (spec === undefined) throw new Error(`no ${family} in the scenario`);
    return spec;
  };
  const json = (text: string) => JSON.parse(text) as Record<string, any>;

  beforeAll(async () => {
    sim = await startFedisim(generateScenario({ domains: allFamilies.length, seed: 2, families: allFamilies, latency: { medianMs: 0 } }));
    client = simClient(sim);
  });
  afterAll(async () => {
    await client?.close();
    await sim?.close();
  });

  describe("DNS over UDP and TCP", () => {
    it("answers simulated names with the simulator's loopback addresses, in either case", async () => {
      expect(await client.resolve4(first("mastodon").ascii)).toEqual([sim.addresses.main]);
      expect(await client.resolve4(first("mastodon").ascii.toUpperCase())).toEqual([sim.addresses.main]);
      expect(await client.resolve4(first("tls-1.0").ascii)).toEqual([sim.addresses.tls10]);
      expect(await client.resolve4(first("refused").ascii)).toEqual([sim.addresses.refused]);
      expect(await client.resolve4(first("mastodon-idn").ascii)).toEqual([sim.addresses.main]);
    });

    it("answers a forbidden loopback address outside the crawler's allow-list for the SSRF families", async () => {
      expect(await client.resolve4(first("dns-forbidden").ascii)).toEqual([sim.addresses.forbidden]);
      expect(sim.crawlerEnv.VMCRAWL_ALLOW_PRIVATE_IPS).not.toContain(sim.addresses.forbidden);
      expect(sim.addresses.forbidden).toMatch(/^127\./);
    });

    it.each([
      ["dns-nxdomain", "ENOTFOUND"],
      ["dns-servfail", "ESERVFAIL"],
      ["dns-timeout", "ETIMEOUT"],
    ])("%s fails with %s", async (family, code) => {
      await expect(client.resolve4(first(family).ascii)).rejects.toMatchObject({ code });
    });

    it("answers NXDOMAIN for names it does not simulate, and never a non-loopback address", async () => {
      await expect(client.resolve4("mastodon.social")).rejects.toMatchObject({ code: "ENOTFOUND" });
      for (const spec of sim.scenario.byAscii.values()) {
        if (spec.dns !== "ok") continue;
        for (const a of await client.resolve4(spec.ascii)) expect(a.startsWith("127.")).toBe(true);
      }
    });

    it("answers over TCP too", async () => {
      const answer = await dnsOverTcp(sim.dns.port, first("mastodon").ascii);
      expect(answer.readUInt16BE(6)).toBe(1); // one answer
      expect([...answer.subarray(answer.length - 4)].join(".")).toBe(sim.addresses.main);
    });
  });

  describe.each(["h2", "http/1.1"] as ClientProtocol[])("HTTPS over %s", (protocol) => {
    const get = (family: string, path: string, options: { timeoutMs?: number; maxBytes?: number } = {}) => client.get(first(family).ascii, path, { protocol, ...options });
    const lastProtocol = () => sim.requests.records.at(-1)?.protocol;

    it("mastodon: robots, NodeInfo links and document, instance API v2 and v1, peers", async () => {
      const spec = first("mastodon");
      const robots = await get("mastodon", "/robots.txt");
      expect(robots.status).toBe(200);
      expect(robots.headers["content-type"]).toMatch(/^text\/plain/);
      expect(robots.body).toContain("User-agent: *");
      expect(lastProtocol()).toBe(protocol);
      const links = json((await get("mastodon", "/.well-known/nodeinfo")).body);
      expect(links.links[0].href).toBe(`https://${spec.ascii}/nodeinfo/2.0`);
      const doc = json((await get("mastodon", "/nodeinfo/2.0")).body);
      expect(doc.software).toEqual({ name: "mastodon", version: spec.truth.full_version });
      expect(doc.usage.users).toMatchObject({ total: spec.truth.total_users, activeMonth: spec.truth.mau });
      expect(json((await get("mastodon", "/api/v2/instance")).body).domain).toBe(spec.ascii);
      expect(json((await get("mastodon", "/api/v1/instance")).body).uri).toBe(spec.ascii);
      const peers = json((await get("mastodon", "/api/v1/instance/peers")).body) as unknown as unknown[];
      const served = new Set(peers.filter((p): p is string => typeof p === "string").map((p) => p.trim().toLowerCase()));
      for (const p of spec.truth.peers ?? []) expect(served.has(p)).toBe(true);
    });

    it("gzips JSON, as nginx does, for the servers that compress and clients that accept it", async () => {
      // Healthy servers of several families: each compresses or not by its name.
      const healthy = ["mastodon", "mastodon-idn", "mastodon-v1-only", "hometown", "kmyblue"].map(first);
      const zipping = healthy.find((s) => s.gzip === true);
      const plain = healthy.find((s) => s.gzip !== true);
      if (zipping === undefined || plain === undefined) throw new Error("this scenario needs a healthy server that gzips and one that does not");
      const fetch = (spec: DomainSpec, path: string, acceptEncoding?: string) => client.get(spec.ascii, path, { protocol, ...(acceptEncoding === undefined ? {} : { acceptEncoding }) });
      const zipped = await fetch(zipping, "/.well-known/nodeinfo", "gzip, deflate, br");
      expect(zipped.headers["content-encoding"]).toBe("gzip");
      expect(zipped.headers.vary).toBe("Accept-Encoding");
      const unzipped = await fetch(zipping, "/.well-known/nodeinfo");
      expect(unzipped.headers["content-encoding"]).toBeUndefined();
      expect(zipped.body).toBe(unzipped.body);
      expect(zipped.bytes).toBeLessThan(unzipped.bytes);
      expect((await fetch(zipping, "/robots.txt", "gzip")).headers["content-encoding"]).toBeUndefined();
      expect((await fetch(plain, "/.well-known/nodeinfo", "gzip")).headers["content-encoding"]).toBeUndefined();
    });

    it("serves IDN domains by their A-label", async () => {
      const spec = first("mastodon-idn");
      expect(spec.ascii).toMatch(/(^|\.)xn--/);
      expect((await get("mastodon-idn", "/.well-known/nodeinfo")).status).toBe(200);
    });

    it("v1 only: /api/v2/instance is 404, /api/v1/instance names the domain", async () => {
      expect((await get("mastodon-v1-only", "/api/v2/instance")).status).toBe(404);
      expect(json((await get("mastodon-v1-only", "/api/v1/instance")).body).uri).toBe(first("mastodon-v1-only").ascii);
    });

    it("NodeInfo served directly at the well-known URL", async () => {
      expect(json((await get("mastodon-nodeinfo-direct", "/.well-known/nodeinfo")).body).software.name).toBe("mastodon");
    });

    it("NodeInfo 2.0, 2.1 and 2.2 links with the best one not first; only 2.2 has the true numbers", async () => {
      const spec = first("mastodon-nodeinfo-multi");
      const links = json((await get("mastodon-nodeinfo-multi", "/.well-known/nodeinfo")).body).links as { rel: string }[];
      expect(links.map((l) => l.rel.slice(-3))).toEqual(["2.0", "2.2", "2.1"]);
      expect(json((await get("mastodon-nodeinfo-multi", "/nodeinfo/2.2")).body).usage.users.activeMonth).toBe(spec.truth.mau);
      expect(json((await get("mastodon-nodeinfo-multi", "/nodeinfo/2.0")).body).usage.users.activeMonth).not.toBe(spec.truth.mau);
    });

    it("a single link object instead of a list", async () => {
      expect(json((await get("mastodon-single-link", "/.well-known/nodeinfo")).body).links.href).toMatch(/\/nodeinfo\/2\.0$/);
    });

    it("lenient JSON: a BOM and trailing commas that strict JSON refuses", async () => {
      const { body } = await get("mastodon-lenient-json", "/nodeinfo/2.0");
      expect(body.charCodeAt(0)).toBe(0xfeff);
      expect(() => JSON.parse(body)).toThrow();
      const repaired = JSON.parse(body.slice(1).replace(/,\s*([}\]])/g, "$1"));
      expect(repaired.usage.users.activeMonth).toBe(first("mastodon-lenient-json").truth.mau);
    });

    it("forks name themselves: hometown, kmyblue, glitch in the version", async () => {
      expect(json((await get("hometown", "/nodeinfo/2.0")).body).software.name).toBe("hometown");
      expect(json((await get("kmyblue", "/nodeinfo/2.0")).body).software.version).toContain("+kmyblue");
    });

    it("backend found via host-meta; the backend's instance API names the account domain", async () => {
      const front = first("mastodon-host-meta-backend");
      expect((await get("mastodon-host-meta-backend", "/.well-known/nodeinfo")).status).toBe(404);
      const hostMeta = await get("mastodon-host-meta-backend", "/.well-known/host-meta");
      expect(hostMeta.headers["content-type"]).toMatch(/xrd\+xml/);
      expect(hostMeta.body).toContain(`template="https://${front.hostMetaBackend}/.well-known/webfinger?resource={uri}"`);
      const backend = await client.get(front.hostMetaBackend!, "/api/v2/instance", { protocol });
      expect(json(backend.body).domain).toBe(front.ascii);
    });

    it("backend found only via webfinger", async () => {
      const front = first("mastodon-webfinger-backend");
      const wf = json((await get("mastodon-webfinger-backend", `/.well-known/webfinger?resource=acct:${front.ascii}@${front.ascii}`)).body);
      expect(wf.aliases[0]).toBe(`https://${front.webfingerBackend}/@${front.ascii}`);
    });

    it("an alias: the instance API names another domain", async () => {
      const alias = first("alias");
      expect(json((await get("alias", "/api/v2/instance")).body).domain).toBe(sim.scenario.listed.find((s) => s.name === alias.truth.canonical)!.ascii);
    });

    it.each([
      ["users-missing-mau", (u: Record<string, unknown>) => expect(u).not.toHaveProperty("activeMonth")],
      ["users-missing-total", (u: Record<string, unknown>) => expect(u).not.toHaveProperty("total")],
      ["users-mau-above-total", (u: Record<string, unknown>) => expect(Number(u.activeMonth)).toBeGreaterThan(Number(u.total))],
      ["users-negative", (u: Record<string, unknown>) => expect(Number(u.activeMonth)).toBeLessThan(0)],
      ["users-string", (u: Record<string, unknown>) => expect(typeof u.activeMonth).toBe("string")],
    ])("%s serves the user counts it promises", async (family, check) => {
      check(json((await get(family, "/nodeinfo/2.0")).body).usage.users);
    });

    it("no usage, versions above main and garbage versions", async () => {
      expect(json((await get("no-usage", "/nodeinfo/2.0")).body)).not.toHaveProperty("usage");
      const above = json((await get("version-above-main", "/nodeinfo/2.0")).body).software.version as string;
      expect(semver.gt(semver.coerce(above)!, "4.6.0")).toBe(true);
      expect(semver.valid(json((await get("version-garbage", "/nodeinfo/2.0")).body).software.version)).toBeNull();
    });

    it("instance API that needs authentication, or is missing", async () => {
      expect((await get("api-auth", "/api/v2/instance")).status).toBe(401);
      expect((await get("api-auth", "/api/v1/instance")).status).toBe(401);
      expect((await get("api-missing", "/api/v1/instance")).status).toBe(404);
    });

    it("other software, and Matrix", async () => {
      expect(json((await get("other", "/nodeinfo/2.0")).body).software.name.toLowerCase().replace(/ /g, "-")).toBe(first("other").truth.software);
      expect(json((await get("matrix", "/.well-known/nodeinfo")).body)).toHaveProperty("m.server");
    });

    it.each([
      ["robots-vmcrawl", "User-agent: vmcrawl\nDisallow: /"],
      ["robots-star", "User-agent: *\nDisallow: /"],
      ["robots-paths", "Disallow: /.well-known/"],
      ["robots-api", "Disallow: /api/"],
      ["robots-other-bot", "User-agent: GPTBot\nDisallow: /"],
      ["robots-vmcrawl-allowed", "User-agent: vmcrawl\nAllow: /"],
    ])("%s robots.txt", async (family, text) => {
      expect((await get(family, "/robots.txt")).body).toContain(text);
    });

    it("robots.txt 404 and 5xx", async () => {
      expect((await get("robots-404", "/robots.txt")).status).toBe(404);
      expect((await get("robots-5xx", "/robots.txt")).status).toBe(503);
    });

    it("hard fail (410/418/451/999) at its endpoint", async () => {
      const spec = first("hard-fail");
      const fault = spec.fault!;
      const path = { robots_txt: "/robots.txt", nodeinfo: "/.well-known/nodeinfo", nodeinfo_document: "/nodeinfo/2.0", instance_api_v2: "/api/v2/instance" }[fault.at as "robots_txt"];
      expect((await get("hard-fail", path)).status).toBe(Number(spec.truth.cause));
    });

    it("Cloudflare-style 403 HTML everywhere, 429 with Retry-After, 404 and 5xx", async () => {
      for (const path of ["/robots.txt", "/.well-known/nodeinfo", "/.well-known/host-meta"]) {
        const res = await get("cloudflare-403", path);
        expect(res.status).toBe(403);
        expect(res.headers["content-type"]).toMatch(/^text\/html/);
      }
      const limited = await get("rate-limited", "/.well-known/nodeinfo");
      expect([limited.status, limited.headers["retry-after"]]).toEqual([429, "3600"]);
      expect((await get("not-found", "/.well-known/nodeinfo")).status).toBe(404);
      expect((await get("server-error", "/.well-known/nodeinfo")).status).toBe(Number(first("server-error").truth.cause));
    });

    it("redirect loops, long chains, and redirects to a forbidden address", async () => {
      const loop = await get("redirect-loop", "/.well-known/nodeinfo");
      expect([loop.status, loop.headers.location]).toEqual([301, "/.well-known/nodeinfo"]);
      let target = "/.well-known/nodeinfo";
      for (let hop = 1; hop <= 5; hop++) {
        const res = await get("redirect-chain", target);
        expect(res.status).toBe(301);
        target = String(res.headers.location);
      }
      expect((await get("redirect-chain", target)).status).toBe(200);
      const away = await get("redirect-forbidden", "/.well-known/nodeinfo");
      const host = new URL(String(away.headers.location)).hostname;
      expect(await client.resolve4(host)).toEqual([sim.addresses.forbidden]);
    });

    it("HTML where JSON is expected, empty body, invalid and truncated JSON, no links", async () => {
      expect((await get("html-for-json", "/.well-known/nodeinfo")).headers["content-type"]).toMatch(/^text\/html/);
      expect((await get("empty-body", "/.well-known/nodeinfo")).body).toBe("");
      const invalid = await get("invalid-json", "/.well-known/nodeinfo");
      expect(() => JSON.parse(invalid.body)).toThrow();
      const truncated = await get("truncated-json", "/nodeinfo/2.0");
      expect(truncated.body.length).toBeGreaterThan(10);
      expect(() => JSON.parse(truncated.body)).toThrow();
      expect(json((await get("no-links", "/.well-known/nodeinfo")).body).links).toEqual([]);
    });

    it("an oversized body and a gzip bomb", async () => {
      const big = await get("oversized", "/nodeinfo/2.0", { maxBytes: 11 * 1024 * 1024 });
      expect(big.bytes).toBeGreaterThan(10 * 1024 * 1024);
      const bomb = await get("gzip-bomb", "/nodeinfo/2.0");
      expect(bomb.headers["content-encoding"]).toBe("gzip");
      expect(bomb.bytes).toBeLessThan(200 * 1024);
      expect(bomb.body.length).toBeGreaterThan(60 * 1024 * 1024);
    });

    it("a slow first byte, a body that drips, a connection reset mid-response", async () => {
      await expect(get("slow-first-byte", "/.well-known/nodeinfo", { timeoutMs: 300 })).rejects.toMatchObject({ code: "UND_ERR_HEADERS_TIMEOUT" });
      const drip = await dripFor(first("drip").ascii, protocol, 700);
      expect(drip.status).toBe(200);
      expect(drip.bytes).toBeGreaterThan(1);
      expect(drip.ended).toBe(false);
      await expect(get("reset", "/.well-known/nodeinfo")).rejects.toThrow();
    });

    it("a server that offers only HTTP/1.1 by ALPN", async () => {
      expect((await get("mastodon-http1-only", "/robots.txt")).status).toBe(200);
      expect(lastProtocol()).toBe("http/1.1");
    });

    it("HTTP/2 errors that succeed over HTTP/1.1", async () => {
      if (protocol === "h2") await expect(get("mastodon-h2-broken", "/.well-known/nodeinfo")).rejects.toThrow();
      else expect((await get("mastodon-h2-broken", "/.well-known/nodeinfo")).status).toBe(200);
    });

    it.each([
      ["tls-expired", /CERT_HAS_EXPIRED/],
      ["tls-wrong-host", /ERR_TLS_CERT_ALTNAME_INVALID/],
      ["tls-untrusted", /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/],
      ["tls-1.0", /ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|WRONG_VERSION/],
      ["refused", /ECONNREFUSED/],
      ["tls-stall", /UND_ERR_CONNECT_TIMEOUT/],
    ])("%s fails at the transport: %s", async (family, code) => {
      const err = await get(family, "/robots.txt").then(
        () => undefined,
        (e: { code?: string; cause?: { code?: string } }) => e,
      );
      expect(`${err?.code} ${err?.cause?.code}`).toMatch(code);
    });
  });

  it("the TLS 1.0 server really speaks TLS 1.0", async () => {
    const protocolSpoken = await new Promise<string | null>((resolve, reject) => {
      const socket = tlsConnect({ host: sim.addresses.tls10, port: sim.httpsPort, servername: first("tls-1.0").ascii, minVersion: "TLSv1", maxVersion: "TLSv1", ciphers: "DEFAULT:@SECLEVEL=0", rejectUnauthorized: false }, () => {
        resolve(socket.getProtocol());
        socket.end();
      });
      socket.on("error", reject);
    });
    expect(protocolSpoken).toBe("TLSv1");
  });

  it("logs every request with host, path, user agent and protocol", () => {
    const mine = sim.requests.records.filter((r) => r.host === first("mastodon").ascii);
    expect(mine.length).toBeGreaterThan(10);
    expect(new Set(mine.map((r) => r.protocol))).toEqual(new Set(["h2", "http/1.1"]));
    expect(mine.every((r) => r.userAgent === "fedisim-test" && r.method === "GET")).toBe(true);
    expect(mine[0]).toMatchObject({ target: "/robots.txt", status: 200 });
  });

  async function dripFor(domain: string, protocol: ClientProtocol, ms: number): Promise<{ status: number; bytes: number; ended: boolean }> {
    const { request, Agent } = await import("undici");
    const ca = readFileSync(sim.caFile, "utf8");
    const agent = new Agent({ allowH2: protocol === "h2", connect: { ca, lookup: (_h, _o, cb) => cb(null, [{ address: sim.addresses.main, family: 4 }]) } });
    try {
      const res = await request(`https://${domain}:${sim.httpsPort}/nodeinfo/2.0`, { dispatcher: agent });
      let bytes = 0;
      let ended = false;
      res.body.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.body.on("end", () => (ended = true));
      await new Promise((r) => setTimeout(r, ms));
      res.body.destroy();
      return { status: res.statusCode, bytes, ended };
    } finally {
      await agent.destroy();
    }
  }
});

describe("the 1,000,000-entry peers list", () => {
  it("streams a million valid names without holding them", async () => {
    await using sim = await startFedisim(generateScenario({ domains: 3, seed: 4, families: ["mastodon"], hugePeers: true, latency: { medianMs: 0 } }));
    const client = simClient(sim);
    try {
      const huge = sim.scenario.listed.find((s) => s.family === "mastodon-huge-peers")!;
      expect(huge.truth.peers_count).toBe(1_000_000);
      const res = await client.get(huge.ascii, "/api/v1/instance/peers", { protocol: "h2" });
      const list = JSON.parse(res.body) as string[];
      expect(list).toHaveLength(1_000_000);
      expect(new Set(list).size).toBe(1_000_000);
      expect(list.every((name) => parseDomain(name).ok)).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe("lifecycle and files", () => {
  it("starts and stops for 1,000 domains in under 2 s and leaves no port behind", async () => {
    const started = performance.now();
    const sim = await startFedisim(generateScenario({ domains: 1000, seed: 8 }));
    const ports = { https: sim.httpsPort, dns: sim.dns.port };
    await sim.close();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(existsSync(sim.dir)).toBe(false);
    for (const [host, port] of [[sim.addresses.main, ports.https], [sim.addresses.tls10, ports.https], [sim.addresses.main, ports.dns]] as const) {
      await expect(tcpConnect(host, port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    }
    await expect(udpBind(sim.addresses.main, ports.dns)).resolves.toBe(true);
  });

  it("writes crawler.env that vmcrawl's own configuration accepts, domains.txt, truth.jsonl, hosts and ca.pem", async () => {
    await using sim = await startFedisim(generateScenario({ domains: 50, seed: 6 }));
    const out = mkdtempSync(join(tmpdir(), "fedisim-files-"));
    sim.writeFiles(out);
    const envText = readFileSync(join(out, "crawler.env"), "utf8");
    const { config, warnings } = loadConfig({ env: { HOME: out }, cwd: out, readEnvFile: (p) => (p === join(out, ".env") ? { text: envText, mode: 0o600 } : undefined) });
    expect(warnings).toEqual([]);
    expect(config.dns.servers).toEqual([{ host: sim.dns.host, port: sim.dns.port }]);
    expect(config.http.port).toBe(sim.httpsPort);
    expect(config.http.caFile).toBe(join(out, "ca.pem"));
    expect(config.http.allowPrivateIps).toMatchObject({ kind: "ranges" });
    const domains = readFileSync(join(out, "domains.txt"), "utf8").trim().split("\n");
    expect(domains).toEqual(sim.scenario.listed.map((s) => s.name));
    const truth = readFileSync(join(out, "truth.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(truth).toEqual(sim.truth());
    expect(truth[0]).toHaveProperty("domain");
    expect(truth[0]).toHaveProperty("kind");
    const hosts = readFileSync(join(out, "hosts"), "utf8").trim().split("\n");
    expect(hosts.every((line) => /^127\.\d+\.\d+\.\d+ \S+$/.test(line))).toBe(true);
    expect(readFileSync(join(out, "ca.pem"), "utf8")).toBe(sim.authorities.trusted.certPem);
  });

  it("refuses a --bind address that is not IPv4 loopback", async () => {
    await expect(startFedisim(generateScenario({ domains: 5, seed: 1 }), { bind: "10.0.0.1" })).rejects.toThrow(/IPv4 loopback/);
  });
});

function tcpConnect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port }, () => {
      socket.destroy();
      resolve();
    });
    socket.on("error", reject);
  });
}

function udpBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.on("error", reject);
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}

function dnsOverTcp(port: number, name: string): Promise<Buffer> {
  const labels = name.split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const query = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
  const framed = Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: "127.0.0.1", port }, () => socket.write(framed));
    let data = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        socket.destroy();
        resolve(data.subarray(2));
      }
    });
    socket.on("error", reject);
    setTimeout(() => reject(new Error("DNS over TCP timed out")), 2000).unref();
  });
}

describe("certificates", () => {
  const scenario = () => generateScenario({ domains: 40, seed: 3, latency: { medianMs: 0 } });
  /** One handshake and request to the first plain Mastodon domain served with a good certificate. */
  const visitOne = async (sim: Fedisim) => {
    const spec = sim.scenario.listed.find((s) => s.tls === "ok" && s.family === "mastodon")!;
    const client = simClient(sim);
    try {
      expect((await client.get(spec.ascii, "/robots.txt", { protocol: "h2" })).status).toBe(200);
    } finally {
      await client.close();
    }
  };

  it("are issued at a domain's first handshake, or all before serving when asked (as real servers have theirs)", async () => {
    await using lazy = await startFedisim(scenario());
    expect(lazy.authorities.issued).toBe(0);
    await visitOne(lazy);
    expect(lazy.authorities.issued).toBe(1);

    await using upfront = await startFedisim(scenario(), { certificatesUpfront: true });
    const served = upfront.scenario.listed.filter((s) => s.tls !== "stall");
    const groups = certificateGroups(served);
    const expected = new Set(served.map((s) => `${s.tls} ${groups.get(s.ascii)!.id}`)).size;
    expect(expected).toBeGreaterThan(5);
    expect(upfront.authorities.issued).toBe(expected);
    await visitOne(upfront);
    expect(upfront.authorities.issued).toBe(expected);
  });
});
