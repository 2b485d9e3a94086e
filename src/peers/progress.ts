/**
 * Progress of a fetch run, for people: servers done of those asked, entries
 * read (lists in flight included), new names so far, and each list being
 * read with its count and time. Pure: the view and the heartbeat render a
 * snapshot.
 */
import { duration, fit } from "../crawl/progress.ts";
import { count, printable, thousands } from "../text.ts";

export interface FetchSnapshot {
  readonly total: number;
  readonly done: number;
  /** Entries of finished lists plus those read so far of lists in flight. */
  readonly entries: number;
  readonly added: number;
  readonly elapsedMs: number;
  /** Longest-running first. */
  readonly reading: readonly { readonly source: string; readonly entries: number; readonly ms: number }[];
}

export class FetchProgress {
  private done = 0;
  private finishedEntries = 0;
  private added = 0;
  private readonly reading = new Map<string, { entries: number; since: number }>();
  private readonly total: number;
  private readonly now: () => number;
  private readonly startedAt: number;

  constructor(total: number, now: () => number = () => performance.now()) {
    this.total = total;
    this.now = now;
    this.startedAt = now();
  }

  read(source: string, entries: number): void {
    const current = this.reading.get(source);
    if (current === undefined) this.reading.set(source, { entries, since: this.now() });
    else current.entries = entries;
  }

  /** Names that were new, as each batch is inserted. */
  addedNames(n: number): void {
    this.added += n;
  }

  finished(source: string, entries: number): void {
    this.reading.delete(source);
    this.done++;
    this.finishedEntries += entries;
  }

  snapshot(): FetchSnapshot {
    const at = this.now();
    let inFlight = 0;
    for (const r of this.reading.values()) inFlight += r.entries;
    const reading = [...this.reading].map(([source, r]) => ({ source, entries: r.entries, ms: at - r.since })).sort((a, b) => b.ms - a.ms);
    return { total: this.total, done: this.done, entries: this.finishedEntries + inFlight, added: this.added, elapsedMs: at - this.startedAt, reading };
  }
}


export function renderFetchLive(s: FetchSnapshot, options: { width: number; maxReading?: number }): string[] {
  const lines = [
    `vmcrawl fetching peers: ${s.done} / ${s.total} servers  ${thousands(s.entries)} entries read  ${thousands(s.added)} new  elapsed ${duration(s.elapsedMs)}`,
    `  reading: ${s.reading.length}`,
  ];
  const shown = s.reading.slice(0, options.maxReading ?? 10);
  for (const r of shown) lines.push(`    ${printable(r.source).padEnd(40)} ${thousands(r.entries).padStart(11)} entries  ${(r.ms / 1000).toFixed(1)}s`);
  if (s.reading.length > shown.length) lines.push(`    … and ${s.reading.length - shown.length} more`);
  return lines.map((line) => fit(line, options.width));
}

export function renderFetchHeartbeat(s: FetchSnapshot): string {
  return `heartbeat: fetch ${s.done}/${s.total} servers, ${thousands(s.entries)} entries read, ${thousands(s.added)} new, ${count(s.reading.length, "list")} being read, elapsed ${duration(s.elapsedMs)}`;
}
