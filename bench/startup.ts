/**
 * Start-up benchmark of the single binary: cold start of `vmcrawl --version`
 * and `--help` (the CLI shell alone), `vmcrawl --db` on a fresh SQLite file
 * (config, addon from the binary, migrations, one lookup) and `manage dni
 * count` on a migrated one, with and without the SEA code cache, each against
 * the pinned Node doing nothing (`node -e 0`) run just before it, so a slow
 * moment of the machine weighs on both (the ratio is the median of the pairs).
 * Prints the figures and writes bench/results/startup.json.
 *
 *   npm run build && node bench/startup.ts [--runs 30]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const root = join(import.meta.dirname, "..");
const { values } = parseArgs({ options: { runs: { type: "string", default: "30" } } });
const runs = Number(values.runs);

interface Timing {
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly minMs: number;
}

function time(binary: string, args: (i: number) => string[], env: (i: number) => Record<string, string>): Timing {
  spawnSync(binary, args(-1), { env: env(-1) }); // warm the page cache and the addon cache; we measure process start, not disk
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(binary, args(i), { env: env(i), encoding: "utf8" });
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.status !== 0) throw new Error(`${binary} ${args(i).join(" ")} failed: ${result.stderr}`);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => Math.round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]! * 10) / 10;
  return { medianMs: at(0.5), p90Ms: at(0.9), minMs: at(0) };
}

interface Paired extends Timing {
  /** Median over the runs of this command's time ÷ bare Node's, run just before it. */
  readonly timesNode: number;
}

/** `args` of `binary` against `node -e 0`, in pairs. */
function paired(binary: string, args: (i: number) => string[], env: (i: number) => Record<string, string>): Paired {
  spawnSync(binary, args(-1), { env: env(-1) });
  const ours: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const node = clock(process.execPath, ["-e", "0"], { PATH: "/nonexistent" });
    const mine = clock(binary, args(i), env(i));
    ours.push(mine);
    ratios.push(mine / node);
  }
  const timing = summary(ours);
  return { ...timing, timesNode: Math.round(summary(ratios).medianMs * 100) / 100 };
}

function clock(binary: string, args: string[], env: Record<string, string>): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(binary, args, { env, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${binary} ${args.join(" ")} failed: ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function summary(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
  return { medianMs: at(0.5), p90Ms: at(0.9), minMs: at(0) };
}

function measure(binary: string) {
  const home = mkdtempSync(join(tmpdir(), "vmcrawl-bench-"));
  const fresh = (i: number) => ({ HOME: home, PATH: "/nonexistent", VMCRAWL_SQLITE_PATH: join(home, `fresh-${i}.db`) });
  const migrated = () => ({ HOME: home, PATH: "/nonexistent", VMCRAWL_SQLITE_PATH: join(home, "migrated.db") });
  const result = {
    sizeMiB: Math.round((statSync(binary).size / 1024 / 1024) * 10) / 10,
    version: paired(binary, () => ["--version"], fresh),
    help: paired(binary, () => ["--help"], fresh),
    lookupFreshDb: paired(binary, () => ["--db", "example.social"], fresh),
    dniCount: paired(binary, () => ["manage", "dni", "count"], migrated),
  };
  rmSync(home, { recursive: true, force: true });
  return result;
}

// What any Node program pays before running a line of ours: the pinned Node with an empty script.
const nodeAlone = time(process.execPath, () => ["-e", "0"], () => ({ PATH: "/nonexistent" }));
const withCache = measure(join(root, "dist", "vmcrawl"));
const variantDir = mkdtempSync(join(tmpdir(), "vmcrawl-nocache-"));
execFileSync(process.execPath, [join(root, "build.ts"), "--no-code-cache", "--outdir", variantDir], { stdio: "ignore" });
const withoutCache = measure(join(variantDir, "vmcrawl"));
rmSync(variantDir, { recursive: true, force: true });

const report = { date: new Date().toISOString(), node: process.version, runs, nodeAlone, codeCache: withCache, noCodeCache: withoutCache };
console.log(`binary size: ${withCache.sizeMiB} MiB`);
console.log(`node -e 0 (baseline): median ${nodeAlone.medianMs} ms (p90 ${nodeAlone.p90Ms})`);
for (const [label, r] of [["code cache on ", withCache], ["code cache off", withoutCache]] as const) {
  const line = (name: string, t: Paired) => `${name} median ${t.medianMs} ms (p90 ${t.p90Ms}, ${t.timesNode}x node)`;
  console.log(`${label}: ${[line("--version", r.version), line("--help", r.help), line("--db on a fresh file", r.lookupFreshDb), line("manage dni count", r.dniCount)].join("; ")}`);
}
mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(join(root, "bench", "results", "startup.json"), `${JSON.stringify(report, null, 2)}\n`);
console.log("wrote bench/results/startup.json");
