/**
 * Rewrites the generated parts of README.md from their sources (`npm run docs`).
 * test/readme.test.ts fails when they are out of date.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderConfigTable } from "../../src/config.ts";

export const README = join(import.meta.dirname, "..", "..", "README.md");
const START = "<!-- config-table:start (generated from src/config.ts by npm run docs) -->";
const END = "<!-- config-table:end -->";

export function withConfigTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end < start) throw new Error(`README.md lacks the ${START} … ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${renderConfigTable()}\n${readme.slice(end)}`;
}

if (import.meta.main) {
  writeFileSync(README, withConfigTable(readFileSync(README, "utf8")));
  console.log("README.md: configuration table updated");
}
