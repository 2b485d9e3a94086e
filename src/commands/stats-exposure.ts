/**
 * `vmcrawl stats exposure [--json | --csv]`: each imported security advisory's exposure since it
 * was published (src/stats/velocity.ts): the servers and users on an affected version each
 * recorded day, and the server-days so far. `--json` is what the API's /exposure gives.
 */
import { defineCommand } from "citty";
import { UsageError } from "../errors.ts";
import { type AdvisoryExposure, loadExposure } from "../stats/velocity-report.ts";
import { describeStorage } from "../store/index.ts";
import { println, runtimeOf, withStore } from "./_shared.ts";

/** One line per advisory: servers and users exposed on the last recorded day, and server-days since publication. */
export function renderExposure(advisories: readonly AdvisoryExposure[]): string {
  if (advisories.length === 0) return "";
  const lines = ["Security advisories: servers on an affected version since each was published (server-days over the recorded days):"];
  for (const a of advisories) {
    const last = a.points.at(-1);
    const now = last === undefined ? "no day recorded since" : `${last.servers} ${last.servers === 1 ? "server" : "servers"} and ${last.users} users exposed on ${last.date}`;
    lines.push(`  ${[a.ghsaId, a.cveId].filter(Boolean).join(", ").padEnd(36)} published ${a.publishedOn}: ${now}, ${a.serverDays} server-days${a.partial ? " (recording began after it was published)" : ""}`);
  }
  return lines.join("\n");
}

export function renderExposureCsv(advisories: readonly AdvisoryExposure[]): string {
  const rows = ["ghsa_id,cve_id,published_on,partial,date,days,servers,users"];
  for (const a of advisories) for (const p of a.points) rows.push([a.ghsaId, a.cveId ?? "", a.publishedOn, a.partial, p.date, p.days, p.servers, p.users].join(","));
  return `${rows.join("\n")}\n`;
}

export default defineCommand({
  meta: { name: "exposure", description: "Each security advisory's exposure: servers and users on an affected version per day since it was published" },
  args: {
    json: { type: "boolean", description: "Print JSON: one object per advisory, with its days (the API's /exposure)" },
    csv: { type: "boolean", description: "Print CSV: one row per advisory and recorded day" },
  },
  async run(context) {
    const runtime = runtimeOf(context);
    const { json, csv } = context.args;
    if (json === true && csv === true) throw new UsageError("--json and --csv each choose the output; use one");
    const config = runtime.config();
    const advisories = await withStore(runtime, (store) => loadExposure(store.query));
    if (json === true) return println(runtime, JSON.stringify(advisories, null, 2));
    if (csv === true) return void runtime.io.stdout.write(renderExposureCsv(advisories));
    const text = renderExposure(advisories);
    println(runtime, text !== "" ? text : `No advisory to show in ${describeStorage(config)}: vmcrawl manage versions advisories imports them, and every day's statistics record the versions servers run.`);
  },
});
