/**
 * `npm run sim -- --domains N --seed S --out DIR [--port 443] [--bind 127.0.0.1] [--latency-median MS] [--latency-p99 MS] [--hostile PERCENT] [--certificates-upfront]`
 *
 * Starts a simulated fediverse and serves it until interrupted. When ready it writes into DIR:
 * crawler.env (source it to point vmcrawl here), domains.txt, truth.jsonl, hosts, ca.pem.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { generateScenario, startFedisim } from "./index.ts";

const usage = "usage: npm run sim -- --domains N --seed S --out DIR [--port P] [--bind 127.0.0.1] [--latency-median MS] [--latency-p99 MS] [--hostile PERCENT] [--certificates-upfront]";

function numberOption(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) {
    console.error(`sim: --${name} "${value}" must be a whole number of at least ${min}\n${usage}`);
    process.exit(2);
  }
  return n;
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      domains: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      port: { type: "string" },
      bind: { type: "string" },
      "latency-median": { type: "string" },
      "latency-p99": { type: "string" },
      hostile: { type: "string" },
      "certificates-upfront": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}
try {
  args = parse();
} catch (err) {
  console.error(`sim: ${(err as Error).message}\n${usage}`);
  process.exit(2);
}
if (args.values.help) {
  console.log(usage);
  process.exit(0);
}
if (args.values.out === undefined) {
  console.error(`sim: --out DIR is required\n${usage}`);
  process.exit(2);
}

const domains = numberOption("domains", args.values.domains, 1000, 1);
const seed = numberOption("seed", args.values.seed, 1, 0);
const port = numberOption("port", args.values.port, 0, 0);
const medianMs = numberOption("latency-median", args.values["latency-median"], 40, 0);
const p99Ms = numberOption("latency-p99", args.values["latency-p99"], 1500, 1);
const hostilePercent = numberOption("hostile", args.values.hostile, 0, 0);
if (hostilePercent > 100) {
  console.error(`sim: --hostile "${args.values.hostile}" must be a percentage from 0 to 100\n${usage}`);
  process.exit(2);
}
const out = resolve(args.values.out);

const started = performance.now();
const scenario = generateScenario({ domains, seed, latency: { medianMs, p99Ms }, hostile: hostilePercent / 100 });
const sim = await startFedisim(scenario, { port, bind: args.values.bind, dir: out, logRequests: false, certificatesUpfront: args.values["certificates-upfront"] });
sim.writeFiles(out);
console.log(
  `fedisim: ${scenario.listed.length} domains (seed ${seed}) on ${sim.addresses.main}:${sim.httpsPort}, DNS ${sim.dns.host}:${sim.dns.port}, ${sim.authorities.issued} certificates issued, ready in ${Math.round(performance.now() - started)} ms`,
);
console.log(`fedisim: wrote ${out}/{crawler.env,domains.txt,truth.jsonl,hosts,ca.pem}; Ctrl-C to stop`);

const stop = async (signal: string) => {
  console.log(`fedisim: ${signal}, stopping`);
  await sim.close();
  process.exit(0);
};
process.once("SIGINT", () => void stop("SIGINT"));
process.once("SIGTERM", () => void stop("SIGTERM"));
