/**
 * Peers benchmark: one server of the simulated fediverse publishes a
 * 1,000,000-entry peers list (about 20 MB); the built binary fetches it with
 * `vmcrawl fetch --target <server> --no-crawl` into a fresh SQLite file:
 * robots.txt, the stream, admission of every entry and the inserts of every
 * new name. Prints wall time, entries/s and peak RSS (GNU time), and the
 * admission alone in this process (reader + admission, no network, no
 * database), and writes bench/results/peers.json.
 * Targets: the whole fetch ≤ 10 s and peak RSS ≤ 300 MB.
 *
 *   npm run build && node bench/peers.ts [--entries 1000000]
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { admitPeer } from "../src/peers/admit.ts";
import { JsonArrayStream } from "../src/peers/json-stream.ts";
import { generateScenario, startFedisim } from "../test/fedisim/index.ts";
import { generatedPeer } from "../test/fedisim/respond.ts";

const root = join(import.meta.dirname, "..");
const { values } = parseArgs({ options: { entries: { type: "string", default: "1000000" } } });
const entries = Number(values.entries);

function admissionAlone(): { seconds: number; admitted: number } {
  const rules = { tlds: new Set(["social"]), hardDni: new Set(["blocked.social"]) };
  let admitted = 0;
  const reader = new JsonArrayStream((entry) => {
    if (admitPeer(entry, rules).ok) admitted++;
  });
  const started = performance.now();
  reader.write(Buffer.from("["));
  for (let start = 0; start < entries; start += 4096) {
    const names: string[] = [];
    for (let i = start; i < Math.min(entries, start + 4096); i++) names.push(`"${generatedPeer(i)}"`);
    reader.write(Buffer.from((start === 0 ? "" : ",") + names.join(",")));
  }
  reader.write(Buffer.from("]"));
  reader.end();
  return { seconds: (performance.now() - started) / 1000, admitted };
}

function run(binary: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("/usr/bin/time", ["-f", "TIME %e %U %S %M", binary, ...args], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const alone = admissionAlone();
console.log(`admission alone (reader + admission, in process): ${entries} entries in ${alone.seconds.toFixed(2)} s = ${Math.round(entries / alone.seconds)} entries/s`);

const scenario = generateScenario({ domains: 20, seed: 1, hugePeers: true, hugePeersCount: entries, latency: { medianMs: 0 } });
const huge = scenario.listed.find((s) => s.family === "mastodon-huge-peers")!;
const sim = await startFedisim(scenario, { logRequests: false, files: { "tlds.fedisim.test": { "/tlds.txt": "# bench\nSOCIAL\nCOM\n" } } });
try {
  const home = mkdtempSync(join(tmpdir(), "vmcrawl-bench-peers-"));
  const env = { HOME: home, PATH: "/usr/bin:/bin", ...sim.crawlerEnv, VMCRAWL_TLD_URL: "https://tlds.fedisim.test/tlds.txt", VMCRAWL_PROGRESS_HEARTBEAT_SECONDS: "3600" };
  const fetchOnce = async (expectAdded: number) => {
    const result = await run(join(root, "dist", "vmcrawl"), ["fetch", "--target", huge.name, "--no-crawl"], env);
    const time = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(result.stderr);
    const added = Number(/ (\d+) new domains?, /.exec(result.stderr)?.[1]);
    if (result.code !== 0 || time === null || added !== expectAdded) throw new Error(`fetch failed (exit ${result.code}, ${added} added): ${result.stderr.slice(-2000)}`);
    return [...(time.slice(1).map(Number) as [number, number, number, number]), added] as const;
  };
  const [wall, user, system, rssKiB, added] = await fetchOnce(entries);
  // The same list again: every name is known now (the usual case for a server asked every day).
  const [againWall, , , againRssKiB] = await fetchOnce(0);
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    entries,
    fetch: { wallSeconds: wall, entriesPerSecond: Math.round(entries / wall), cpuSeconds: Math.round((user + system) * 10) / 10, peakRssMiB: Math.round(rssKiB / 1024), added },
    again: { wallSeconds: againWall, peakRssMiB: Math.round(againRssKiB / 1024) },
    admissionAlone: { seconds: Math.round(alone.seconds * 100) / 100, entriesPerSecond: Math.round(entries / alone.seconds) },
    targets: { wallSeconds: 10, peakRssMiB: 300 },
    targetsMet: Math.max(wall, againWall) <= 10 && Math.max(rssKiB, againRssKiB) / 1024 <= 300,
  };
  console.log(`vmcrawl fetch --target (stream, admission, ${added} inserts): ${wall} s = ${report.fetch.entriesPerSecond} entries/s, CPU ${report.fetch.cpuSeconds} s, peak RSS ${report.fetch.peakRssMiB} MiB (targets ≤ 10 s, ≤ 300 MB)`);
  console.log(`the same list again, every name known: ${againWall} s, peak RSS ${report.again.peakRssMiB} MiB`);
  console.log(report.targetsMet ? "targets met" : "TARGETS NOT MET");
  mkdirSync(join(import.meta.dirname, "results"), { recursive: true });
  writeFileSync(join(import.meta.dirname, "results", "peers.json"), `${JSON.stringify(report, null, 2)}\n`);
} finally {
  await sim.close();
}
