/**
 * The crawl menu (seed README, options 0–72): one table used by the
 * interactive menu, `--mode N` and `--help`. Which domains each mode selects
 * is the runner's business; this module only names them.
 */

export interface CrawlMode {
  readonly mode: number;
  readonly category: string;
  readonly label: string;
}

const terminalClasses = [
  ["DNS", "bad_dns"],
  ["SSL", "bad_ssl"],
  ["TCP", "bad_tcp"],
  ["Type", "bad_type"],
  ["File", "bad_file"],
  ["API", "bad_api"],
  ["JSON", "bad_json"],
  ["HTTP 2xx", "bad_http2xx"],
  ["HTTP 3xx", "bad_http3xx"],
  ["HTTP 4xx", "bad_http4xx"],
  ["HTTP 5xx", "bad_http5xx"],
  ["Hard Fail", "bad_hard: HTTP 410/418/451/999"],
  ["Robots", "bad_robot: robots.txt prohibited"],
] as const;

const errorClasses = [
  ["DNS", "name resolution failures"],
  ["SSL", "certificate errors"],
  ["TCP", "connection errors"],
  ["Type", "content type errors"],
  ["Size", "response size errors"],
  ["API", "API errors"],
  ["JSON", "JSON parsing errors"],
  ["HTTP 2xx", "unexpected 2xx status codes"],
  ["HTTP 3xx", "redirects"],
  ["HTTP 4xx", "client errors"],
  ["HTTP 5xx", "server errors"],
  ["Hard Fail", "HTTP 410/418/451/999"],
  ["Robots", "robots.txt prohibited"],
] as const;

export const crawlModes: readonly CrawlMode[] = [
  { mode: 0, category: "Process new domains", label: "Uncrawled (recently fetched domains)" },
  { mode: 1, category: "Change process direction", label: "Standard (alphabetical)" },
  { mode: 2, category: "Change process direction", label: "Reverse (reverse alphabetical)" },
  { mode: 3, category: "Change process direction", label: "Random (default for headless runs)" },
  { mode: 4, category: "Retry any (non-fatal) errors", label: "Offline (all domains with errors)" },
  { mode: 5, category: "Retry any (non-fatal) errors", label: "Issues (known Mastodon instances with errors)" },
  { mode: 10, category: "Retry fatal errors", label: "Other (non-Mastodon platforms)" },
  ...errorClasses.map(([name, what], i) => ({ mode: 20 + i, category: "Retry errors by type", label: `${name} (${what})` })),
  { mode: 50, category: "Retry known instances", label: "Unpatched (instances not running latest patches)" },
  { mode: 51, category: "Retry known instances", label: "Main (instances on development/main branch)" },
  { mode: 52, category: "Retry known instances", label: "Active (instances with active monthly users)" },
  { mode: 53, category: "Retry known instances", label: "All (all known instances)" },
  ...terminalClasses.map(([name, flag], i) => ({ mode: 60 + i, category: "Retry terminal error states", label: `${name} (${flag})` })),
];

export function findCrawlMode(mode: number): CrawlMode | undefined {
  return crawlModes.find((m) => m.mode === mode);
}

/** "0–5, 10, 20–32, 50–53, 60–72": the valid numbers, for messages and help. */
export function crawlModeRanges(): string {
  const ranges: string[] = [];
  let start: number | undefined;
  let previous: number | undefined;
  for (const { mode } of [...crawlModes, { mode: Number.NaN }]) {
    if (previous !== undefined && mode === previous + 1) {
      previous = mode;
      continue;
    }
    if (start !== undefined) ranges.push(start === previous ? `${start}` : `${start}–${previous}`);
    start = previous = mode;
  }
  return ranges.join(", ");
}
