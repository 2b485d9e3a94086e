/** docs/architecture.md's source map names exactly the modules that exist under src/. */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const architecture = readFileSync(join(root, "docs", "architecture.md"), "utf8");

/** Every .ts file under src/, relative to it. */
function modules(dir = join(root, "src")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith(".ts") ? [relative(join(root, "src"), path)] : [];
  });
}

/**
 * The modules the map names: inside its text block, a line "  folder/ …" opens a folder of src/,
 * a line "  name.ts …" names a top-level module, deeper-indented lines go on with the folder
 * before, and a line at the margin leaves src/.
 */
function named(): string[] {
  const layout = architecture.slice(architecture.indexOf("## Layout and decisions"));
  const block = /```text\n([\s\S]*?)```/.exec(layout)?.[1] ?? "";
  const names: string[] = [];
  let folder: string | undefined;
  for (const line of block.split("\n")) {
    const opens = /^ {2}([\w-]+)\/\s/.exec(line);
    if (opens) folder = opens[1];
    else if (/^ {2}[\w.-]+\.ts\s/.test(line)) folder = ".";
    else if (!line.startsWith("   ")) folder = line.startsWith("src/") ? "." : undefined;
    if (folder === undefined) continue;
    for (const [token] of line.matchAll(/[\w./-]+\.ts\b/g)) names.push(folder === "." ? token : `${folder}/${token}`);
  }
  return names;
}

describe("docs/architecture.md", () => {
  it("names every module under src/ in its source map, and names none that does not exist", () => {
    const mapped = new Set(named());
    const existing = modules();
    expect(existing.filter((m) => !mapped.has(m)), "modules the map leaves out").toEqual([]);
    expect([...mapped].filter((m) => !existing.includes(m)), "names in the map with no module").toEqual([]);
  });
});
