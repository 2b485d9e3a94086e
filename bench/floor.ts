/**
 * The CPU floor of one domain on this machine. A Mastodon domain's crawl is four requests
 * (robots.txt, /.well-known/nodeinfo, the NodeInfo document, /api/v2/instance) over a fresh TLS
 * connection; this measures what that costs the client and the simulator, three ways:
 *  - `tls`: the TLS handshake alone, configured as the crawler's;
 *  - `node:http2`: the handshake and the four requests with Node's own HTTP/2 client, bodies
 *    gunzipped, nothing else (no limits, no redirects, no timeouts of ours);
 *  - `vmcrawl`: the crawler's own client (undici), one scoped client per domain as a probe uses.
 * All three resolve each name through the crawler's resolver. From each cost it prints the most
 * domains a second this machine's cores could carry (cores / (client + simulator) CPU), beside
 * the rate that efficiency 0.85 at concurrency 256 needs in the crawl benchmark (bench/crawl.ts),
 * whose crawler also parses, decides and writes. Writes bench/results/floor.json.
 *
 * Each method runs `--rounds` times, in turn, and its cheapest round counts (the first rounds
 * also warm up the JIT).
 *
 *   node bench/floor.ts [--domains 2000] [--concurrency 64] [--rounds 2]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect as http2Connect } from "node:http2";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect, createSecureContext, rootCertificates } from "node:tls";
import { parseArgs } from "node:util";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { loadConfig } from "../src/config.ts";
import { CLIENT_TLS } from "../src/net/http.ts";
import { createConfiguredResolver, createHttpClient } from "../src/net/index.ts";
import { startFedisimProcess } from "../test/fedisim/process.ts";
import { generateScenario } from "../test/fedisim/scenario.ts";
import { idealSeconds, LATENCY, rateNeeded } from "./support/ideal.ts";

const root = join(import.meta.dirname, "..");
const { values } = parseArgs({ options: { domains: { type: "string", default: "2000" }, concurrency: { type: "string", default: "64" }, seed: { type: "string", default: "1" }, rounds: { type: "string", default: "2" } } });
const rounds = Number(values.rounds);
const sample = Number(values.domains);
const concurrency = Number(values.concurrency);
const seed = Number(values.seed);
const SCENARIO_DOMAINS = 10_000; // the crawl benchmark's scenario: about a third are plain Mastodon servers
const PATHS = ["/robots.txt", "/.well-known/nodeinfo", "/nodeinfo/2.0", "/api/v2/instance"];
const DOMAIN_TIMEOUT_MS = 10_000;
if (!Number.isInteger(sample) || sample < 100) throw new Error(`--domains must be a whole number of at least 100, got ${values.domains}`);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive whole number, got ${values.rounds}`);
if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive whole number, got ${values.concurrency}`);

type Visit = (domain: string) => Promise<void>;
interface Measured {
  method: string;
  domains: number;
  seconds: number;
  clientMsPerDomain: number;
  simulatorMsPerDomain: number;
  mostDomainsPerSecond: number;
}

/** CPU time of another process so far, in ms (utime + stime from /proc, in clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Visits every domain, `concurrency` at a time; returns the domains whose visit failed. */
async function visitAll(domains: readonly string[], visit: Visit): Promise<string[]> {
  const failed: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < domains.length) {
      const domain = domains[next++]!;
      try {
        await visit(domain);
      } catch {
        failed.push(domain);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failed;
}

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${DOMAIN_TIMEOUT_MS} ms`)), DOMAIN_TIMEOUT_MS);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

const DECODE: Record<string, (body: Buffer) => Buffer> = { gzip: gunzipSync, deflate: inflateSync, br: brotliDecompressSync };

const simDir = mkdtempSync(join(tmpdir(), "vmcrawl-floor-sim-"));
// No latency: the domains only cost CPU, and the passes are quick.
const NO_LATENCY = { medianMs: 0 };
const sim = await startFedisimProcess({ domains: SCENARIO_DOMAINS, seed, dir: simDir, latency: NO_LATENCY });
try {
  const { config } = loadConfig({ env: { HOME: simDir, ...sim.env, VMCRAWL_MAX_THREADS: String(concurrency) }, cwd: simDir });
  const port = config.http.port;
  const resolver = createConfiguredResolver(config);
  const secureContext = createSecureContext({ ...CLIENT_TLS, ca: [...rootCertificates, readFileSync(config.http.caFile!, "utf8")] });
  const http = createHttpClient(config);

  const vmcrawl: Visit = async (domain) => {
    const client = http.scoped();
    try {
      for (const path of PATHS) {
        const result = await client.fetch(`https://${domain}${path}`);
        if (!result.ok) throw new Error(`${domain}${path}: ${result.failure.reason}`);
        if (result.attempts.some((a) => a.protocol !== "h2")) throw new Error(`${domain} does not speak HTTP/2`);
      }
    } finally {
      await client.close();
    }
  };
  const handshake = async (domain: string) => {
    const [address] = await resolver.resolve(domain);
    return await new Promise<import("node:tls").TLSSocket>((resolve, reject) => {
      const socket = tlsConnect({ host: address, port, servername: domain, secureContext, ALPNProtocols: ["h2"] }, () => resolve(socket));
      socket.once("error", reject);
    });
  };
  const tls: Visit = async (domain) => {
    const socket = await withTimeout(handshake(domain), domain);
    socket.destroy();
  };
  const nodeHttp2: Visit = async (domain) => {
    const socket = await withTimeout(handshake(domain), domain);
    const session = http2Connect(`https://${domain}:${port}`, { createConnection: () => socket });
    session.on("error", () => {});
    try {
      for (const path of PATHS) {
        await withTimeout(
          new Promise<void>((resolve, reject) => {
            const request = session.request({ ":path": path, "user-agent": "vmcrawl-floor", accept: "application/json, */*;q=0.5", "accept-encoding": "gzip, deflate, br" });
            let encoding = "";
            const chunks: Buffer[] = [];
            request.on("response", (headers) => (encoding = String(headers["content-encoding"] ?? "")));
            request.on("data", (chunk: Buffer) => chunks.push(chunk));
            request.on("end", () => {
              const body = Buffer.concat(chunks);
              if (body.length === 0 && path !== "/robots.txt") return reject(new Error(`${domain}${path}: empty answer`));
              DECODE[encoding]?.(body);
              resolve();
            });
            request.on("error", reject);
            request.end();
          }),
          `${domain}${path}`,
        );
      }
    } finally {
      session.destroy();
    }
  };

  // The sample: plain Mastodon servers that answer all four requests over HTTP/2. This first
  // pass also has the simulator issue their certificates, so the passes measured compare alike.
  const served = generateScenario({ domains: SCENARIO_DOMAINS, seed, latency: NO_LATENCY });
  const candidates = served.listed.filter((s) => s.truth.kind === "mastodon" && s.truth.round_trips === 4).map((s) => s.ascii);
  const refused = new Set(await visitAll(candidates, vmcrawl));
  const domains = candidates.filter((d) => !refused.has(d)).slice(0, sample);
  if (domains.length < 100) throw new Error(`only ${domains.length} of ${candidates.length} Mastodon domains answered over HTTP/2`);
  const cores = availableParallelism();
  console.log(`${domains.length} Mastodon domains over HTTP/2 (of ${candidates.length}; ${refused.size} speak HTTP/1.1 only or fail on purpose), ${concurrency} at a time, ${cores} cores`);

  /** One pass of `visit` over the sample: the client's and the simulator's CPU a domain. */
  const measure = async (method: string, visit: Visit): Promise<Measured> => {
    const simBefore = processCpuMs(sim.pid);
    const before = process.cpuUsage();
    const started = performance.now();
    const failed = await visitAll(domains, visit);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(before);
    const done = domains.length - failed.length;
    if (failed.length > domains.length / 100) throw new Error(`${method}: ${failed.length} of ${domains.length} domains failed (first: ${failed[0]})`);
    const clientMs = (used.user + used.system) / 1000 / done;
    const simulatorMs = (processCpuMs(sim.pid) - simBefore) / done;
    return {
      method,
      domains: done,
      seconds: Math.round(seconds * 10) / 10,
      clientMsPerDomain: Math.round(clientMs * 100) / 100,
      simulatorMsPerDomain: Math.round(simulatorMs * 100) / 100,
      mostDomainsPerSecond: Math.round((cores * 1000) / (clientMs + simulatorMs)),
    };
  };
  const cost = (m: Measured) => m.clientMsPerDomain + m.simulatorMsPerDomain;
  const best = new Map<string, Measured>();
  for (let round = 1; round <= rounds; round++) {
    for (const [method, visit] of [["tls", tls], ["node:http2", nodeHttp2], ["vmcrawl", vmcrawl]] as const) {
      const result = await measure(method, visit);
      const previous = best.get(method);
      if (previous === undefined || cost(result) < cost(previous)) best.set(method, result);
      console.log(`round ${round}, ${method}: client ${result.clientMsPerDomain} ms, simulator ${result.simulatorMsPerDomain} ms of CPU a domain: at most ${result.mostDomainsPerSecond} domains/s on ${cores} cores`);
    }
  }
  await http.close();
  const results = [...best.values()];

  const specs = generateScenario({ domains: SCENARIO_DOMAINS, seed, latency: LATENCY }).listed;
  const ideal = idealSeconds(specs, 256);
  const needed = Math.round(rateNeeded(specs, ideal / 0.85));
  console.log(`efficiency 0.85 at 256 in bench/crawl.ts needs ${needed} domains/s started (ideal ${ideal.toFixed(1)} s)`);
  console.log("\ncheapest round of each:\n\n| method | client CPU a domain | simulator CPU a domain | most domains/s on this machine |\n| --- | --- | --- | --- |");
  for (const r of results) console.log(`| ${r.method} | ${r.clientMsPerDomain} ms | ${r.simulatorMsPerDomain} ms | ${r.mostDomainsPerSecond} |`);
  mkdirSync(join(root, "bench", "results"), { recursive: true });
  writeFileSync(join(root, "bench", "results", "floor.json"), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, seed, cores, concurrency, neededFor085At256: needed, results }, null, 2)}\n`);
} finally {
  await sim.stop();
  rmSync(simDir, { recursive: true, force: true });
}
