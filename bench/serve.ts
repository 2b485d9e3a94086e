/**
 * API benchmark: the built binary serves a SQLite file holding 50,000
 * published servers; a fixed-rate client (open loop: latency counted from
 * when each request was due, so a stall is not hidden) asks for /summary and
 * for pages of /instances (with the key) at 500 requests/s each for 10 s, and
 * searches with a different text each time (reported beside the target). Prints
 * requests/s, p50/p99/max latency and the server's peak RSS; writes
 * bench/results/serve.json. Target: p99 ≤ 20 ms at 500 req/s for summary and
 * instances.
 *
 *   npm run build && node bench/serve.ts [--instances 50000] [--rate 500] [--seconds 10]
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import "./support/sql-as-text.ts";
import { population } from "../test/support/population.ts";
import { freePort } from "../test/support/ports.ts";

const { SqliteStore } = await import("../src/store/sqlite.ts");

const { values } = parseArgs({ options: { instances: { type: "string", default: "50000" }, rate: { type: "string", default: "500" }, seconds: { type: "string", default: "10" } } });
const [instances, rate, seconds] = [Number(values.instances), Number(values.rate), Number(values.seconds)];
const KEY = "bench-key-0123456789abcdef";
const root = join(import.meta.dirname, "..");

const home = mkdtempSync(join(tmpdir(), "vmcrawl-bench-serve-"));
const store = new SqliteStore(join(home, ".local/share/vmcrawl/vmcrawl.db"), { cacheDir: join(home, ".cache") });
await store.migrate();
const servers = population(instances, new Date(), 5);
for (let i = 0; i < servers.length; i += 1000) {
  const chunk = servers.slice(i, i + 1000);
  await store.query(`INSERT INTO mastodon_domains (domain, software_version, active_users_monthly, timestamp) VALUES ${chunk.map(() => "(?, ?, ?, ?)").join(", ")}`, chunk.flatMap((s) => [s.domain, s.version, s.mau, s.timestamp]));
}
await store.close();

const port = await freePort();
const child = spawn(join(root, "dist", "vmcrawl"), ["serve", "--listen", `127.0.0.1:${port}`], { env: { HOME: home, PATH: "/usr/bin:/bin", VMCRAWL_API_KEY: KEY, VMCRAWL_API_RATE_LIMIT: "0" } });
let stderr = "";
child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
for (let i = 0; i < 300 && !stderr.includes("serving the API"); i++) await new Promise((r) => setTimeout(r, 50));
if (!stderr.includes("serving the API")) throw new Error(`serve did not start: ${stderr}`);

const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64, pipelining: 1 });

/** Sends `rate` requests a second for `seconds`, each when due; returns latencies (ms) from due time. */
async function fixedRate(path: (i: number) => string, headers: Record<string, string>, perSecond = rate): Promise<{ latencies: number[]; errors: number; ms: number }> {
  const total = perSecond * seconds;
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      pool
        .request({ path: path(i), method: "GET", headers })
        .then(async (res) => {
          await res.body.dump();
          if (res.statusCode !== 200) errors++;
          latencies.push(performance.now() - due);
        })
        .catch(() => void errors++),
    );
  }
  await Promise.all(inFlight);
  return { latencies, errors, ms: performance.now() - started };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const results: Record<string, unknown> = {};
const pages = Math.ceil(instances / 50);
const cases: [string, (i: number) => string, Record<string, string>, number?][] = [
  ["summary", () => "/summary", {}],
  ["instances", (i) => `/instances?per_page=50&page=${(i % pages) + 1}`, { "x-api-key": KEY }],
  ["instances-search", (i) => `/instances?q=s${i % 1000}&per_page=50`, { "x-api-key": KEY }],
];
try {
  // Warm-up: the snapshot is built on the first request.
  await fixedRate(() => "/summary", {}).catch(() => undefined);
  for (const [name, path, headers, caseRate] of cases) {
    const run = await fixedRate(path, headers, caseRate ?? rate);
    const sorted = [...run.latencies].sort((a, b) => a - b);
    const figures = {
      requests: run.latencies.length,
      errors: run.errors,
      requestsPerSecond: Math.round((run.latencies.length / run.ms) * 1000),
      p50Ms: Math.round(percentile(sorted, 50) * 100) / 100,
      p99Ms: Math.round(percentile(sorted, 99) * 100) / 100,
      maxMs: Math.round(sorted.at(-1)! * 100) / 100,
    };
    results[name] = figures;
    console.log(`${name.padEnd(17)} ${figures.requestsPerSecond} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, max ${figures.maxMs} ms, ${figures.errors} errors`);
  }
  const rssKiB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1]);
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    servers: instances,
    rate,
    seconds,
    endpoints: results,
    serverPeakRssMiB: Math.round(rssKiB / 1024),
    target: { rate: 500, p99Ms: 20 },
    targetMet: ["summary", "instances"].every((k) => (results[k] as { p99Ms: number; errors: number }).p99Ms <= 20 && (results[k] as { errors: number }).errors === 0),
  };
  console.log(`server peak RSS ${report.serverPeakRssMiB} MiB; ${report.targetMet ? "target met" : "TARGET NOT MET"} (p99 ≤ 20 ms at ${rate} req/s for summary and instances)`);
  mkdirSync(join(import.meta.dirname, "results"), { recursive: true });
  writeFileSync(join(import.meta.dirname, "results", "serve.json"), `${JSON.stringify(report, null, 2)}\n`);
} finally {
  await pool.close();
  child.kill("SIGTERM");
}
