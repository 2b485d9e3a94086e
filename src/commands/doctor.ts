/**
 * `vmcrawl doctor [--json]`: one line per health check (doctor/checks.ts) with ok, warn or fail
 * and what to do; exit 1 when any check fails. Reads, never writes: safe on a live node.
 */
import { defineCommand } from "citty";
import type { LoadedConfig } from "../config.ts";
import type { Check } from "../doctor/checks.ts";
import { failed } from "../doctor/checks.ts";
import { runDoctor } from "../doctor/run.ts";
import { VmcrawlError } from "../errors.ts";
import { count, printable } from "../text.ts";
import { println, runtimeOf } from "./_shared.ts";
import { metaOf } from "./catalogue.ts";

export function renderChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  return checks
    .flatMap((c) => [`${c.status.padEnd(4)}  ${c.name.padEnd(width)}  ${printable(c.detail)}`, ...(c.fix === undefined ? [] : [`${" ".repeat(width + 8)}→ ${printable(c.fix)}`])])
    .join("\n");
}

export default defineCommand({
  meta: metaOf("doctor"),
  args: { json: { type: "boolean", description: "Print JSON: {ok, checks: [{name, status, detail, fix}]}" } },
  async run(context) {
    const runtime = runtimeOf(context);
    let loaded: LoadedConfig | { error: Error };
    try {
      loaded = runtime.loaded();
    } catch (err) {
      loaded = { error: err as Error };
    }
    const checks = await runDoctor(loaded);
    const bad = failed(checks);
    println(runtime, context.args.json === true ? JSON.stringify({ ok: bad.length === 0, checks }, null, 2) : renderChecks(checks));
    if (bad.length > 0) throw new VmcrawlError("UNHEALTHY", `${count(bad.length, "check")} failed: ${bad.map((c) => c.name).join(", ")}`);
  },
});
