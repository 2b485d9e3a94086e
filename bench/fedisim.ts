/**
 * fedisim under load: one simulator process serving 10,000 domains, every
 * domain visited `--passes` times, each visit over a fresh TLS connection.
 * Prints the simulator's RSS as the visits progress and the visit rate;
 * memory must stop growing once every domain has been seen (steady state).
 * Writes bench/results/fedisim.json.
 *
 *   node bench/fedisim.ts [--domains 10000] [--concurrency 64] [--passes 3]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import { startFedisimProcess } from "../test/fedisim/process.ts";

const root = join(import.meta.dirname, "..");
const { values } = parseArgs({ options: { domains: { type: "string", default: "10000" }, concurrency: { type: "string", default: "64" }, passes: { type: "string", default: "3" } } });
const passes = Number(values.passes);
const domains = Number(values.domains);
const concurrency = Number(values.concurrency);
const out = mkdtempSync(join(tmpdir(), "fedisim-bench-"));

const sim = await startFedisimProcess({ domains, seed: 1, dir: out, latency: { medianMs: 0 } });
const env = sim.env;
const hosts = new Map(readFileSync(join(out, "hosts"), "utf8").trim().split("\n").map((l) => l.split(" ").reverse() as [string, string]));
const truth = readFileSync(join(out, "truth.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { domain: string });
const ascii = (name: string) => new URL(`https://${name}`).hostname;
// Domains reachable on the main address (others fail before TLS, or stall it on purpose).
const targets = truth.map((t) => ascii(t.domain)).filter((d) => hosts.get(d) === "127.0.0.1");
const ca = readFileSync(env.VMCRAWL_CA_FILE!, "utf8");
const port = env.VMCRAWL_HTTPS_PORT;

function rssMiB(): number {
  const status = readFileSync(`/proc/${sim.pid}/status`, "utf8");
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

const samples: { visited: number; rssMiB: number }[] = [{ visited: 0, rssMiB: rssMiB() }];
let visited = 0;
let failures = 0;
const started = performance.now();
for (let pass = 0; pass < passes; pass++) {
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const domain = targets[next++]!;
      // A new agent per visit: a fresh connection and TLS handshake every time.
      const agent = new Agent({ allowH2: true, connect: { ca, timeout: 3000, lookup: (_h, _o, cb) => cb(null, [{ address: "127.0.0.1", family: 4 }]) } });
      try {
        const res = await request(`https://${domain}:${port}/.well-known/nodeinfo`, { dispatcher: agent, headersTimeout: 3000, bodyTimeout: 3000 });
        await res.body.dump({ limit: 1 << 20 });
      } catch {
        failures++;
      } finally {
        await agent.destroy();
      }
      visited++;
      if (visited % 1000 === 0) samples.push({ visited, rssMiB: rssMiB() });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
const seconds = (performance.now() - started) / 1000;
await sim.stop();
rmSync(out, { recursive: true, force: true });

const afterWarmup = samples.find((s) => s.visited >= Math.min(2000, visited))?.rssMiB ?? samples[0]!.rssMiB;
const halfway = samples.find((s) => s.visited >= visited / 2)?.rssMiB ?? afterWarmup;
const peak = Math.max(...samples.map((s) => s.rssMiB));
const report = {
  date: new Date().toISOString(),
  node: process.version,
  domains,
  visits: visited,
  failures,
  seconds: Math.round(seconds * 10) / 10,
  visitsPerSecond: Math.round(visited / seconds),
  rssMiB: { start: samples[0]!.rssMiB, afterWarmup, halfway, peak, end: samples.at(-1)!.rssMiB, growthOverSecondHalf: samples.at(-1)!.rssMiB - halfway },
  samples,
};
console.log(`fedisim: ${domains} domains, ${visited} visits over fresh TLS connections in ${report.seconds} s (${report.visitsPerSecond}/s), ${failures} failed as designed`);
console.log(`simulator RSS MiB: start ${report.rssMiB.start}, after warm-up ${afterWarmup}, halfway ${halfway}, peak ${peak}, end ${report.rssMiB.end} (growth over the second half of the visits: ${report.rssMiB.growthOverSecondHalf})`);
console.log(`RSS by visits: ${samples.map((s) => `${s.visited}:${s.rssMiB}`).join(" ")}`);
mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(join(root, "bench", "results", "fedisim.json"), `${JSON.stringify(report, null, 2)}\n`);
