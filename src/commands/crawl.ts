/**
 * The default command: crawl known domains (`vmcrawl`, also `vmcrawl crawl`),
 * or look one up with `--db`. This file wires the run together: which
 * domains, the network, the store, progress on screen, Ctrl-C.
 */
import { defineCommand } from "citty";
import type { Runtime } from "../cli.ts";
import type { RunSource } from "../crawl/runner.ts";
import { type CrawlArgs, type CrawlRequest, parseCrawlRequest } from "../crawl/request.ts";
import { fileSource, importDomainFile, listSource, menuSource } from "../crawl/sources.ts";
import { ExitCode, NotAvailableError, UsageError, VmcrawlError } from "../errors.ts";
import { describeMaintained, maintainLocal, maintenanceOf } from "../stats/maintenance.ts";
import { recordPeriodically } from "../stats/periodic.ts";
import { recordFleetStatistics } from "../stats/postgres.ts";
import { recordStatistics } from "../stats/sqlite.ts";
import { finishFleetRun, withFleetState } from "../crawl/fleet.ts";
import type { SqliteCrawlStore } from "../store/sqlite-crawl.ts";
import { runtimeOf } from "./_shared.ts";
import { lookupDomain } from "./lookup.ts";
import { chooseMode } from "./crawl-view.ts";
import { outcomeCounts, shortOfCpu, withCrawlSession } from "./_crawl-session.ts";
import { crawlArgs } from "./crawl-args.ts";
import { metaOf } from "./catalogue.ts";

const STATISTICS_EVERY_MS = 3_600_000;

export async function crawl(runtime: Runtime, args: CrawlArgs): Promise<void> {
  const request = parseCrawlRequest(args);
  if (request.kind === "lookup") return lookupDomain(runtime, request.domain);
  const config = runtime.config(); // a bad configuration is reported as such (exit 2) before anything else
  // In fleet mode a node crawls what it was given (--target, --file, and --new to finish those from
  // its staging file); selections over the whole fleet are the daemon's job, by lease.
  const nodeLocal = request.kind === "targets" || request.kind === "file" || request.kind === "new";
  if (config.postgres !== null && !nodeLocal) {
    throw new NotAvailableError("Crawling a menu selection (the menu, --mode) in fleet mode", "in fleet mode run vmcrawl daemon, or name the domains with --target or --file (--new finishes them)");
  }
  await withCrawlSession(runtime, config, async ({ store, fleet, run, warn }) => {
    let source = await sourceFor(request, runtime, store.crawl, fleet !== undefined);
    if (source === undefined) return; // the menu was cancelled
    if (fleet !== undefined) {
      if (request.kind !== "new") source = withFleetState(source, fleet, store);
      fleet.syncer.start();
    }
    // A long run records the day's statistics every hour too, not only at its end.
    const hourly = recordPeriodically(
      STATISTICS_EVERY_MS,
      () => {
        if (fleet === undefined) recordStatistics(store.crawl, config.stats.maxDropPercent);
        else void recordFleetStatistics(fleet.pg, config.stats.maxDropPercent).catch(() => {}); // PostgreSQL away: the end of the run tries again
      },
      (err) => warn(`statistics not recorded this hour (${err.message})`),
    );
    let ran: Awaited<ReturnType<typeof run>>;
    try {
      ran = await run(source);
    } finally {
      hourly.stop();
    }
    const { summary, tracker } = ran;
    const parts = outcomeCounts(tracker);
    if (summary.interrupted) {
      if (fleet !== undefined) await finishFleetRun(fleet, store, { log: warn, maintenance: maintenanceOf(config) });
      throw new VmcrawlError(
        "INTERRUPTED",
        `interrupted: ${summary.recorded} domains recorded (${parts}), ${summary.abandoned} in flight not recorded; run again to continue (vmcrawl --new crawls those never crawled)`,
        { exitCode: ExitCode.interrupted },
      );
    }
    const done = `vmcrawl: crawled ${summary.recorded} domains in ${(summary.ms / 1000).toFixed(1)} s (${parts})${summary.skipped ? `, ${summary.skipped} skipped` : ""}`;
    if (fleet === undefined) {
      runtime.io.stderr.write(`${done}; ${describeMaintained(await maintainLocal(store, maintenanceOf(config)))}\n`);
      if (summary.held > 0) warn(shortOfCpu(summary.held, config.crawl.maxThreads));
      return;
    }
    runtime.io.stderr.write(`${done}\n`);
    if (summary.held > 0) warn(shortOfCpu(summary.held, config.crawl.maxThreads));
    await finishFleetRun(fleet, store, { log: warn, maintenance: maintenanceOf(config) });
  });
}


async function sourceFor(request: Exclude<CrawlRequest, { kind: "lookup" }>, runtime: Runtime, store: SqliteCrawlStore, stage: boolean): Promise<RunSource | undefined> {
  const warn = (text: string) => runtime.io.stderr.write(`vmcrawl: ${text}\n`);
  switch (request.kind) {
    case "targets":
      store.insertDomains(request.domains.map((d) => d.name), { stage });
      return listSource(request.domains, request.domains.length === 1 ? request.domains[0]!.name : `${request.domains.length} domains`);
    case "file": {
      const total = await importDomainFile(request.path, store, warn, stage);
      return fileSource(request.path, total);
    }
    case "new":
      return menuSource(0, store, warn);
    case "mode":
      return menuSource(request.mode.mode, store, warn);
    case "default": {
      const interactive = runtime.io.stdin?.isTTY === true && runtime.io.stdout.isTTY === true;
      if (!interactive) return menuSource(3, store, warn);
      const mode = await chooseMode(runtime);
      return mode === undefined ? undefined : menuSource(mode, store, warn);
    }
  }
}






export default defineCommand({
  meta: metaOf("crawl"),
  args: crawlArgs,
  run: (context) => crawl(runtimeOf(context), context.args),
});

