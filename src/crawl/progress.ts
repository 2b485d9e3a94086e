/**
 * Progress of a run, for people. The tracker counts (pure); two renderers
 * draw it: a live view on a terminal (done/total, rate, ETA, counts per
 * outcome, domains in flight with their time, slow ones marked), and plain
 * lines elsewhere (one per domain, and a heartbeat).
 */
import { stripVTControlCharacters } from "node:util";
import { printable } from "../text.ts";
import type { ProbeOutcome } from "./probe.ts";
import type { RunEvents } from "./runner.ts";

export interface ProgressSnapshot {
  readonly label: string;
  readonly total: number | undefined;
  readonly done: number;
  readonly skipped: number;
  readonly elapsedMs: number;
  /** Domains per second over the last minute (or the whole run if shorter). */
  readonly rate: number;
  readonly etaMs: number | undefined;
  readonly kinds: ReadonlyMap<string, number>;
  readonly errorClasses: ReadonlyMap<string, number>;
  /** Longest first. */
  readonly inFlight: readonly { domain: string; ms: number }[];
}

export class ProgressTracker implements RunEvents {
  private label = "";
  private total: number | undefined;
  private done = 0;
  private skipped = 0;
  private readonly started: number;
  private readonly finishes: number[] = [];
  private readonly kinds = new Map<string, number>();
  private readonly errorClasses = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly now: () => number;
  private readonly listeners: ((outcome: ProbeOutcome, snapshot: () => ProgressSnapshot) => void)[] = [];

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
    this.started = now();
  }

  onFinish(listener: (outcome: ProbeOutcome, snapshot: () => ProgressSnapshot) => void): void {
    this.listeners.push(listener);
  }

  start(total: number | undefined, label: string): void {
    this.total = total;
    this.label = label;
  }

  begin(domain: string): void {
    this.inFlight.set(domain, this.now());
  }

  finish(outcome: ProbeOutcome): void {
    this.inFlight.delete(outcome.domain);
    this.done++;
    const t = this.now();
    this.finishes.push(t);
    // Only the last minute matters for the rate; keep the window bounded.
    while (this.finishes.length > 0 && t - this.finishes[0]! > 60_000) this.finishes.shift();
    bump(this.kinds, outcome.kind);
    if (outcome.kind === "error") bump(this.errorClasses, outcome.error_class);
    for (const listener of this.listeners) listener(outcome, () => this.snapshot());
  }

  skip(domain: string): void {
    this.skipped++;
    this.inFlight.delete(domain);
  }

  snapshot(): ProgressSnapshot {
    const t = this.now();
    const elapsedMs = t - this.started;
    const window = Math.min(60_000, elapsedMs);
    const rate = window > 0 ? (this.finishes.length / window) * 1000 : 0;
    const left = this.total === undefined ? undefined : Math.max(0, this.total - this.done - this.skipped);
    return {
      label: this.label,
      total: this.total,
      done: this.done,
      skipped: this.skipped,
      elapsedMs,
      rate,
      etaMs: left === undefined || rate === 0 ? undefined : (left / rate) * 1000,
      kinds: new Map(this.kinds),
      errorClasses: new Map(this.errorClasses),
      inFlight: [...this.inFlight].map(([domain, since]) => ({ domain, ms: t - since })).sort((a, b) => b.ms - a.ms),
    };
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

// --- rendering ---------------------------------------------------------------------------

const KIND_ORDER = ["mastodon", "alias", "other", "matrix", "error"];

export function renderLive(s: ProgressSnapshot, options: { slowMs: number; width: number; maxInFlight?: number; color?: boolean }): string[] {
  const c = colors(options.color ?? true);
  const share = s.total ? ` (${Math.floor((100 * s.done) / Math.max(1, s.total))}%)` : "";
  const lines = [
    `${c.bold("vmcrawl")} crawling ${s.label}: ${s.done}${s.total === undefined ? "" : ` / ${s.total}`}${share}  ${s.rate.toFixed(1)}/s  ETA ${duration(s.etaMs)}  elapsed ${duration(s.elapsedMs)}${s.skipped ? `  skipped ${s.skipped}` : ""}`,
    `  ${KIND_ORDER.filter((k) => s.kinds.has(k)).map((k) => `${k} ${s.kinds.get(k)}`).join("  ") || "no results yet"}`,
  ];
  if (s.errorClasses.size > 0) lines.push(`  errors: ${[...s.errorClasses].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join("  ")}`);
  const shown = s.inFlight.slice(0, options.maxInFlight ?? 10);
  lines.push(`  in flight: ${s.inFlight.length}`);
  for (const f of shown) {
    const slow = f.ms >= options.slowMs;
    const text = `    ${printable(f.domain).padEnd(40)} ${(f.ms / 1000).toFixed(1)}s${slow ? "  slow" : ""}`;
    lines.push(slow ? c.yellow(text) : text);
  }
  if (s.inFlight.length > shown.length) lines.push(`    … and ${s.inFlight.length - shown.length} more`);
  return lines.map((line) => fit(line, options.width));
}

/** One line per finished domain, for logs. */
export function renderOutcomeLine(o: ProbeOutcome): string {
  const seconds = `${(o.ms / 1000).toFixed(2)}s`;
  const name = printable(o.domain);
  switch (o.kind) {
    case "mastodon":
      return `${name} mastodon ${o.software} ${o.version} mau=${o.mau} ${seconds}`;
    case "alias":
      return `${name} alias of ${printable(o.canonical)} ${seconds}`;
    case "other":
    case "matrix":
      return `${name} ${o.kind} ${printable(o.software)} ${seconds}`;
    case "error":
      return `${name} error ${o.error_class}/${o.cause} at ${o.endpoint}: ${printable(o.reason)} ${seconds}`;
  }
}

export function renderHeartbeat(s: ProgressSnapshot): string {
  const of = s.total === undefined ? "" : ` of ${s.total}`;
  return `heartbeat: ${s.done}${of} done, ${s.rate.toFixed(1)}/s, ${s.inFlight.length} in flight, ETA ${duration(s.etaMs)}, elapsed ${duration(s.elapsedMs)}`;
}

export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "?";
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}

export function fit(line: string, width: number): string {
  const visible = stripVTControlCharacters(line);
  if (visible.length <= width) return line;
  return `${visible.slice(0, Math.max(1, width - 1))}…`;
}

function colors(on: boolean) {
  const wrap = (open: number, close: number) => (t: string) => (on ? `\x1b[${open}m${t}\x1b[${close}m` : t);
  return { bold: wrap(1, 22), yellow: wrap(33, 39) };
}

