/**
 * Where a run's domains come from, each read a page at a time: a menu
 * selection from the store (keyset pages), or a list of names / a file
 * (read line by line). Nothing holds the whole list.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { type DomainName, parseDomain } from "../net/domain.ts";
import type { CandidateReader } from "../store/candidates.ts";
import type { SqliteCrawlStore } from "../store/sqlite-crawl.ts";
import type { Candidate, Cursor, Selection } from "../store/types.ts";
import { placeVersion, type ReleaseBranch } from "../versions/patch.ts";
import { UsageError } from "../errors.ts";
import { selectionFor } from "../store/menu-sql.ts";
import { printable } from "../text.ts";
import { findCrawlMode } from "./modes.ts";
import type { RunSource } from "./runner.ts";

const PAGE = 500;

export interface SelectionSourceOptions {
  /** Where the candidates are read: the SQLite file, or PostgreSQL for a fleet node. */
  readonly candidates: CandidateReader;
  readonly selection: Selection;
  readonly label: string;
  /** Keeps only some candidates (menu options 50, 51 need the version's branch). */
  readonly keep?: (candidate: Candidate) => boolean;
  /** Random order: start at a random place and shuffle within each page. */
  readonly random?: () => number;
  /** Candidates the store holds that are not valid domains are reported here and skipped. */
  readonly onInvalid?: (domain: string, reason: string) => void;
}

export async function selectionSource(options: SelectionSourceOptions): Promise<RunSource> {
  const { candidates, selection, keep } = options;
  const total = keep === undefined ? await candidates.count(selection) : await countKept(options);
  return { total, label: options.label, domains: selectionDomains(options) };
}

async function countKept(options: SelectionSourceOptions): Promise<number> {
  let count = 0;
  for await (const page of pages(options, {})) count += page.filter(options.keep!).length;
  return count;
}

async function* pages(options: SelectionSourceOptions, bounds: { from?: string; before?: string }): AsyncGenerator<Candidate[]> {
  let cursor: Cursor | undefined;
  for (;;) {
    const page = await options.candidates.page(options.selection, cursor, PAGE, bounds);
    if (page.length === 0) return;
    yield page;
    const last = page.at(-1)!;
    cursor = { domain: last.domain, length: last.length };
    if (page.length < PAGE) return;
  }
}

async function* selectionDomains(options: SelectionSourceOptions): AsyncGenerator<DomainName> {
  const random = options.random;
  // Random: from a random point to the end, then from the start up to it; each page shuffled.
  const pivot = random === undefined ? undefined : pivotFrom(random);
  const passes = pivot === undefined ? [{}] : [{ from: pivot }, { before: pivot }];
  for (const bounds of passes) {
    for await (const page of pages(options, bounds)) {
      const kept = options.keep === undefined ? page : page.filter(options.keep);
      if (random !== undefined) shuffle(kept, random);
      for (const candidate of kept) {
        const parsed = parseDomain(candidate.domain);
        if (parsed.ok) yield parsed.value;
        else options.onInvalid?.(candidate.domain, parsed.reason);
      }
    }
  }
}

function pivotFrom(random: () => number): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  return alphabet[Math.floor(random() * alphabet.length)]! + alphabet[Math.floor(random() * alphabet.length)]!;
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/** Menu options 50 (not on a patched release) and 51 (on the main branch). */
export function versionFilter(mode: 50 | 51, branches: readonly ReleaseBranch[]): (candidate: Candidate) => boolean {
  return (candidate) => {
    if (candidate.softwareVersion === null) return mode === 50;
    const placement = placeVersion(candidate.softwareVersion, branches);
    return mode === 50 ? !placement.patched : placement.role === "main";
  };
}

/** Names given on the command line. */
export function listSource(domains: readonly DomainName[], label: string): RunSource {
  return {
    total: domains.length,
    label,
    domains: (async function* () {
      yield* domains;
    })(),
  };
}

/** Domains from a file, read line by line; `total` comes from the import pass (importDomainFile). */
export function fileSource(path: string, total: number): RunSource {
  return {
    total,
    label: path,
    domains: (async function* () {
      for await (const entry of fileDomains(path)) if ("domain" in entry) yield entry.domain;
    })(),
  };
}

export async function* fileDomains(path: string): AsyncGenerator<{ domain: DomainName } | { line: number; text: string; reason: string }> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const raw of lines) {
    line++;
    const text = raw.replace(/#.*$/, "").trim();
    if (text === "") continue;
    const parsed = parseDomain(text);
    yield parsed.ok ? { domain: parsed.value } : { line, text, reason: parsed.reason };
  }
}

/** A menu option's selection as a crawl source, read from `candidates` (also `fetch`: option 0 crawls what it found). */
export function menuSource(mode: number, candidates: CandidateReader, branches: readonly ReleaseBranch[], warn: (text: string) => void): Promise<RunSource> {
  return selectionSource(menuSelection(mode, candidates, branches, warn));
}

/** What menu option `mode` reads, keeps and in which order: the one definition both stores use. */
export function menuSelection(mode: number, candidates: CandidateReader, branches: readonly ReleaseBranch[], warn: (text: string) => void): SelectionSourceOptions {
  return {
    candidates,
    selection: selectionFor(mode),
    label: `mode ${mode} (${findCrawlMode(mode)?.label ?? "?"})`,
    ...(mode === 50 || mode === 51 ? { keep: versionFilter(mode, branches) } : {}),
    ...(mode === 3 ? { random: Math.random } : {}),
    onInvalid: (domain, reason) => warn(`skipped stored domain "${printable(domain)}": ${reason}`),
  };
}

/**
 * Adds a file's domains to raw_domains (so an interrupted run can continue with --new), a thousand
 * per transaction, staged in fleet mode; lines that are not domains are reported. Returns how many
 * are valid.
 */
export async function importDomainFile(path: string, store: SqliteCrawlStore, warn: (text: string) => void, stage: boolean): Promise<number> {
  let total = 0;
  let batch: string[] = [];
  try {
    for await (const entry of fileDomains(path)) {
      if (!("domain" in entry)) {
        warn(`${path}:${entry.line}: skipped "${printable(entry.text.slice(0, 80))}": ${entry.reason}`);
        continue;
      }
      total++;
      batch.push(entry.domain.name);
      if (batch.length >= 1000) {
        store.insertDomains(batch, { stage });
        batch = [];
      }
    }
  } catch (err) {
    throw new UsageError(`--file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  store.insertDomains(batch, { stage });
  return total;
}
