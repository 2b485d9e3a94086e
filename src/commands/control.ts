/** `vmcrawl control status|pause [--reason TEXT]|resume`: the switch every daemon obeys between batches. */
import { defineCommand } from "citty";
import { hostname } from "node:os";
import { UsageError } from "../errors.ts";
import { readControl, writeControl } from "../store/postgres-fleet.ts";
import { connectPostgres, describeStorage } from "../store/index.ts";
import { SqliteStore } from "../store/sqlite.ts";
import type { Runtime } from "../cli.ts";
import { println, runtimeOf } from "./_shared.ts";
import { metaOf } from "./catalogue.ts";

export default defineCommand({
  meta: metaOf("control"),
  args: {
    action: { type: "positional", required: false, valueHint: "status|pause|resume", description: "What to do (default: status)" },
    reason: { type: "string", valueHint: "text", description: "With pause: why, shown to whoever looks" },
  },
  async run(context) {
    const runtime = runtimeOf(context);
    const action = String(context.args.action ?? "status");
    if (!["status", "pause", "resume"].includes(action)) throw new UsageError(`"${action}" is not a control action: expected status, pause or resume`);
    if (context.args.reason !== undefined && action !== "pause") throw new UsageError("--reason goes with pause only");
    await control(runtime, action as ControlAction, context.args.reason);
  },
});

export type ControlAction = "status" | "pause" | "resume";

/** Shows, sets or clears the pause switch in the system of record, and says where it stands. */
export async function control(runtime: Runtime, action: ControlAction, reasonText: string | undefined): Promise<void> {
  const config = runtime.config();
  const by = `${hostname()}:${process.pid}`;
  const reason = reasonText?.trim() || null;
  let state: { paused: boolean; reason: string | null; setBy: string | null; setAt: string | null };
  if (config.postgres !== null) {
    const pg = await connectPostgres(config, () => {});
    try {
      await pg.migrate();
      if (action !== "status") await writeControl(pg.sql, action === "pause", action === "pause" ? reason : null, by);
      state = await readControl(pg.sql);
    } finally {
      await pg.close();
    }
  } else {
    const store = new SqliteStore(config.sqlitePath, { cacheDir: config.dirs.cache });
    try {
      await store.migrate();
      if (action !== "status") {
        store.db.prepare("UPDATE crawler_control SET paused = ?, reason = ?, set_by = ?, set_at = ? WHERE id = 1").run(action === "pause" ? 1 : 0, action === "pause" ? reason : null, by, new Date().toISOString());
      }
      const row = store.db.prepare("SELECT paused, reason, set_by, set_at FROM crawler_control WHERE id = 1").get() as { paused: number; reason: string | null; set_by: string | null; set_at: string | null };
      state = { paused: row.paused === 1, reason: row.reason, setBy: row.set_by, setAt: row.set_at };
    } finally {
      await store.close();
    }
  }
  const where = describeStorage(config);
  println(runtime, state.paused ? `Crawling is paused${state.reason ? ` (${state.reason})` : ""}, set by ${state.setBy} at ${state.setAt}, in ${where}.` : `Crawling is running${state.setAt ? ` (resumed by ${state.setBy} at ${state.setAt})` : ""}, in ${where}.`);
}
