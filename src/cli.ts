/**
 * The CLI shell: finds the command, answers --help and --version, refuses
 * unknown options, runs the command, and is the one place that turns errors
 * into exit codes. Nothing below it calls `process.exit`.
 *
 * citty gives us command definitions, argument parsing and usage rendering.
 * We do not use its `runMain`: it exits 1 on bad arguments (we promise 2),
 * runs a parent's `run` after a subcommand's, and accepts unknown flags.
 */
import { type ArgsDef, type CommandDef, renderUsage, runCommand } from "citty";
import { stripVTControlCharacters } from "node:util";
import type { Config, LoadedConfig } from "./config.ts";
import { ExitCode, UsageError, isVmcrawlError } from "./errors.ts";
import { VERSION } from "./version.ts";

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  /** For interactive prompts; absent or not a TTY means headless. */
  readonly stdin?: NodeJS.ReadableStream & { readonly isTTY?: boolean };
}

/** What every command receives (as citty's `context.data`). */
export interface Runtime {
  readonly io: CliIo;
  /** The validated configuration, loaded on first call; throws ConfigError (exit 2). */
  config(): Config;
  /** The same with its warnings and the .env files read, for a command that reports them itself (doctor); prints nothing. */
  loaded(): LoadedConfig;
}

export interface CliOptions {
  readonly io: CliIo;
  readonly loadConfig: () => LoadedConfig;
}

// citty command types are invariant in their args; the shell handles any command.
type AnyCommand = CommandDef<any>;

export async function runCli(root: AnyCommand, argv: readonly string[], options: CliOptions): Promise<number> {
  const { io } = options;
  let path = ["vmcrawl"];
  try {
    const found = await findCommand(root, [...argv]);
    path = found.path;
    const args = (await resolve(found.command.args)) ?? {};
    if (wantsHelp(found.rawArgs)) {
      io.stdout.write(`${plain(await usage(found), io.stdout)}\n`);
      return ExitCode.ok;
    }
    rejectUnknownOptions(found.rawArgs, args, path);
    if (found.command.run === undefined) {
      throw new UsageError(`"${path.join(" ")}" needs a subcommand`);
    }
    await runCommand(found.command, { rawArgs: found.rawArgs, data: runtime(options) });
    return ExitCode.ok;
  } catch (err) {
    return report(err, path, io);
  }
}

function runtime(options: CliOptions): Runtime {
  let loaded: LoadedConfig | undefined;
  let warned = false;
  const load = () => (loaded ??= options.loadConfig());
  return {
    io: options.io,
    config() {
      const { config, warnings } = load();
      if (!warned) for (const warning of warnings) options.io.stderr.write(`vmcrawl: warning: ${warning}\n`);
      warned = true;
      return config;
    },
    loaded: load,
  };
}

/** The single mapping from errors to exit codes and messages. */
function report(err: unknown, path: readonly string[], io: CliIo): number {
  if (isVmcrawlError(err)) {
    io.stderr.write(`vmcrawl: ${err.message}\n`);
    if (err.code === "USAGE") io.stderr.write(`Run "${path.join(" ")} --help" for usage.\n`);
    return err.exitCode;
  }
  if ((err as { name?: unknown })?.name === "CLIError") {
    // citty's own argument errors (e.g. a missing positional) are usage errors too.
    io.stderr.write(`vmcrawl: ${plain((err as Error).message, io.stderr)}\nRun "${path.join(" ")} --help" for usage.\n`);
    return ExitCode.usage;
  }
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  io.stderr.write(
    `vmcrawl: unexpected error: ${detail}\n` +
      `This is a bug in vmcrawl ${VERSION} (node ${process.version}, ${process.platform}-${process.arch}). ` +
      `Please report it with the command you ran and the output above.\n`,
  );
  return ExitCode.failure;
}

// --- finding the command ------------------------------------------------------------

interface Found {
  readonly command: AnyCommand;
  readonly rawArgs: string[];
  /** ["vmcrawl", "db", "migrate"] */
  readonly path: string[];
  readonly parent?: AnyCommand;
}

