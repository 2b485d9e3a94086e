/**
 * `vmcrawl stats`: the latest day's patch statistics (servers and monthly
 * users per branch, how many on a patched release, the EOL share) and the
 * history of the last `--days` days, as text, `--json` or `--csv`. Reads the
 * store (PostgreSQL in fleet mode); crawls and the daemon record the days.
 */
import { defineCommand } from "citty";
import { UsageError } from "../errors.ts";
import { advisoryImpact } from "../versions/advisories.ts";
import { loadSnapshot } from "../serve/data.ts";
import { branchesByRole, ROLES, share, type StatisticsDay, statisticsSince } from "../stats/history.ts";
import { readBranches } from "../versions/branches.ts";
import { describeStorage } from "../store/index.ts";
import { count, printable, thousands } from "../text.ts";
import type { ReleaseBranch } from "../versions/patch.ts";
import { println, runtimeOf, withStore } from "./_shared.ts";
import { metaOf } from "./catalogue.ts";

const MAX_DAYS = 3650;

export default defineCommand({
  meta: metaOf("stats"),
  subCommands: {
    velocity: () => import("./stats-velocity.ts").then((m) => m.default),
    exposure: () => import("./stats-exposure.ts").then((m) => m.default),
  },
  args: {
    days: { type: "string", valueHint: "N", description: `Days of history, today included (default 14, at most ${MAX_DAYS})` },
    json: { type: "boolean", description: "Print JSON: the branches, the latest day and the history" },
    csv: { type: "boolean", description: "Print the history as CSV, one row per day, every counter" },
  },
  async run(context) {
    const runtime = runtimeOf(context);
    const days = parseDays(context.args.days);
    if (context.args.json === true && context.args.csv === true) throw new UsageError("--json and --csv each choose the output; use one");
    const config = runtime.config();
    const first = new Date(Date.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    const { history, branches, impact } = await withStore(runtime, async (store) => ({
      history: await statisticsSince(store.query, first),
      branches: await readBranches(store.query),
      impact: await advisoryImpact(store.query, (await loadSnapshot(store.query, new Date())).all),
    }));
    if (context.args.json === true) return println(runtime, JSON.stringify({ branches, latest: history.at(-1) ?? null, history, advisories: impact }, null, 2));
    if (context.args.csv === true) return void runtime.io.stdout.write(renderCsv(history));
    println(runtime, renderStats(history, branches, { days, storage: describeStorage(config) }));
    if (impact.advisories.length > 0) println(runtime, `\n${renderAdvisories(impact)}`);
  },
});

function parseDays(value: string | undefined): number {
  if (value === undefined) return 14;
  const text = value.trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_DAYS) throw new UsageError(`--days "${value}" is not valid: expected a whole number from 1 to ${MAX_DAYS}`);
  return n;
}

const servers = (n: number) => `${thousands(n)} ${n === 1 ? "server" : "servers"}`;
const percent = (part: number, whole: number) => {
  const s = share(part, whole);
  return s === undefined ? "–" : `${(s * 100).toFixed(1)}%`;
};

export function renderStats(history: readonly StatisticsDay[], branches: readonly ReleaseBranch[], options: { days: number; storage: string }): string {
  const latest = history.at(-1);
  if (latest === undefined) {
    return `No statistics recorded in the last ${options.days} days in ${options.storage}: a crawl records them when it ends, the daemon every hour.`;
  }
  const roles = branchesByRole(branches);
  const lines = [
    `Mastodon on ${latest.date} (servers that answered within 3 days; recorded ${latest.updated_at ?? "?"}) in ${options.storage}`,
    ...(latest.invalid ? [`  marked invalid: ${printable(latest.invalid_reason ?? "no reason given")}`] : []),
    `  ${servers(latest.instances)}, ${thousands(latest.mau)} monthly active users, ${count(latest.unique_versions, "version")}`,
    `  on a patched release: ${servers(latest.patched_instances)} (${percent(latest.patched_instances, latest.instances)}), ${thousands(latest.patched_mau)} users (${percent(latest.patched_mau, latest.mau)})`,
    `  on an end-of-life branch: ${servers(latest.eol_instances)} (${percent(latest.eol_instances, latest.instances)}), ${thousands(latest.eol_branch_mau)} users (${percent(latest.eol_branch_mau, latest.mau)})`,
    "",
    `  ${"branch".padEnd(24)} ${"servers".padStart(9)} ${"patched".padStart(16)} ${"users".padStart(12)} ${"patched".padStart(19)}`,
  ];
  for (const role of ROLES) {
    const servers = latest[`${role}_instances`];
    const users = latest[`${role}_branch_mau`];
    const patched = latest[`${role}_patched_instances`];
    const patchedUsers = latest[`${role}_patched_mau`];
    const label = `${role} ${roles[role].join(", ") || "–"}`;
    lines.push(`  ${label.padEnd(24)} ${thousands(servers).padStart(9)} ${`${thousands(patched)} (${percent(patched, servers)})`.padStart(16)} ${thousands(users).padStart(12)} ${`${thousands(patchedUsers)} (${percent(patchedUsers, users)})`.padStart(19)}`);
  }
  lines.push(`  ${`eol ${roles.eol.join(", ") || "–"}`.padEnd(24)} ${thousands(latest.eol_instances).padStart(9)} ${"".padStart(16)} ${thousands(latest.eol_branch_mau).padStart(12)}`);
  lines.push("", `History, last ${count(options.days, "day")}:`, `  ${"date".padEnd(10)} ${"servers".padStart(9)} ${"users".padStart(12)} ${"patched servers".padStart(16)} ${"patched users".padStart(14)} ${"EOL servers".padStart(12)}`);
  for (const day of history) {
    const flag = day.invalid ? `  invalid: ${printable(day.invalid_reason ?? "no reason given")}` : "";
    lines.push(
      `  ${day.date} ${thousands(day.instances).padStart(9)} ${thousands(day.mau).padStart(12)} ${percent(day.patched_instances, day.instances).padStart(16)} ${percent(day.patched_mau, day.mau).padStart(14)} ${percent(day.eol_instances, day.instances).padStart(12)}${flag}`,
    );
  }
  return lines.join("\n");
}

/** Each advisory's reach today: servers and monthly users on an affected version. */
export function renderAdvisories(impact: Awaited<ReturnType<typeof advisoryImpact>>): string {
  const lines = [`Security advisories (servers that answered within 3 days: ${thousands(impact.instances)}, ${thousands(impact.mau)} users):`];
  for (const a of impact.advisories) {
    const id = [a.ghsaId, a.cveId, a.severity].filter(Boolean).join(", ");
    const unsure = a.status === "needs_review" ? "  (affected versions unsure: set an override)" : a.status === "overridden" ? "  (range set by hand)" : "";
    lines.push(`  ${printable(id)}: ${servers(a.instances)} (${percent(a.instances, impact.instances)}), ${thousands(a.mau)} users (${percent(a.mau, impact.mau)}) affected${unsure}`);
    lines.push(`    ${printable(a.summary.slice(0, 100))}`);
  }
  return lines.join("\n");
}

/** Every column of every day; text fields quoted as CSV requires. */
export function renderCsv(history: readonly StatisticsDay[]): string {
  const columns = history.length > 0 ? Object.keys(history[0]!) : ["date"];
  const cell = (value: unknown) => {
    if (value === null || value === undefined) return "";
    const text = String(value);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.join(","), ...history.map((day) => columns.map((c) => cell((day as unknown as Record<string, unknown>)[c])).join(","))].join("\n") + "\n";
}
