/**
 * `vmcrawl fetch`: discover new domains from the peer lists of known Mastodon
 * servers (seed README "fetch", reference §10), then crawl the new ones once.
 * One line per source server as it finishes, a live view on a terminal (a
 * heartbeat elsewhere) while lists are read, and a summary with every
 * rejection reason counted.
 */
import { defineCommand } from "citty";
import { ExitCode, VmcrawlError } from "../errors.ts";
import { createHttpClient } from "../net/index.ts";
import { runFetch, type FetchSummary } from "../peers/run.ts";
import { FetchProgress } from "../peers/progress.ts";
import { parseFetchRequest } from "../peers/request.ts";
import { peerSources } from "../peers/sources.ts";
import { loadTlds } from "../peers/tlds.ts";
import { printable, count } from "../text.ts";
import { ROBOTS_TOKEN } from "../version.ts";
import { finishFleetRun } from "../crawl/fleet.ts";
import { describeMaintained, maintainLocal, maintenanceOf } from "../stats/maintenance.ts";
import { menuSource } from "../crawl/sources.ts";
import { candidatesOn } from "../store/candidates.ts";
import { showFetchProgress } from "./fetch-view.ts";
import { checkSummaryPath, outcomeCounts, shortOfCpu, withCrawlSession, writeRunSummary } from "./_crawl-session.ts";
import { summaryJsonArg } from "./crawl-args.ts";
import type { PeersReport } from "../crawl/run-report.ts";
import { runtimeOf } from "./_shared.ts";
import { metaOf } from "./catalogue.ts";

