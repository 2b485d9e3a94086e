/** `vmcrawl stats`: daily patch statistics. */
import { defineCommand } from "citty";
import { NotAvailableError } from "../errors.ts";
import { runtimeOf } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "stats",
    description: "Record and show today's patch statistics (not available yet)",
  },
  run(context) {
    runtimeOf(context).config();
    throw new NotAvailableError("stats (daily statistics)");
  },
});
