/**
 * The crawl flags, which the root command takes too (`vmcrawl --target …`). Kept apart from
 * crawl.ts so that `vmcrawl --version` and `--help` load the flag table, not the crawler.
 */
import { crawlModeRanges } from "../crawl/modes.ts";

/** The --summary-json flag of crawl runs, fetch and the daemon (crawl/run-report.ts writes the file). */
export const summaryJsonArg = {
  "summary-json": { type: "string", valueHint: "FILE", description: "Write a JSON summary of the run to FILE when it ends, Ctrl-C included (counts per outcome and class, rate, sync state)" },
} as const;

export const crawlArgs = {
  new: { type: "boolean", description: "Crawl only new (never crawled) domains, like menu option 0" },
  target: { type: "string", valueHint: "a.example,b.example", description: "Crawl these domains (comma-separated)" },
  file: { type: "string", valueHint: "path", description: "Crawl the domains in this file, one per line (added to the database first)" },
  mode: { type: "string", valueHint: "N", description: `Run crawl menu option N without the menu (${crawlModeRanges()}); in a fleet it selects on PostgreSQL` },
  list: { type: "boolean", description: "With --new or --mode N: print the domains that selection holds, one per line, and crawl nothing" },
  db: { type: "string", valueHint: "domain", description: "Print everything stored about one domain and exit (no crawl)" },
  ...summaryJsonArg,
} as const;
