/** `vmcrawl daemon [--drain]`: crawl continuously as domains fall due; what systemd runs. */
import { defineCommand } from "citty";
import { runDaemon } from "../crawl/daemon.ts";
import { ExitCode, VmcrawlError } from "../errors.ts";
import { withHttpClient } from "../net/index.ts";
import { githubFor } from "../versions/github.ts";
import { refreshFromGithub } from "../versions/refresh.ts";
import { sqliteLeases } from "../store/leases.ts";
import { finishFleetRun } from "../crawl/fleet.ts";
import { maintenanceOf } from "../stats/maintenance.ts";
import { runtimeOf } from "./_shared.ts";
import { checkSummaryPath, withCrawlSession, writeRunSummary } from "./_crawl-session.ts";
import { summaryJsonArg } from "./crawl-args.ts";
import { metaOf } from "./catalogue.ts";

export default defineCommand({
  meta: metaOf("daemon"),
  args: {
    drain: { type: "boolean", description: "Exit once nothing is due instead of waiting for more" },
    ...summaryJsonArg,
  },
  async run(context) {
    const runtime = runtimeOf(context);
    const config = runtime.config();
    const summaryFile = context.args["summary-json"];
    checkSummaryPath(summaryFile);
    await withCrawlSession(runtime, config, async (session) => {
      const { store, fleet, warn } = session;
      fleet?.syncer.start();
      warn(`daemon: started (${fleet === undefined ? `embedded, ${store.location}` : `fleet node ${fleet.identity}, staging ${store.location}`}, ${config.crawl.maxThreads} at a time)`);
      const result = await runDaemon({
        store,
        fleet,
        worker: session.worker,
        batchSize: Math.max(10, config.crawl.maxThreads * 2),
        leaseSeconds: config.fleet.leaseSeconds,
        pollMs: 15_000,
        drain: context.args.drain === true,
        signal: session.stop,
        log: warn,
        crawl: async (source) => (await session.run(source)).summary,
        maintenance: maintenanceOf(config),
        versionRefreshEveryMs: config.versions.refreshIntervalSeconds * 1000,
        refreshVersions: (target) => withHttpClient(config, async (http) => refreshFromGithub(target, await githubFor(config, http), new Date())),
      });
      // Domains claimed but not finished go back to the pool now rather than when their lease runs out.
      if (fleet === undefined) await sqliteLeases(store.db).release(session.worker);
      else await finishFleetRun(fleet, store, { log: warn, releaseLeases: true });
      writeRunSummary(session, summaryFile, { command: "daemon", interrupted: session.signalName() === "SIGINT" });
      const stopped = `daemon: stopped after ${result.crawled} domains (${result.batches} claims)`;
      // Ctrl-C is an interruption (exit 130); SIGTERM is how a service is told to stop (exit 0).
      if (session.signalName() === "SIGINT") throw new VmcrawlError("INTERRUPTED", stopped, { exitCode: ExitCode.interrupted });
      warn(stopped);
    });
  },
});
