/**
 * Builds dist/vmcrawl: one file that runs with no Node and no node_modules.
 *
 *   src/main.ts ──esbuild──▶ dist/vmcrawl.cjs ──node --experimental-sea-config──▶ dist/sea-prep.blob
 *   node binary (pinned, stripped) + blob ──postject──▶ dist/vmcrawl
 *
 * The SQLite addon rides along as an SEA asset (see src/store/native.ts).
 * Run with the pinned Node: `npm run build` (node_modules/.bin/node comes first on PATH).
 */
import { build, type Plugin } from "esbuild";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PROBE_WORKER_ASSET } from "./src/crawl/probe-pool.ts";
import { SQLITE_ADDON_ASSET } from "./src/store/native.ts";

const root = import.meta.dirname;
const { values: options } = parseArgs({
  options: {
    // For bench/startup.ts, which measures what the V8 code cache buys at start-up.
    "no-code-cache": { type: "boolean", default: false },
    outdir: { type: "string", default: join(root, "dist") },
  },
});
const dist = resolve(options.outdir);
const bundle = join(dist, "vmcrawl.cjs");
const workerBundle = join(dist, PROBE_WORKER_ASSET);
const blob = join(dist, "sea-prep.blob");
const binary = join(dist, "vmcrawl");
const require = createRequire(import.meta.url);

/** ssh2 tries optional native parts (cpu-features, sshcrypto.node); make them fail to load so it uses its pure-JS code. */
const ssh2WithoutNativeParts: Plugin = {
  name: "ssh2-without-native-parts",
  setup(b) {
    b.onResolve({ filter: /^cpu-features$|sshcrypto\.node$/ }, (args) => ({ path: args.path, namespace: "absent-native" }));
    b.onLoad({ filter: /.*/, namespace: "absent-native" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not bundled`)});`,
      loader: "js",
    }));
  },
};

function step<T>(label: string, work: () => T): T {
  const started = performance.now();
  const result = work();
  console.log(`build: ${label} (${Math.round(performance.now() - started)} ms)`);
  return result;
}

/** VMCRAWL_BUILD_MINIFY=0: a build for CPU profiles (names and lines kept), not for shipping. */
const minify = process.env.VMCRAWL_BUILD_MINIFY !== "0";

/**
 * The V8 flags the binary starts with (SEA execArgv). A crawler on a small VPS: keep the heap
 * small. The young generation is what grows unchecked under load (measured: 400 MiB peak RSS for
 * 2,000 domains without). Semi-spaces of 4 MiB rather than 8 take 5-8 MiB off the peak at 256
 * domains at a time, for no CPU the benchmark can tell; 2 MiB cost 8% more. With a 256 MiB old
 * space V8 lets the old generation grow only about 1.3 times its live size between full
 * collections: at 256 domains at a time, one every 200 ms (about 100 a run). 1.6 times
 * (heap-growing-percent) halves them: 10% less CPU and 1.2 s off 34 s, for 7-9 MiB more peak
 * (paired runs of bench/crawl.ts at 256). NODE_OPTIONS can still override the sizes.
 */
const V8_FLAGS = ["--max-semi-space-size=4", "--max-old-space-size=256", "--heap-growing-percent=60"];

