/** `vmcrawl sync [--status]`: push results staged in local SQLite to PostgreSQL now, or show the backlog. */
import { defineCommand } from "citty";
import { VmcrawlError } from "../errors.ts";
import { connectPostgres, describeStorage } from "../store/index.ts";
import { SqliteStore } from "../store/sqlite.ts";
import { describe, Syncer } from "../store/sync.ts";
import { count } from "../text.ts";
import { println, runtimeOf } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "sync",
    description: "Push results staged in local SQLite to PostgreSQL now; exits 1 if anything is left",
  },
  args: {
    status: { type: "boolean", description: "Show the backlog, its oldest entry and the last successful sync instead" },
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
      if (context.args.status) {
        const { entries, oldest } = staging.staging.backlog();
        println(runtime, `staging:       ${staging.location} (sync identity ${identity})`);
        println(runtime, `backlog:       ${count(entries, "staged change")}${oldest === undefined ? "" : `, oldest from ${oldest}`}`);
        println(runtime, `last success:  ${staging.staging.setting("last_sync") ?? "never"}`);
        println(runtime, `last failure:  ${staging.staging.setting("last_sync_failure") ?? "none"}`);
        return;
      }
      const pg = await connectPostgres(config, () => {});
      const syncer = new Syncer({ staging: staging.staging, sql: pg.sql, identity, log: () => {} });
      try {
        await pg.migrate();
        const pushed = await syncer.pushAll();
        println(runtime, `Pushed ${count(pushed, "staged change")} to ${describeStorage(config)}; nothing is left.`);
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
    } finally {
      await staging.close();
    }
  },
});
