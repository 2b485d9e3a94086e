/**
 * `vmcrawl stats velocity [--branch B] [--release V] [--json | --csv]`: how fast each release
 * reached its branch's servers and users (src/stats/velocity.ts), from the per-version counts
 * recorded with each day's statistics and the publication days `manage versions update` keeps.
 */
import { defineCommand } from "citty";
import { UsageError } from "../errors.ts";
import type { Adoption, Reached } from "../stats/velocity.ts";
import { loadExposure, loadVelocity, type ReleaseVelocity, velocityChoice, velocityJson } from "../stats/velocity-report.ts";
import { renderExposure } from "./stats-exposure.ts";
import { describeStorage } from "../store/index.ts";
import { println, runtimeOf, withStore } from "./_shared.ts";

const BARS = "▁▂▃▄▅▆▇█";

/** The share over the last 30 recorded days, one character each; a day with no share is a space. */
function sparkline(a: Adoption): string {
  return a.points
    .slice(-30)
    .map((p) => (p.serverShare === undefined ? " " : BARS[Math.min(BARS.length - 1, Math.floor(p.serverShare * BARS.length))]))
    .join("");
}

const pct = (share: number | undefined) => (share === undefined ? "–" : `${Math.round(share * 100)}%`);

function reachedText(reached: Reached | undefined, now: number | undefined): string {
  if (reached === undefined) return `not yet (now ${pct(now)})`;
  return `${reached.atMost ? "≤ " : ""}${reached.days} ${reached.days === 1 ? "day" : "days"}`;
}

export function renderVelocity(report: readonly ReleaseVelocity[], storage: string): string {
  if (report.length === 0) {
    return `No release to show in ${storage}: vmcrawl manage versions update reads the releases, and every day's statistics record the versions servers run.`;
  }
  const lines = [`How fast each release reached its branch's servers, in ${storage} (50% and 90% of the branch; the last 30 recorded days):`];
  for (const a of report) {
    const now = a.points.at(-1)?.serverShare;
    const partial = `${a.security ? "  security release" : ""}${a.partial ? "  (recording began after it was published)" : ""}`;
    lines.push(
      `  ${a.release.padEnd(9)} ${`(${a.branch}, published ${a.publishedOn})`.padEnd(28)} 50%: ${reachedText(a.servers[1], now).padEnd(20)} 90%: ${reachedText(a.servers[3], now).padEnd(20)} ${sparkline(a)}${partial}`,
    );
  }
  return lines.join("\n");
}

export function renderVelocityCsv(report: readonly Adoption[]): string {
  const rows = ["release,branch,published_on,partial,date,days,servers,users,server_share,user_share"];
  for (const a of report) {
    for (const p of a.points) rows.push([a.release, a.branch, a.publishedOn, a.partial, p.date, p.days, p.servers, p.users, p.serverShare ?? "", p.userShare ?? ""].join(","));
  }
  return `${rows.join("\n")}\n`;
}

export default defineCommand({
  meta: { name: "velocity", description: "How fast each release reached its branch: days to 25/50/75/90 % of servers and users" },
  args: {
    branch: { type: "string", valueHint: "B", description: "Only this branch's newest releases (4.5)" },
    release: { type: "string", valueHint: "V", description: "Only this release (4.5.3)" },
    json: { type: "boolean", description: "Print JSON: one object per release, with its curve" },
    csv: { type: "boolean", description: "Print CSV: one row per release and recorded day" },
  },
  async run(context) {
    const runtime = runtimeOf(context);
    const { branch, release, json, csv } = context.args;
    if (json === true && csv === true) throw new UsageError("--json and --csv each choose the output; use one");
    const choice = velocityChoice(branch, release);
    if ("expected" in choice) throw new UsageError(`--${choice.field} "${choice.given}" is not valid: expected ${choice.expected}`);
    const config = runtime.config();
    const [report, advisories] = await withStore(runtime, (store) => Promise.all([loadVelocity(store.query, choice), json === true || csv === true ? [] : loadExposure(store.query)]));
    if (json === true) return println(runtime, JSON.stringify(report.map(velocityJson), null, 2));
    if (csv === true) return void runtime.io.stdout.write(renderVelocityCsv(report));
    println(runtime, renderVelocity(report, describeStorage(config)));
    const exposed = renderExposure(advisories);
    if (exposed !== "") println(runtime, `\n${exposed}`);
  },
});
