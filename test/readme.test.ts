import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configVariables } from "../src/config.ts";
import { README, withConfigTable } from "./support/update-readme.ts";

const readme = readFileSync(README, "utf8");
const ciRun = readFileSync(join(import.meta.dirname, "..", ".ci", "run"), "utf8");
const commands = [...readme.matchAll(/```sh\n([^\n]+)\n```/g)].map((m) => m[1]!);

describe("README", () => {
  it("has a configuration table generated from src/config.ts (run npm run docs if this fails)", () => {
    expect(readme).toBe(withConfigTable(readme));
    for (const name of configVariables) expect(readme).toContain(`| \`${name}\` |`);
  });

  it("starts with the set-up-and-run command and the test command", () => {
    expect(commands[0]).toBe("npm ci && npm run build && ./dist/vmcrawl --target vmst.io && ./dist/vmcrawl --db vmst.io");
    expect(commands[1]).toBe("npm ci && npm test");
    expect(readme.indexOf("```sh")).toBeLessThan(readme.indexOf("## "));
  });

  it("stays a document for users: under 25 KB, the design in docs/architecture.md, the figures in bench/README.md", () => {
    expect(Buffer.byteLength(readme)).toBeLessThan(25 * 1024);
    expect(readme).toContain("](docs/architecture.md)");
    expect(readme).toContain("](bench/README.md)");
  });

  it(".ci/run runs the README's test command", () => {
    expect(ciRun).toMatch(new RegExp(`^${commands[1]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}( |$)`, "m"));
  });
});
