/** The root command: the crawl flags, --version, and the subcommands (loaded when used). */
import { defineCommand } from "citty";
import { lazyCommand } from "../cli.ts";
import { UsageError } from "../errors.ts";
import { metaOf } from "./catalogue.ts";
import { runtimeOf } from "./_shared.ts";
import { crawlArgs } from "./crawl-args.ts";
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
  // String-literal imports, so the bundler includes each module (build.ts checks none is left dynamic).
  subCommands: {
    crawl: lazyCommand(metaOf("crawl"), () => import("./crawl.ts").then((m) => m.default)),
    fetch: lazyCommand(metaOf("fetch"), () => import("./fetch.ts").then((m) => m.default)),
    probe: lazyCommand(metaOf("probe"), () => import("./probe.ts").then((m) => m.default)),
    manage: lazyCommand(metaOf("manage"), () => import("./manage.ts").then((m) => m.default)),
    sync: lazyCommand(metaOf("sync"), () => import("./sync.ts").then((m) => m.default)),
    daemon: lazyCommand(metaOf("daemon"), () => import("./daemon.ts").then((m) => m.default)),
    control: lazyCommand(metaOf("control"), () => import("./control.ts").then((m) => m.default)),
    stats: lazyCommand(metaOf("stats"), () => import("./stats.ts").then((m) => m.default)),
    serve: lazyCommand(metaOf("serve"), () => import("./serve.ts").then((m) => m.default)),
    db: lazyCommand(metaOf("db"), () => import("./db.ts").then((m) => m.default)),
    doctor: lazyCommand(metaOf("doctor"), () => import("./doctor.ts").then((m) => m.default)),
  },
  async run(context) {
    const runtime = runtimeOf(context);
    const { version, verbose, ...args } = context.args;
    if (version) return printVersion(runtime, { verbose: verbose === true });
    if (verbose) throw new UsageError("--verbose only goes with --version");
    // Loaded only now: --version and --help never pay for the crawler.
    const { crawl } = await import("./crawl.ts");
    return crawl(runtime, args);
  },
});
