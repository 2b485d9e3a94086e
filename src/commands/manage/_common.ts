/** What every manage subcommand shares: --json, and printing either JSON or lines. */
import type { Runtime } from "../../cli.ts";
import { println } from "../_shared.ts";

export const jsonArg = { json: { type: "boolean", description: "Print JSON instead of text" } } as const;

/** Prints `data` as JSON when asked, else the text lines. */
export function report(runtime: Runtime, json: boolean | undefined, data: unknown, text: () => string | string[]): void {
  if (json === true) return println(runtime, JSON.stringify(data, null, 2));
  const lines = text();
  println(runtime, Array.isArray(lines) ? lines.join("\n") : lines);
}
