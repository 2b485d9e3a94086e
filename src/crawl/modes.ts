/**
 * The crawl menu (seed README, options 0–72): one table used by the
 * interactive menu, `--mode N` and `--help`. Which domains each mode selects
 * is the runner's business; this module only names them. The per-class
 * options come from the one table of failure classes (core/outcome.ts).
 */
import { ERROR_CLASS_TABLE, RETRY_CLASS_MODE, TERMINAL_CLASS_MODE } from "../core/outcome.ts";

export interface CrawlMode {
  readonly mode: number;
  readonly category: string;
  readonly label: string;
}

export const crawlModes: readonly CrawlMode[] = [
  { mode: 0, category: "Process new domains", label: "Uncrawled (recently fetched domains)" },
  { mode: 1, category: "Change process direction", label: "Standard (alphabetical)" },
  { mode: 2, category: "Change process direction", label: "Reverse (reverse alphabetical)" },
  { mode: 3, category: "Change process direction", label: "Random (default for headless runs)" },
  { mode: 4, category: "Retry any (non-fatal) errors", label: "Offline (all domains with errors)" },
  { mode: 5, category: "Retry any (non-fatal) errors", label: "Issues (known Mastodon instances with errors)" },
  { mode: 10, category: "Retry fatal errors", label: "Other (non-Mastodon platforms)" },
  ...ERROR_CLASS_TABLE.map((c, i) => ({ mode: RETRY_CLASS_MODE + i, category: "Retry errors by type", label: c.retry })),
  { mode: 50, category: "Retry known instances", label: "Unpatched (instances not running latest patches)" },
  { mode: 51, category: "Retry known instances", label: "Main (instances on development/main branch)" },
  { mode: 52, category: "Retry known instances", label: "Active (instances with active monthly users)" },
  { mode: 53, category: "Retry known instances", label: "All (all known instances)" },
  ...ERROR_CLASS_TABLE.map((c, i) => ({ mode: TERMINAL_CLASS_MODE + i, category: "Retry terminal error states", label: c.terminal })),
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
