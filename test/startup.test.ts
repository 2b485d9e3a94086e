/**
 * `vmcrawl --version` and `--help` load the CLI shell and the flag table, not the crawler: no
 * TLS, HTTP/2 or zlib (what undici, postgres.js and ssh2 bring), so they cost about what bare
 * Node costs. Checked on the bundle the binary is made of (dist/vmcrawl.cjs), run by the pinned
 * Node with a preload that reports which of Node's own modules were loaded; a binary cannot be
 * given a preload.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const bundle = join(import.meta.dirname, "..", "dist", "vmcrawl.cjs");
const HEAVY = ["tls", "http2", "zlib"];

function builtinsLoadedBy(args: string[]): string[] {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run "npm run build" first (npm test does)`);
  const dir = mkdtempSync(join(tmpdir(), "vmcrawl-startup-"));
  const preload = join(dir, "report.cjs");
  writeFileSync(preload, `process.on("exit", () => process.stderr.write("\\nLOADED " + JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice(13))) + "\\n"));`);
  const run = spawnSync(process.execPath, ["-r", preload, bundle, ...args], { env: { HOME: dir, PATH: "/usr/bin:/bin" }, encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  const line = /^LOADED (.*)$/m.exec(run.stderr)?.[1];
  expect(line, run.stderr).toBeDefined();
  return JSON.parse(line!) as string[];
}

describe("start-up", () => {
  it.each([["--version"], ["--help"]])("vmcrawl %s loads none of the network stack", (...args) => {
    const loaded = builtinsLoadedBy(args);
    expect(loaded.filter((m) => HEAVY.includes(m))).toEqual([]);
  });

  it("a command that crawls does load it (the check can see it)", () => {
    expect(builtinsLoadedBy(["probe", "--help"])).toEqual(expect.arrayContaining(["tls"]));
  });
});
