/** `vmcrawl control status|pause [--reason TEXT]|resume`: the switch every daemon obeys between batches. */
import { defineCommand } from "citty";
import { hostname } from "node:os";
import { UsageError } from "../errors.ts";
import { type PauseSwitch, postgresPauseSwitch, sqlitePauseSwitch } from "../store/control.ts";
import { connectPostgres, describeStorage } from "../store/index.ts";
import { SqliteStore } from "../store/sqlite.ts";
import type { ControlState } from "../store/types.ts";
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
  const apply = async (toggle: PauseSwitch) => {
    if (action !== "status") await toggle.set(action === "pause", reason, by);
    return toggle.read();
  };
  let state: ControlState;
  if (config.postgres !== null) {
    const pg = await connectPostgres(config, () => {});
    try {
      await pg.migrate();
      state = await apply(postgresPauseSwitch(pg.sql));
    } finally {
      await pg.close();
    }
  } else {
    const store = new SqliteStore(config.sqlitePath, { cacheDir: config.dirs.cache });
    try {
      await store.migrate();
      state = await apply(sqlitePauseSwitch(store.db));
    } finally {
      await store.close();
    }
  }
  const where = describeStorage(config);
  println(runtime, state.paused ? `Crawling is paused${state.reason ? ` (${state.reason})` : ""}, set by ${state.setBy} at ${state.setAt}, in ${where}.` : `Crawling is running${state.setAt ? ` (resumed by ${state.setBy} at ${state.setAt})` : ""}, in ${where}.`);
}
