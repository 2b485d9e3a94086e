/**
 * `vmcrawl sync [--status | --retry-quarantined | --drop-quarantined]`: push results staged in local
 * SQLite to PostgreSQL now, show the backlog and the quarantine, or act on the quarantine.
 */
import { defineCommand } from "citty";
import { UsageError, VmcrawlError } from "../errors.ts";
import { connectPostgres, describeStorage } from "../store/index.ts";
import { SqliteStore } from "../store/sqlite.ts";
import type { QuarantinedEntry } from "../store/sqlite-staging.ts";
import { describe, Syncer } from "../store/sync.ts";
import { count, printable } from "../text.ts";
import { println, runtimeOf } from "./_shared.ts";
import { metaOf } from "./catalogue.ts";

export default defineCommand({
  meta: metaOf("sync"),
  args: {
    status: { type: "boolean", description: "Show the backlog, its oldest entry, the last successful sync and the quarantined entries instead" },
    "retry-quarantined": { type: "boolean", description: "Stage the entries PostgreSQL refused again (after everything since), then push" },
    "drop-quarantined": { type: "boolean", description: "Delete the entries PostgreSQL refused, for good" },
  },
  async run(context) {
    const runtime = runtimeOf(context);
    const config = runtime.config();
    if (config.postgres === null) {
      println(runtime, `Nothing to sync: no PostgreSQL is configured (${describeStorage(config)} is the whole database).`);
      return;
    }
    const staging = new SqliteStore(config.sqlitePath, { cacheDir: config.dirs.cache });
    try {
      await staging.migrate();
      const identity = staging.staging.syncIdentity(config.fleet.nodeId);
      const { status, "retry-quarantined": retry, "drop-quarantined": drop } = context.args;
      if ([status, retry, drop].filter(Boolean).length > 1) throw new UsageError("give at most one of --status, --retry-quarantined and --drop-quarantined");
      if (status) {
        const { entries, oldest } = staging.staging.backlog();
        println(runtime, `staging:       ${staging.location} (sync identity ${identity})`);
        println(runtime, `backlog:       ${count(entries, "staged change")}${oldest === undefined ? "" : `, oldest from ${oldest}`}`);
        println(runtime, `last success:  ${staging.staging.setting("last_sync") ?? "never"}`);
        println(runtime, `last failure:  ${staging.staging.setting("last_sync_failure") ?? "none"}`);
        for (const line of renderQuarantine(staging.staging.quarantinedCount(), staging.staging.quarantined(QUARANTINE_SHOWN))) println(runtime, line);
        return;
      }
      if (drop) {
        println(runtime, `Deleted ${count(staging.staging.dropQuarantined(), "quarantined change")}.`);
        return;
      }
      if (retry) println(runtime, `Staged ${count(staging.staging.retryQuarantined(), "quarantined change")} again.`);
      const pg = await connectPostgres(config, () => {});
      const syncer = new Syncer({ staging: staging.staging, sql: pg.sql, identity, log: (line) => runtime.io.stderr.write(`vmcrawl: ${line}\n`) });
      let pushed: number;
      try {
        await pg.migrate();
        pushed = await syncer.pushAll();
      } catch (err) {
        syncer.recordFailure(err);
        const { entries } = staging.staging.backlog();
        const left = `${count(entries, "staged change")} ${entries === 1 ? "is" : "are"} left in ${staging.location}`;
        // A refused host key or an unreadable SSH key is a configuration problem (exit 2), not an outage.
        const exitCode = err instanceof VmcrawlError ? err.exitCode : 1;
        throw new VmcrawlError("STORE", `${left}: ${describe(err)}`, { cause: err, exitCode });
      } finally {
        await pg.close();
      }
      const quarantined = staging.staging.quarantinedCount();
      if (quarantined === 0) {
        println(runtime, `Pushed ${count(pushed, "staged change")} to ${describeStorage(config)}; nothing is left.`);
        return;
      }
      println(runtime, `Pushed ${count(pushed, "staged change")} to ${describeStorage(config)}.`);
      throw new VmcrawlError("STORE", `${count(quarantined, "staged change")} that PostgreSQL refused ${quarantined === 1 ? "is" : "are"} quarantined in ${staging.location}: see vmcrawl sync --status`);
    } finally {
      await staging.close();
    }
  },
});

/** Quarantined entries listed by --status; the rest are counted. */
const QUARANTINE_SHOWN = 20;

export function renderQuarantine(total: number, shown: readonly QuarantinedEntry[]): string[] {
  if (total === 0) return ["quarantined:   none"];
  const lines = [`quarantined:   ${count(total, "staged change")} PostgreSQL refused (retry: vmcrawl sync --retry-quarantined; delete: vmcrawl sync --drop-quarantined)`];
  for (const e of shown) lines.push(`  #${e.seq} ${e.kind}${e.domain === undefined ? "" : ` ${printable(e.domain)}`}, staged ${e.createdAt}, quarantined ${e.quarantinedAt}: ${printable(e.error)}`);
  if (total > shown.length) lines.push(`  …and ${total - shown.length} more`);
  return lines;
}
