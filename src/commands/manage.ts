/**
 * `vmcrawl manage`: on a terminal, a guided menu (the seed's manage options);
 * for scripts, every action as a subcommand with flags and --json. Both act
 * on the system of record: PostgreSQL in a fleet, else the SQLite file.
 */
import { defineCommand } from "citty";
import { UsageError } from "../errors.ts";
import { runtimeOf } from "./_shared.ts";
import dni from "./manage/dni.ts";
import { pause, requeueCommand, resume, search, statsDays, tld } from "./manage/misc.ts";
import { nightly, versions } from "./manage/versions.ts";
import { metaOf } from "./catalogue.ts";

export const MANAGE_SUBCOMMANDS = "dni (import, list, count, add, remove), nightly (list, add, set-end), versions (show, update, promote, eol, reorder, advisories), tld update, search, requeue, stats (flagged, invalid, valid), pause, resume";

export default defineCommand({
  meta: metaOf("manage"),
  subCommands: { dni, nightly, versions, tld, search, requeue: requeueCommand, stats: statsDays, pause, resume },
  async run(context) {
    const runtime = runtimeOf(context);
    runtime.config();
    if (runtime.io.stdin?.isTTY !== true || runtime.io.stdout.isTTY !== true) {
      throw new UsageError(`the manage menu needs a terminal; in scripts use its subcommands: vmcrawl manage ${MANAGE_SUBCOMMANDS}`);
    }
    const { manageWizard } = await import("./manage-wizard.ts");
    await manageWizard(runtime);
  },
});
