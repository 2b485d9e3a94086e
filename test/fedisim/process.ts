/**
 * fedisim in a process of its own (test/fedisim/cli.ts), for when the
 * simulator must keep answering while the process under test is busy or
 * blocked: the crawl benchmark, and tests of a starved crawler.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface FedisimProcessOptions {
  readonly domains: number;
  readonly seed: number;
  /** Where the simulator writes crawler.env, domains.txt, truth.jsonl, hosts and ca.pem. */
  readonly dir: string;
  readonly latency: { readonly medianMs: number; readonly p99Ms?: number };
  /** Percent of listed domains from the hostile families (cli.ts --hostile). @default 0 */
  readonly hostilePercent?: number;
  /** Issue every certificate before serving (cli.ts --certificates-upfront). @default false */
  readonly certificatesUpfront?: boolean;
  /** Longest wait for the simulator to be ready. @default 60000 */
  readonly readyTimeoutMs?: number;
}

export interface FedisimProcess {
  readonly pid: number;
  /** The VMCRAWL_* settings that point vmcrawl at it (crawler.env). */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startFedisimProcess(options: FedisimProcessOptions): Promise<FedisimProcess> {
  const cli = join(import.meta.dirname, "cli.ts");
  const latency = ["--latency-median", String(options.latency.medianMs), ...(options.latency.p99Ms === undefined ? [] : ["--latency-p99", String(options.latency.p99Ms)])];
  const child = spawn(process.execPath, [cli, "--domains", String(options.domains), "--seed", String(options.seed), "--out", options.dir, ...latency, ...(options.hostilePercent ? ["--hostile", String(options.hostilePercent)] : []), ...(options.certificatesUpfront === true ? ["--certificates-upfront"] : [])], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      let text = "";
      const timer = setTimeout(() => reject(new Error(`simulator not ready within ${options.readyTimeoutMs ?? 60_000} ms`)), options.readyTimeoutMs ?? 60_000);
      child.stdout.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("Ctrl-C to stop")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`simulator exited with ${code} before it was ready`));
      });
    });
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  child.stdout.resume(); // later output must not fill the pipe
  const env = Object.fromEntries(
    readFileSync(join(options.dir, "crawler.env"), "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split("=", 2) as [string, string]),
  );
  return {
    pid: child.pid!,
    env,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      await exited;
    },
  };
}
