/**
 * Crawl benchmark: the built binary crawls a simulated fediverse with its
 * latency distribution (median 40 ms, 99th percentile 1.5 s per response),
 * `vmcrawl --file domains.txt` into a fresh SQLite file, at several
 * concurrencies. Prints wall time, domains/s, CPU seconds, peak RSS and
 * efficiency = ideal time / measured time, where the ideal time is what the
 * scenario's latencies allow at that concurrency: each domain needs its
 * sequential round trips times its latency (plus the timeouts its failure
 * costs), and a perfect crawler with that many workers takes the domains in
 * file order (idealSeconds). Every outcome line is also checked against the
 * scenario's ground truth: speed that costs right answers is not speed.
 * Concurrencies of 64 and more run once per `--probe-threads` setting
 * (VMCRAWL_PROBE_THREADS). Before each run the binary leaves the page cache
 * (evictFromPageCache), so peak RSS is that of a binary read from disk. Writes
 * bench/results/crawl.json.
 *
 *   npm run build && node bench/crawl.ts [--domains 10000] [--concurrency 2,64,256] [--probe-threads 0,2] [--small 1000] [--binary dist/vmcrawl] [--hostile 10]
 *
 * `--hostile PERCENT` runs every configuration twice: on the clean scenario, then on the same
 * size with that share of domains from fedisim's hostile families (HOSTILE_FAMILIES), and prints
 * the two side by side. The ideal time then counts the per-host limit a courteous crawler keeps
 * at a host that many domains share (idealSeconds).
 *
 * `--binary` runs another build (a copy of an earlier dist/vmcrawl, say) against the same scenario,
 * to compare two builds in turns on one machine.
 *
 * MALLOC_* and GLIBC_TUNABLES in the bench's environment reach the crawler (e.g. MALLOC_ARENA_MAX=2).
 *
 * Concurrency 2 (the upstream default) would take most of an hour on 10,000 domains; it runs on
 * the first `--small` domains of the same scenario, and its efficiency compares like with like.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startFedisimProcess } from "../test/fedisim/process.ts";
import { generateScenario } from "../test/fedisim/scenario.ts";
import type { DomainSpec } from "../test/fedisim/spec.ts";
import { idealSeconds, LATENCY, rateNeeded } from "./support/ideal.ts";

const root = join(import.meta.dirname, "..");
const { values } = parseArgs({
  options: { binary: { type: "string", default: join(root, "dist", "vmcrawl") }, domains: { type: "string", default: "10000" }, concurrency: { type: "string", default: "2,64,256" }, "probe-threads": { type: "string", default: "0,2" }, small: { type: "string", default: "1000" }, seed: { type: "string", default: "1" }, hostile: { type: "string", default: "0" } },
});
const domains = Number(values.domains);
const small = Number(values.small);
const seed = Number(values.seed);
const concurrencies = values.concurrency.split(",").map(Number);
const probeThreads = values["probe-threads"].split(",").map(Number);
const binary = resolve(values.binary);
const hostilePercent = Number(values.hostile);
if (!(hostilePercent >= 0 && hostilePercent <= 100)) throw new Error(`--hostile ${values.hostile}: a percentage from 0 to 100 is expected`);
if (!existsSync(binary)) throw new Error(`--binary ${values.binary}: no such file (build one with: npm run build)`);


/** Outcome lines (`<time> <domain> <kind> …`) that disagree with the ground truth, as "want → got". */
function wrongAnswers(stdout: string, specs: readonly DomainSpec[]): string[] {
  const byName = new Map(specs.map((s) => [s.name, s.truth]));
  const wrong: string[] = [];
  for (const line of stdout.split("\n")) {
    const [, name, kind, detail] = line.split(" ");
    const truth = name === undefined ? undefined : byName.get(name);
    if (truth === undefined || kind === "heartbeat:") continue;
    const want = truth.kind === "error" ? `error ${truth.error_class}/${truth.cause}` : truth.kind;
    const got = kind === "error" ? `error ${detail}` : kind;
    if (got !== want) wrong.push(`${name}: ${want} → ${got}`);
  }
  return wrong;
}

