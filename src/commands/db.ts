/** `vmcrawl db migrate`: apply the embedded schema migrations to the configured database. */
import { defineCommand } from "citty";
import { describeStorage } from "../store/index.ts";
import { println, runtimeOf, withStore } from "./_shared.ts";
import { metaOf } from "./catalogue.ts";

const migrate = defineCommand({
  meta: {
    name: "migrate",
    description: "Create or upgrade the database schema (also done automatically on first use)",
  },
  async run(context) {
    const runtime = runtimeOf(context);
    const report = await withStore(runtime, (store) => store.migrate(), { migrate: false });
    const where = describeStorage(runtime.config());
    for (const m of report.applied) println(runtime, `Applied migration ${String(m.version).padStart(3, "0")}_${m.name}`);
    println(runtime, `${report.applied.length === 0 ? "Schema is up to date" : "Schema is now"} at version ${report.version} in ${where}.`);
  },
});

export default defineCommand({
  meta: metaOf("db"),
  subCommands: { migrate },
});
