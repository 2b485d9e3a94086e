/**
 * The default command: crawl known domains (`vmcrawl`, also `vmcrawl crawl`),
 * or look one up with `--db`. Thin: parse the request, call the service.
 */
import { defineCommand } from "citty";
import type { Runtime } from "../cli.ts";
import { crawlModeRanges } from "../crawl/modes.ts";
import { type CrawlArgs, parseCrawlRequest } from "../crawl/selection.ts";
import { NotAvailableError } from "../errors.ts";
import { runtimeOf } from "./_shared.ts";
import { lookupDomain } from "./lookup.ts";

export const crawlArgs = {
  new: { type: "boolean", description: "Crawl only new (never crawled) domains, like menu option 0" },
  target: { type: "string", valueHint: "a.example,b.example", description: "Crawl these domains (comma-separated)" },
  file: { type: "string", valueHint: "path", description: "Crawl the domains in this file, one per line" },
  mode: { type: "string", valueHint: "N", description: `Run crawl menu option N without the menu (${crawlModeRanges()})` },
  db: { type: "string", valueHint: "domain", description: "Print everything stored about one domain and exit (no crawl)" },
} as const;

export async function crawl(runtime: Runtime, args: CrawlArgs): Promise<void> {
  const request = parseCrawlRequest(args);
  if (request.kind === "lookup") return lookupDomain(runtime, request.domain);
  runtime.config(); // a bad configuration is reported as such (exit 2) before anything else
  throw new NotAvailableError("Crawling (the crawl runner)");
}

export default defineCommand({
  meta: { name: "crawl", description: "Crawl known domains: the same as vmcrawl with no command" },
  args: crawlArgs,
  run: (context) => crawl(runtimeOf(context), context.args),
});
