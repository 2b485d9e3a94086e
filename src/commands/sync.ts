/** `vmcrawl sync [--status]`: push results staged in local SQLite to PostgreSQL now, or show the backlog. */
import { defineCommand } from "citty";
import { VmcrawlError } from "../errors.ts";
import { connectPostgres, describeStorage } from "../store/index.ts";
import { SqliteStore } from "../store/sqlite.ts";
import { describe, Syncer } from "../store/sync.ts";
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
        println(runtime, `backlog:       ${entries} staged ${entries === 1 ? "change" : "changes"}${oldest === undefined ? "" : `, oldest from ${oldest}`}`);
        println(runtime, `last success:  ${staging.staging.setting("last_sync") ?? "never"}`);
        println(runtime, `last failure:  ${staging.staging.setting("last_sync_failure") ?? "none"}`);
        return;
      }
      const pg = await connectPostgres(config, () => {});
      try {
        await pg.migrate();
        const pushed = await new Syncer({ staging: staging.staging, sql: pg.sql, identity, log: () => {} }).pushAll();
        println(runtime, `Pushed ${pushed} staged ${pushed === 1 ? "change" : "changes"} to ${describeStorage(config)}; nothing is left.`);
      } catch (err) {
        const { entries } = staging.staging.backlog();
        throw new VmcrawlError("STORE", `${entries} staged changes are left in ${staging.location}: ${describe(err)}`, { cause: err });
      } finally {
        await pg.close();
      }
    } finally {
      await staging.close();
    }
  },
});
