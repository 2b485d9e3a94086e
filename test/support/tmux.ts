/**
 * The binary on a real terminal: a tmux pseudo-terminal per run, read back
 * with capture-pane. Under CI=true a missing tmux is a failure, not a skip.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const binary = join(import.meta.dirname, "..", "..", "dist", "vmcrawl");

export function hasTmux(): boolean {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Whether the terminal tests run here (skipped without tmux, except under CI=true). */
export function terminalTestsRun(): boolean {
  return hasTmux() || process.env.CI === "true";
}

export function requireTmuxUnderCi(): void {
  if (process.env.CI === "true" && !hasTmux()) throw new Error("tmux is missing (CI=true): apt-get install tmux (.ci/run does)");
}

export function tmux(args: string[], ignoreErrors = false): string {
  try {
    return execFileSync("tmux", args, { encoding: "utf8" });
  } catch (err) {
    if (ignoreErrors) return "";
    throw err;
  }
}

/** Terminal sessions started by one test file; close() kills them. */
export class Terminals {
  private readonly sessions: string[] = [];

  /** Starts `vmcrawl args` in `cwd` in a new 110×40 terminal; the shell prints EXIT=<code> when it ends. */
  start(home: string, cwd: string, args: string[], env: Record<string, string>): string {
    const name = `vmcrawl-test-${process.pid}-${this.sessions.length}-${Date.now()}`;
    this.sessions.push(name);
    const script = join(home, `run-${this.sessions.length}.sh`);
    const vars = { HOME: home, TERM: "xterm-256color", ...env };
    const exports = Object.entries(vars).map(([k, v]) => `export ${k}='${v}'`).join("\n");
    writeFileSync(script, `${exports}\ncd '${cwd}'\n'${binary}' ${args.map((a) => `'${a}'`).join(" ")}\necho EXIT=$?\nsleep 120\n`);
    tmux(["new-session", "-d", "-s", name, "-x", "110", "-y", "40", `bash ${script}`]);
    return name;
  }

  close(): void {
    for (const name of this.sessions.splice(0)) tmux(["kill-session", "-t", name], true);
  }
}

export const screen = (name: string) => tmux(["capture-pane", "-p", "-t", name]);

export async function waitFor(name: string, test: (text: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (let text = screen(name); ; text = screen(name)) {
    if (test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
