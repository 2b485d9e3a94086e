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
import { ExitCode, VmcrawlError } from "../errors.ts";
import { describeMaintained, maintainLocal, maintenanceOf } from "../stats/maintenance.ts";
import { recordPeriodically } from "../stats/periodic.ts";
import { recordFleetStatistics } from "../stats/postgres.ts";
import { recordStatistics } from "../stats/sqlite.ts";
import { finishFleetRun, withFleetState, withLeases } from "../crawl/fleet.ts";
import { candidatesOn } from "../store/candidates.ts";
import { describe } from "../store/sync.ts";
import type { SqliteCrawlStore } from "../store/sqlite-crawl.ts";
import { println, runtimeOf } from "./_shared.ts";
import { lookupDomain } from "./lookup.ts";
import { chooseMode } from "./crawl-view.ts";
import { checkSummaryPath, outcomeCounts, shortOfCpu, withCrawlSession, writeRunSummary } from "./_crawl-session.ts";
import { crawlArgs } from "./crawl-args.ts";
import { metaOf } from "./catalogue.ts";

const STATISTICS_EVERY_MS = 3_600_000;

export async function crawl(runtime: Runtime, args: CrawlArgs): Promise<void> {
  const request = parseCrawlRequest(args);
  if (request.kind === "lookup") return lookupDomain(runtime, request.domain);
  const config = runtime.config(); // a bad configuration is reported as such (exit 2) before anything else
  checkSummaryPath(args["summary-json"]);
  await withCrawlSession(runtime, config, async (session) => {
    const { store, fleet, run, warn } = session;
    const summarize = (interrupted: boolean) => writeRunSummary(session, args["summary-json"], { command: "crawl", interrupted });
    // Menu selections read the system of record: PostgreSQL in a fleet (with the branches copied from it), else the SQLite file.
    if (fleet !== undefined && !fleet.online && selectsFromMenu(request)) {
      throw new VmcrawlError("STORE", `a menu selection in fleet mode reads PostgreSQL at ${fleet.pg.location}, which is not reachable; --target and --file crawl into the staging file meanwhile`);
    }
    const candidates = candidatesOn(fleet?.pg.query ?? store.query);
    const menu = (mode: number) =>
      menuSource(mode, candidates, store.crawl.releaseBranches(), warn).catch((err: unknown) => {
        if (fleet === undefined || err instanceof VmcrawlError) throw err;
        throw new VmcrawlError("STORE", `a menu selection in fleet mode reads PostgreSQL at ${fleet.pg.location}: ${describe(err)}`, { cause: err });
      });
    if (request.kind === "list") {
      for await (const domain of (await menu(request.mode.mode)).domains) println(runtime, domain.name);
      return;
    }
    if (fleet !== undefined && selectsFromMenu(request)) {
      // The selection reads PostgreSQL: it must already know what this node crawled and staged (an interrupted run's results).
      await fleet.syncer.pushAll().catch((err: unknown) => {
        throw new VmcrawlError("STORE", `a menu selection in fleet mode reads PostgreSQL at ${fleet.pg.location}, and this node's staged results could not be pushed there first: ${describe(err)}`, { cause: err });
      });
    }
    let source = await sourceFor(request, runtime, store.crawl, fleet !== undefined, menu);
    if (source === undefined) return; // the menu was cancelled
    if (fleet !== undefined) {
      // A selection over the fleet claims as it goes; named domains take PostgreSQL's state.
      source = selectsFromMenu(request) ? withLeases(source, fleet, store, config.fleet.leaseSeconds, warn) : withFleetState(source, fleet, store);
      fleet.syncer.start();
    }
    const finish = { log: warn, maintenance: maintenanceOf(config), releaseLeases: selectsFromMenu(request) };
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
      if (fleet !== undefined) await finishFleetRun(fleet, store, finish);
      summarize(true);
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
    } else {
      runtime.io.stderr.write(`${done}\n`);
      if (summary.held > 0) warn(shortOfCpu(summary.held, config.crawl.maxThreads));
      await finishFleetRun(fleet, store, finish);
    }
    summarize(false);
  });
}

/** Whether the request crawls a menu selection (rather than named domains). */
function selectsFromMenu(request: CrawlRequest): boolean {
  return request.kind === "new" || request.kind === "mode" || request.kind === "default" || request.kind === "list";
}


async function sourceFor(
  request: Exclude<CrawlRequest, { kind: "lookup" | "list" }>,
  runtime: Runtime,
  store: SqliteCrawlStore,
  stage: boolean,
  menu: (mode: number) => Promise<RunSource>,
): Promise<RunSource | undefined> {
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
      return menu(0);
    case "mode":
      return menu(request.mode.mode);
    case "default": {
      const interactive = runtime.io.stdin?.isTTY === true && runtime.io.stdout.isTTY === true;
      if (!interactive) return menu(3);
      const mode = await chooseMode(runtime);
      return mode === undefined ? undefined : menu(mode);
    }
  }
}






export default defineCommand({
  meta: metaOf("crawl"),
  args: crawlArgs,
  run: (context) => crawl(runtimeOf(context), context.args),
});