export default defineCommand({
  meta: metaOf("fetch"),
  args: {
    target: { type: "string", valueHint: "domain", description: "Fetch peers from this one server (not with --limit, --offset, --random)" },
    limit: { type: "string", valueHint: "N", description: "Number of source servers, largest first (default VMCRAWL_FETCH_LIMIT, 10)" },
    offset: { type: "string", valueHint: "N", description: "Skip this many of the largest servers (default VMCRAWL_FETCH_OFFSET, 0; not with --random)" },
    random: { type: "boolean", description: "Pick source servers at random (with --limit only)" },
    // citty reads --no-crawl as crawl = false (and lists it in --help).
    crawl: { type: "boolean", default: true, description: "Crawl the new domains once they are added", negativeDescription: "Only add the new domains; do not crawl them now" },
    ...summaryJsonArg,
  },
  async run(context) {
    const runtime = runtimeOf(context);
    const config = runtime.config();
    const request = parseFetchRequest(context.args, { limit: config.fetch.limit, offset: config.fetch.offset });
    const summaryFile = context.args["summary-json"];
    checkSummaryPath(summaryFile);
    await withCrawlSession(runtime, config, async (session) => {
      let peers: PeersReport | undefined;
      const summarize = (interrupted: boolean) => writeRunSummary(session, summaryFile, { command: "fetch", interrupted, ...(peers === undefined ? {} : { peers }) });
      const { store, fleet, warn } = session;
      const stage = fleet !== undefined;
      const http = createHttpClient(config);
      let summary: FetchSummary;
      try {
        const tlds = await loadTlds(store.peers.tldCache(), http, config.fetch.tldUrl, new Date(), { signal: session.stop });
        if (tlds.warning) warn(tlds.warning);
        // In a fleet the servers worth asking are PostgreSQL's; the staging file's own list when it is away.
        const query = fleet?.online ? fleet.pg.query : store.query;
        const sources = await peerSources(query, request, { minActive: config.fetch.minActive, seed: config.fetch.seed });
        if (sources.domains.length === 0) {
          warn(`no published Mastodon server has more than ${config.fetch.minActive} monthly active users and still shares peers (VMCRAWL_FETCH_MIN_ACTIVE); nothing to fetch`);
          summarize(false);
          return;
        }
        if (sources.bootstrap) warn(`no Mastodon server is known yet: starting from ${sources.domains[0]} (VMCRAWL_FETCH_SEED)`);
        const started = Date.now();
        const progress = new FetchProgress(sources.domains.length);
        const view = showFetchProgress(runtime, progress, { heartbeatMs: config.crawl.progressHeartbeatSeconds * 1000 });
        try {
          summary = await runFetch({
            sources: sources.domains,
            concurrency: Math.min(config.crawl.maxThreads, 16),
            source: {
              http,
              robotsToken: ROBOTS_TOKEN,
              rules: { tlds: tlds.tlds, hardDni: store.crawl.hardDni() },
              maxBytes: config.fetch.maxPeersBytes,
              timeoutMs: Math.max(config.crawl.domainTimeoutSeconds, config.http.timeoutSeconds) * 1000,
              insert: (domains) => {
                const added = store.crawl.insertDomains(domains, { stage });
                progress.addedNames(added);
                return added;
              },
            },
            setPolled: (domain, polled) => store.peers.setPolled(domain, polled, { stage }),
            signal: session.stop,
            events: {
              progress: (source, n) => progress.read(source, n),
              finish: (source, result, ms) => {
                progress.finished(source, result.status === "invalid" ? 0 : result.entries);
                view.line(`${printable(source)} ${describeSource(result)} (${(ms / 1000).toFixed(1)} s)`);
              },
            },
          });
        } finally {
          view.stop();
        }
        runtime.io.stderr.write(`${summaryLine(summary, (Date.now() - started) / 1000)}\n`);
        peers = { sources: summary.sources, answered: summary.ok, entries: summary.entries, added: summary.added, rejected: summary.rejected.total };
      } finally {
        await http.close();
      }
      if (summary.interrupted) {
        if (fleet !== undefined) await finishFleetRun(fleet, store, { log: warn, maintenance: maintenanceOf(config) });
        summarize(true);
        throw new VmcrawlError("INTERRUPTED", `interrupted: ${count(summary.added, "new domain")} kept from ${count(summary.sources, "server")} (lists in flight abandoned); run again to continue`, { exitCode: ExitCode.interrupted });
      }
      if (context.args.crawl !== false && summary.added > 0) {
        // The new domains are this node's to crawl (it found them): from its own file, in a fleet too.
        const crawl = await session.run(await menuSource(0, candidatesOn(store.query), store.crawl.releaseBranches(), warn));
        runtime.io.stderr.write(`vmcrawl: crawled ${crawl.summary.recorded} new domains in ${(crawl.summary.ms / 1000).toFixed(1)} s (${outcomeCounts(crawl.tracker)})\n`);
        if (crawl.summary.held > 0) warn(shortOfCpu(crawl.summary.held, config.crawl.maxThreads));
        if (crawl.summary.interrupted) {
          if (fleet !== undefined) await finishFleetRun(fleet, store, { log: warn, maintenance: maintenanceOf(config) });
          summarize(true);
          throw new VmcrawlError("INTERRUPTED", "interrupted while crawling the new domains; vmcrawl --new crawls the rest", { exitCode: ExitCode.interrupted });
        }
      }
      if (fleet !== undefined) await finishFleetRun(fleet, store, { log: warn, maintenance: maintenanceOf(config) });
      else if (summary.added > 0) warn(describeMaintained(await maintainLocal(store, maintenanceOf(config))));
      summarize(false);
    });
  },
});

function describeSource(result: Parameters<Parameters<typeof runFetch>[0]["events"]["finish"]>[1]): string {
  switch (result.status) {
    case "invalid":
      return `skipped: ${result.reason}`;
    case "ok": {
      const rejected = result.rejected.total === 0 ? "" : `, ${result.rejected.total} rejected (${result.rejected.describe()})`;
      const cut = result.truncated ? "; the list was cut at VMCRAWL_MAX_PEERS_SIZE" : "";
      return `${result.entries} peers: ${result.added} new, ${result.admitted - result.added} known${rejected}${cut}`;
    }
    case "refused":
      return `no peers: ${result.reason} (not asked again by untargeted runs)`;
    case "failed":
      return `failed: ${result.reason} (asked again next time)`;
  }
}

function summaryLine(s: FetchSummary, seconds: number): string {
  const rejected = s.rejected.total === 0 ? "none rejected" : `${s.rejected.total} rejected: ${s.rejected.describe()}`;
  const servers = [`${s.ok} answered`, s.refused > 0 ? `${s.refused} without peers` : "", s.failed > 0 ? `${s.failed} failed` : "", s.truncated > 0 ? `${s.truncated} cut at the size limit` : ""].filter(Boolean).join(", ");
  return `vmcrawl: fetched peers from ${count(s.sources, "server")} in ${seconds.toFixed(1)} s (${servers}): ${s.entries} entries, ${count(s.added, "new domain")}, ${s.admitted - s.added} known, ${rejected}`;
}