interface Result {
  hostilePercent: number;
  concurrency: number;
  probeThreads: number;
  domains: number;
  wallSeconds: number;
  domainsPerSecond: number;
  idealSeconds: number;
  efficiency: number;
  cpuSeconds: number;
  peakRssMiB: number;
  cpuMsPerDomain: number;
  wrongAnswers: number;
  heldBack: number;
  machineBusyPercent: number;
}

/** The machine's CPU time so far (all cores, in clock ticks), busy and idle, from /proc/stat. */
function machineCpu(): { busy: number; idle: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait };
}

/**
 * Drop the binary's pages from the page cache, so each run maps it as a binary read from disk.
 * Right after `npm run build` wrote it in one go, the cache holds it in large folios, and every
 * page of those the process touches counts towards its RSS: about 16 MiB more than a copied or
 * re-read binary, which is not what runs on a server.
 */
function evictFromPageCache(file: string): void {
  for (const [command, args] of [["sync", [file]], ["dd", [`if=${file}`, "iflag=nocache", "count=0", "status=none"]]] as const) {
    const done = spawnSync(command, args, { encoding: "utf8" });
    if (done.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${done.status}): ${done.stderr}`);
  }
}

// The crawler's environment is built from scratch; glibc's allocator settings pass through, to compare.
const allocatorEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith("MALLOC_") || name === "GLIBC_TUNABLES"));

const results: Result[] = [];
for (const hostile of hostilePercent > 0 ? [0, hostilePercent] : [0]) {
  console.log(hostile === 0 ? "clean scenario" : `scenario with ${hostile}% hostile domains`);
  results.push(...(await runScenario(hostile)));
}

/** Every configuration against one simulator serving the scenario with `hostile` percent hostile domains. */
async function runScenario(hostile: number): Promise<Result[]> {
  // The same scenario the simulator serves (same generator, seed, latency and share), for the ideal time.
  const scenario = generateScenario({ domains, seed, latency: LATENCY, hostile: hostile / 100 });
  const simDir = mkdtempSync(join(tmpdir(), "vmcrawl-bench-sim-"));
  const sim = await startFedisimProcess({ domains, seed, dir: simDir, latency: LATENCY, hostilePercent: hostile, certificatesUpfront: true });
  const results: Result[] = [];
  try {
    const allDomains = readFileSync(join(simDir, "domains.txt"), "utf8").trim().split("\n");
    const runs = concurrencies.flatMap((concurrency) => (concurrency < 64 ? [[concurrency, 0]] : probeThreads.map((threads) => [concurrency, threads])));
    for (const [concurrency, threads] of runs as [number, number][]) {
      const count = concurrency <= 2 ? Math.min(small, domains) : domains;
      const specs = scenario.listed.slice(0, count);
      const home = mkdtempSync(join(tmpdir(), "vmcrawl-bench-home-"));
      const list = join(home, "domains.txt");
      writeFileSync(list, `${allDomains.slice(0, count).join("\n")}\n`);
      const env = { HOME: home, PATH: "/usr/bin:/bin", ...sim.env, VMCRAWL_MAX_THREADS: String(concurrency), VMCRAWL_PROBE_THREADS: String(threads), VMCRAWL_PROGRESS_HEARTBEAT_SECONDS: "3600", ...allocatorEnv };
      process.stdout.write(`concurrency ${concurrency}, probe threads ${threads}: crawling ${count} domains… `);
      evictFromPageCache(binary);
      const cpuBefore = machineCpu();
      const run = spawnSync("/usr/bin/time", ["-f", "TIME %e %U %S %M", binary, "--file", list], { env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
      const time = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(run.stderr);
      if (run.status !== 0 || time === null) throw new Error(`crawl failed (exit ${run.status}): ${run.stderr.slice(-2000)}`);
      const [wall, user, system, rssKiB] = time.slice(1).map(Number) as [number, number, number, number];
      const cpuAfter = machineCpu();
      const ideal = idealSeconds(specs, concurrency);
      const wrong = wrongAnswers(run.stdout, specs);
      const result = {
        hostilePercent: hostile,
        concurrency,
        probeThreads: threads,
        domains: count,
        wallSeconds: wall,
        domainsPerSecond: Math.round((count / wall) * 10) / 10,
        idealSeconds: Math.round(ideal * 10) / 10,
        efficiency: Math.round((ideal / wall) * 100) / 100,
        cpuSeconds: Math.round((user + system) * 10) / 10,
        peakRssMiB: Math.round(rssKiB / 1024),
        cpuMsPerDomain: Math.round(((user + system) / count) * 10000) / 10,
        // All cores, crawler and simulator together: near 100% means the run was CPU-bound.
        machineBusyPercent: Math.round((100 * (cpuAfter.busy - cpuBefore.busy)) / (cpuAfter.busy - cpuBefore.busy + cpuAfter.idle - cpuBefore.idle)),
        wrongAnswers: wrong.length,
        // Domains the load gate held back (the run's closing warning): the crawler was short of CPU.
        heldBack: Number(/(\d+) domains waited to start/.exec(run.stderr)?.[1] ?? 0),
      };
      results.push(result);
      console.log(`${wall} s, ${result.domainsPerSecond}/s, efficiency ${result.efficiency} (ideal ${result.idealSeconds} s), CPU ${result.cpuSeconds} s (${result.cpuMsPerDomain} ms a domain), peak RSS ${result.peakRssMiB} MiB, ${wrong.length} answers unlike the ground truth, ${result.heldBack} domains held back, machine ${result.machineBusyPercent}% busy`);
      for (const line of wrong.slice(0, 5)) console.log(`  wrong: ${line}`);
      if (concurrency >= 64) {
        const rate = rateNeeded(specs, ideal / 0.85);
        console.log(`  efficiency 0.85 here means starting ${Math.round(rate)} domains a second; at ${result.cpuMsPerDomain} ms of CPU each that is ${((rate * result.cpuMsPerDomain) / 1000).toFixed(2)} cores for the crawler alone`);
      }
      rmSync(home, { recursive: true, force: true });
    }
  } finally {
    await sim.stop();
    rmSync(simDir, { recursive: true, force: true });
  }
  return results;
}

console.log("\n| hostile | concurrency | probe threads | domains | wall time | domains/s | ideal | efficiency | CPU | CPU a domain | peak RSS | wrong answers | held back | machine busy |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of results) {
  console.log(`| ${r.hostilePercent}% | ${r.concurrency} | ${r.probeThreads} | ${r.domains} | ${r.wallSeconds} s | ${r.domainsPerSecond} | ${r.idealSeconds} s | ${r.efficiency} | ${r.cpuSeconds} s | ${r.cpuMsPerDomain} ms | ${r.peakRssMiB} MiB | ${r.wrongAnswers} | ${r.heldBack} | ${r.machineBusyPercent}% |`);
}
mkdirSync(join(root, "bench", "results"), { recursive: true });
if (hostilePercent > 0) {
  console.log(`\nwith ${hostilePercent}% hostile domains, beside the clean run:`);
  for (const r of results.filter((x) => x.hostilePercent > 0)) {
    const clean = results.find((x) => x.hostilePercent === 0 && x.concurrency === r.concurrency && x.probeThreads === r.probeThreads)!;
    console.log(`  concurrency ${r.concurrency}, probe threads ${r.probeThreads}: efficiency ${clean.efficiency} → ${r.efficiency} (${(r.efficiency - clean.efficiency).toFixed(2)}), peak RSS ${clean.peakRssMiB} → ${r.peakRssMiB} MiB`);
  }
}
writeFileSync(join(root, "bench", "results", "crawl.json"), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, seed, latency: LATENCY, hostilePercent, results }, null, 2)}\n`);
console.log("wrote bench/results/crawl.json");
