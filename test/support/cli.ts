/** Runs the CLI shell in-process with captured output and an injected environment. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli.ts";
import { rootCommand } from "../../src/commands/root.ts";
import { loadConfig, readEnvFileFromDisk } from "../../src/config.ts";

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A private HOME for one test: the SQLite file and caches land inside it. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), "vmcrawl-home-"));
}

export async function cli(argv: string[], options: { home: string; env?: Record<string, string>; tty?: boolean }): Promise<CliResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(rootCommand, argv, {
    io: {
      stdout: { write: (text: string) => stdout.push(text), isTTY: options.tty ?? false },
      stderr: { write: (text: string) => stderr.push(text), isTTY: options.tty ?? false },
    },
    loadConfig: () => loadConfig({ env: { HOME: options.home, ...options.env }, cwd: options.home, readEnvFile: readEnvFileFromDisk }),
  });
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}