/** What the shipped bundle must not hold. */
function checkShippedBundle(code: string): void {
  // Inside an SEA with the code cache, import() of a file cannot work; every import must be bundled.
  const dynamicImports = code.match(/\bimport\((?!["']node:)[^)]*\)/g) ?? [];
  if (dynamicImports.length > 0) throw new Error(`the bundle still has dynamic imports: ${dynamicImports.slice(0, 3).join(", ")}`);
  // One character outside ASCII makes V8 hold the whole source as UTF-16, twice its size in memory
  // for the life of the process; esbuild escapes them everywhere but in String.raw templates.
  const wide = /[^\x00-\x7f]/.exec(code);
  if (wide !== null) throw new Error(`the bundle has a character outside ASCII (${JSON.stringify(code.slice(Math.max(0, wide.index - 40), wide.index + 10))}): write it as an escape or HTML entity`);
}

async function main(): Promise<void> {
  if (!process.version.startsWith("v24.")) {
    throw new Error(`build.ts must run on the pinned Node 24 (got ${process.version}); use: npm run build`);
  }
  mkdirSync(dist, { recursive: true });
  // Only our own outputs are removed: --outdir may point at a directory holding other things.
  for (const file of [bundle, blob, binary]) rmSync(file, { force: true });

  const started = performance.now();
  const common = {
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node24",
    // VMCRAWL_BUILD_MINIFY=0 keeps names and lines readable for CPU profiles, each module under
    // a comment naming its file.
    minifyWhitespace: minify,
    minifySyntax: true,
    minifyIdentifiers: minify,
    // Dependencies read class names at run time: ssh2 (`channel.constructor.name === "Session"`),
    // postgres.js (its errors' `name`), @hono/node-server (TimeoutError). Costs about 0.7% of CPU.
    keepNames: true,
    legalComments: "none",
    logLevel: "warning",
  } as const;
  // The probe worker thread's code is a bundle of its own, next to the main one and, in the binary,
  // an SEA asset (an SEA has no files to start a Worker from): kept out of the main script, which
  // every command, --version included, has to load (src/crawl/probe-pool.ts).
  await build({ ...common, entryPoints: [join(root, "src/crawl/probe-worker.ts")], outfile: workerBundle });
  await build({
    ...common,
    entryPoints: [join(root, "src/main.ts")],
    outfile: bundle,
    loader: { ".sql": "text" },
    plugins: [ssh2WithoutNativeParts],
    define: { __VMCRAWL_PROBE_WORKER__: JSON.stringify(PROBE_WORKER_ASSET), __VMCRAWL_BUILD_DATE__: JSON.stringify(new Date().toISOString().slice(0, 10)) },
  });
  console.log(`build: bundle ${kib(bundle)} KiB, the probe worker's ${kib(workerBundle)} KiB (${Math.round(performance.now() - started)} ms)`);

  // Unminified (a profiling build), comments stay, and they name types with import("...") and hold
  // text outside ASCII: the checks are for the minified build, the one that ships.
  if (minify) for (const file of [bundle, workerBundle]) checkShippedBundle(readFileSync(file, "utf8"));

  const addon = require.resolve("better-sqlite3/package.json").replace(/package\.json$/, `prebuilds/${process.platform}-${process.arch}.node`);
  const seaConfig = join(dist, "sea-config.json");
  writeFileSync(
    seaConfig,
    JSON.stringify({
      main: bundle,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: !options["no-code-cache"],
      useSnapshot: false,
      execArgv: V8_FLAGS,
      assets: { [SQLITE_ADDON_ASSET]: addon, [PROBE_WORKER_ASSET]: workerBundle },
    }),
  );
  // The code cache is made under the same V8 flags the binary starts with: V8 rejects a cache made
  // under others (heap-growing-percent is one it checks), with a warning on every start.
  step("SEA blob", () => execFileSync(process.execPath, [...V8_FLAGS, "--experimental-sea-config", seaConfig], { stdio: "inherit" }));

  copyFileSync(process.execPath, binary);
  chmodSync(binary, 0o755);
  step("strip the Node binary", () => {
    try {
      execFileSync("strip", ["--strip-all", binary], { stdio: "inherit" });
    } catch {
      console.log("build: strip not found; the binary stays unstripped (about 17 MiB larger)");
    }
  });

  step("inject the blob", () => {
    const cli = require.resolve("postject/dist/cli.js");
    const result = spawnSync(process.execPath, [cli, binary, "NODE_SEA_BLOB", blob, "--sentinel-fuse", "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2"], { encoding: "utf8" });
    // postject's ELF library warns about every note section it cannot name; the warnings are harmless noise.
    const output = `${result.stdout}${result.stderr}`.split("\n").filter((line) => line.trim() !== "" && !/Can't find string offset for section name '\.note/.test(line));
    if (output.length > 0) console.log(output.join("\n"));
    if (result.status !== 0) throw new Error(`postject failed with exit code ${result.status}`);
  });
  rmSync(blob);
  rmSync(seaConfig);

  const smoke = execFileSync(binary, ["--version"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" }, cwd: dirname(binary) }).trim();
  console.log(`build: ${resolve(binary)} ${mib(binary)} MiB, "${smoke}" (${Math.round(performance.now() - started)} ms in all)`);
}

const kib = (file: string) => Math.round(statSync(file).size / 1024);
const mib = (file: string) => (statSync(file).size / 1024 / 1024).toFixed(1);

main().catch((err: unknown) => {
  console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
