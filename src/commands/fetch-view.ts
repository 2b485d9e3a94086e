/**
 * What a person sees of a fetch run: on a terminal, the finished servers'
 * lines scrolling above a live block (servers done, entries read, new names,
 * the lists being read); anywhere else, the same lines and a heartbeat.
 */
import type { Runtime } from "../cli.ts";
import { type FetchProgress, renderFetchHeartbeat, renderFetchLive } from "../peers/progress.ts";

export interface FetchView {
  /** A finished server's line (timestamped here). */
  line(text: string): void;
  stop(): void;
}

export function showFetchProgress(runtime: Runtime, progress: FetchProgress, options: { heartbeatMs: number }): FetchView {
  const out = runtime.io.stdout as { write(t: string): unknown; isTTY?: boolean; columns?: number; rows?: number };
  const stamped = (text: string) => `${new Date().toISOString()} ${text}\n`;
  if (out.isTTY !== true) {
    const heartbeat = setInterval(() => out.write(stamped(renderFetchHeartbeat(progress.snapshot()))), options.heartbeatMs);
    return { line: (text) => out.write(stamped(text)), stop: () => clearInterval(heartbeat) };
  }
  let drawn = 0;
  const frame = () => {
    const lines = renderFetchLive(progress.snapshot(), { width: out.columns ?? 100, maxReading: Math.max(1, (out.rows ?? 24) - 6) });
    drawn = lines.length;
    return `${lines.join("\n")}\n`;
  };
  // Erase the block, then write what goes above it and the block again, in one write so it does not flicker.
  const erase = () => (drawn > 0 ? `\x1b[${drawn}F\x1b[J` : "");
  out.write(`\x1b[?25l${frame()}`);
  const timer = setInterval(() => out.write(erase() + frame()), 250);
  return {
    line: (text) => out.write(erase() + stamped(text) + frame()),
    stop() {
      clearInterval(timer);
      out.write(`${erase()}${frame()}\x1b[?25h`);
    },
  };
}
