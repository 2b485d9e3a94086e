/**
 * The layers DESIGN §3 draws, checked on the source: stores at the edge. SQL lives under
 * src/store/ only (and sql/), and no store module reaches back into the crawl or the commands.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const src = join(import.meta.dirname, "..", "src");

function sources(dir = src): { path: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [{ path: relative(src, path), text: readFileSync(path, "utf8") }] : [];
  });
}

/** Statements as this codebase writes them (upper-case keywords), and the calls that run SQL. */
const SQL = [
  /\bSELECT\s[^;`"']{0,400}?\bFROM\s+[a-z_]+/,
  /\bSELECT\s+(?:1|count|sqlite_version|pg_)/,
  /\bINSERT\s+INTO\s/,
  /\bUPDATE\s+[a-z_]+\s+SET\s/,
  /\bDELETE\s+FROM\s/,
  /\b(?:CREATE|ALTER|DROP)\s+(?:TABLE|INDEX|VIEW)\s/,
  /\.prepare\(/,
  /\.unsafe\(/,
  /\b(?:sql|tx)`/,
];

/** What imports a module makes, static and dynamic. */
function imports(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\()\s*["']([^"']+)["']/g)].map((m) => m[1]!);
}

describe("layers", () => {
  const all = sources();

  it("reads the whole source tree", () => {
    expect(all.length).toBeGreaterThan(100);
    expect(all.some((f) => f.path.startsWith("store/"))).toBe(true);
  });

  it("keeps SQL under src/store/", () => {
    const outside = all
      .filter((f) => !f.path.startsWith("store/"))
      .flatMap((f) => SQL.filter((pattern) => pattern.test(f.text)).map((pattern) => `${f.path}: ${pattern}`));
    expect(outside).toEqual([]);
  });

  it("finds SQL where it is (the patterns are not blind)", () => {
    const store = all.filter((f) => f.path.startsWith("store/"));
    for (const pattern of SQL) expect(store.some((f) => pattern.test(f.text)), String(pattern)).toBe(true);
  });

  it("keeps the commands at the top: only the CLI shell and main.ts import them", () => {
    const reaching = all
      .filter((f) => !f.path.startsWith("commands/") && f.path !== "main.ts" && f.path !== "cli.ts")
      .flatMap((f) => imports(f.text).filter((target) => /(?:^|\/)commands\//.test(target)).map((target) => `${f.path} → ${target}`));
    expect(reaching).toEqual([]);
  });

  it("ends the program only through the one error → exit map", () => {
    // A second Ctrl-C during a crawl is the one exit outside the CLI shell (commands/_crawl-session.ts).
    const exits = all.filter((f) => f.path !== "main.ts" && f.path !== "cli.ts").flatMap((f) => [...f.text.matchAll(/process\.exit(?:Code)?\b/g)].map(() => f.path));
    expect(exits).toEqual(["commands/_crawl-session.ts"]);
  });

  it("never imports the crawl or the commands from a store module", () => {
    const reaching = all
      .filter((f) => f.path.startsWith("store/"))
      .flatMap((f) => imports(f.text).filter((target) => /^\.\.\/(?:crawl|commands)\//.test(target) || target === "../cli.ts").map((target) => `${f.path} → ${target}`));
    expect(reaching).toEqual([]);
  });
});
