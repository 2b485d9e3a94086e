/** `vmcrawl sync`: push results staged in SQLite to PostgreSQL. */
import { defineCommand } from "citty";
import { NotAvailableError } from "../errors.ts";
import { runtimeOf } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "sync",
    description: "Push results staged in local SQLite to PostgreSQL now (not available yet)",
  },
  args: {
    status: { type: "boolean", description: "Show the backlog, its oldest entry and the last successful sync instead" },
  },
  run(context) {
    runtimeOf(context).config();
    throw new NotAvailableError("sync (fleet mode)");
  },
});