async function findCommand(root: AnyCommand, argv: string[]): Promise<Found> {
  let found: Found = { command: root, rawArgs: argv, path: ["vmcrawl"] };
  for (;;) {
    const subCommands = await resolve(found.command.subCommands);
    if (subCommands === undefined || Object.keys(subCommands).length === 0) return found;
    const args = (await resolve(found.command.args)) ?? {};
    const index = firstPositional(found.rawArgs, args);
    if (index === -1) return found;
    const name = found.rawArgs[index]!;
    const sub = subCommands[name];
    if (sub === undefined) {
      // "--tagret x.example": the misspelt option is the real problem, not a command called "x.example".
      rejectUnknownOptions(found.rawArgs.slice(0, index), args, found.path);
      throw new UsageError(`unknown command "${name}" (commands: ${Object.keys(subCommands).join(", ")})`);
    }
    if (index > 0 && !wantsHelp(found.rawArgs)) {
      throw new UsageError(`put options after the command name: "${found.path.join(" ")} ${name} ${found.rawArgs.slice(0, index).join(" ")}"`);
    }
    found = {
      command: (await resolve(sub)) as AnyCommand,
      rawArgs: found.rawArgs.slice(index + 1),
      path: [...found.path, name],
      parent: found.command,
    };
  }
}

/** Index of the first argument that is not an option or an option's value; -1 if none. */
function firstPositional(rawArgs: readonly string[], args: ArgsDef): number {
  const valueFlags = optionNames(args, (def) => def.type === "string" || def.type === "enum");
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") return -1;
    if (arg.startsWith("-")) {
      if (!arg.includes("=") && valueFlags.has(arg.replace(/^-{1,2}/, ""))) i++;
      continue;
    }
    return i;
  }
  return -1;
}

function wantsHelp(rawArgs: readonly string[]): boolean {
  const end = rawArgs.indexOf("--");
  return (end === -1 ? rawArgs : rawArgs.slice(0, end)).some((arg) => arg === "--help" || arg === "-h");
}

function rejectUnknownOptions(rawArgs: readonly string[], args: ArgsDef, path: readonly string[]): void {
  const known = optionNames(args, () => true);
  const hasPositionals = Object.values(args).some((def) => def.type === "positional");
  const valueFlags = optionNames(args, (def) => def.type === "string" || def.type === "enum");
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") break;
    if (!arg.startsWith("-") || arg === "-") {
      if (!hasPositionals) throw new UsageError(`"${path.join(" ")}" takes no argument "${arg}"`);
      continue;
    }
    const name = arg.replace(/^-{1,2}/, "").split("=")[0]!;
    const base = name.startsWith("no-") && known.has(name.slice(3)) ? name.slice(3) : name;
    if (!known.has(base)) throw new UsageError(`unknown option ${arg.split("=")[0]} for "${path.join(" ")}"`);
    if (valueFlags.has(base) && !arg.includes("=")) i++;
  }
}

function optionNames(args: ArgsDef, keep: (def: ArgsDef[string]) => boolean): Set<string> {
  const names = new Set<string>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional" || !keep(def)) continue;
    names.add(name);
    names.add(name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
    const alias = "alias" in def ? def.alias : undefined;
    for (const a of alias === undefined ? [] : Array.isArray(alias) ? alias : [alias]) names.add(a);
  }
  return names;
}

// --- help ---------------------------------------------------------------------------

async function usage(found: Found): Promise<string> {
  const parentName = found.path.slice(0, -1).join(" ");
  const meta = (await resolve(found.command.meta)) ?? {};
  // citty names a command "<parent name> <name>"; give it the full path and the version.
  const parent = found.parent ? { meta: { name: parentName, version: VERSION } } : undefined;
  const subCommands = await resolve(found.command.subCommands);
  const command: AnyCommand = {
    ...found.command,
    meta: { ...meta, name: found.path.at(-1), version: VERSION },
    // citty's usage imports every subcommand to read its description; a lazy one that carries it is listed as it is.
    ...(subCommands === undefined ? {} : { subCommands: Object.fromEntries(Object.entries(subCommands).map(([name, sub]) => [name, listed(sub)])) as typeof subCommands }),
  };
  return renderUsage(command, parent as AnyCommand | undefined);
}

/** A subcommand loaded only when it runs, carrying its `meta` so that usage can list it without loading it. */
export function lazyCommand(meta: { name: string; description: string }, load: () => Promise<AnyCommand>): (() => Promise<AnyCommand>) & { meta: typeof meta } {
  return Object.assign(load, { meta });
}

function listed(sub: unknown): unknown {
  return typeof sub === "function" && "meta" in sub ? { meta: (sub as { meta: unknown }).meta } : sub;
}

/** citty colours help unconditionally; keep escape codes out of pipes and files. */
function plain(text: string, out: Output): string {
  return out.isTTY ? text : stripVTControlCharacters(text);
}

async function resolve<T>(value: T | Promise<T> | (() => T | Promise<T>) | undefined): Promise<T | undefined> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}
