/** The root command: the crawl flags, --version, and the subcommands (loaded when used). */
import { defineCommand } from "citty";
import { UsageError } from "../errors.ts";
import { runtimeOf } from "./_shared.ts";
import { crawl, crawlArgs } from "./crawl.ts";
import { printVersion } from "./version.ts";

export const rootCommand = defineCommand({
  meta: {
    name: "vmcrawl",
    description: "Mastodon version census: which servers, and how many of their users, run a patched release",
  },
  args: {
    ...crawlArgs,
    version: { type: "boolean", description: "Print the version and exit (add --verbose for runtime details)" },
    verbose: { type: "boolean", description: "With --version: Node, SQLite and bundled library versions" },
  },
  subCommands: {
    crawl: () => import("./crawl.ts").then((m) => m.default),
    fetch: () => import("./fetch.ts").then((m) => m.default),
    probe: () => import("./probe.ts").then((m) => m.default),
    manage: () => import("./manage.ts").then((m) => m.default),
    sync: () => import("./sync.ts").then((m) => m.default),
    daemon: () => import("./daemon.ts").then((m) => m.default),
    control: () => import("./control.ts").then((m) => m.default),
    stats: () => import("./stats.ts").then((m) => m.default),
    serve: () => import("./serve.ts").then((m) => m.default),
    db: () => import("./db.ts").then((m) => m.default),
  },
  async run(context) {
    const runtime = runtimeOf(context);
    const { version, verbose, ...args } = context.args;
    if (version) return printVersion(runtime, { verbose: verbose === true });
    if (verbose) throw new UsageError("--verbose only goes with --version");
    return crawl(runtime, args);
  },
});
