/**
 * What a person sees of a crawl run: the interactive menu on a terminal, and
 * progress, live on a terminal or as plain lines (one per domain, plus a
 * heartbeat) anywhere else.
 */
import { isCancel, select } from "@clack/prompts";
import type { Runtime } from "../cli.ts";
import { crawlModes } from "../crawl/modes.ts";
import { type ProgressTracker, renderHeartbeat, renderLive, renderOutcomeLine } from "../crawl/progress.ts";

/** The seed's crawl menu (0–72) with arrow keys; undefined when cancelled (Esc, Ctrl-C). */
export async function chooseMode(runtime: Runtime): Promise<number | undefined> {
  const chosen = await select({
    message: "What should vmcrawl crawl?",
    options: crawlModes.map((m) => ({ value: m.mode, label: `${String(m.mode).padStart(2)}  ${m.label}`, hint: m.category })),
    initialValue: 3,
    maxItems: 14,
    input: runtime.io.stdin as NodeJS.ReadableStream & NodeJS.ReadStream,
    output: runtime.io.stdout as unknown as NodeJS.WritableStream & NodeJS.WriteStream,
  });
  if (isCancel(chosen)) {
    runtime.io.stderr.write("vmcrawl: cancelled, nothing crawled\n");
    return undefined;
  }
  return chosen;
}

export interface ProgressView {
  stop(): void;
}

export function showProgress(runtime: Runtime, tracker: ProgressTracker, options: { slowMs: number; heartbeatMs: number }): ProgressView {
  const out = runtime.io.stdout;
  if (out.isTTY) return liveView(runtime, tracker, options.slowMs);
  tracker.onFinish((outcome) => out.write(`${new Date().toISOString()} ${renderOutcomeLine(outcome)}\n`));
  const heartbeat = setInterval(() => out.write(`${new Date().toISOString()} ${renderHeartbeat(tracker.snapshot())}\n`), options.heartbeatMs);
  return { stop: () => clearInterval(heartbeat) };
}

/** Redraws in place a few times a second: the previous frame's lines are erased and replaced. */
function liveView(runtime: Runtime, tracker: ProgressTracker, slowMs: number): ProgressView {
  const out = runtime.io.stdout as { write(t: string): unknown; columns?: number; rows?: number };
  let drawn = 0;
  const draw = () => {
    const rows = Math.max(6, (out.rows ?? 24) - 2);
    const lines = renderLive(tracker.snapshot(), { slowMs, width: out.columns ?? 100, maxInFlight: Math.max(1, rows - 6) });
    out.write(`${drawn > 0 ? `\x1b[${drawn}F` : ""}\x1b[J${lines.join("\n")}\n`);
    drawn = lines.length;
  };
  out.write("\x1b[?25l"); // hide the cursor while redrawing
  draw();
  const timer = setInterval(draw, 250);
  return {
    stop() {
      clearInterval(timer);
      draw();
      out.write("\x1b[?25h");
    },
  };
}
