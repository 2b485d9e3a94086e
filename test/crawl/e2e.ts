/**
 * Running the built binary against fedisim: one child process, its output
 * collected, and a hook on every finished domain so a test can act in the
 * middle of a crawl (kill the database, cut the tunnel, kill the crawler).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { HOSTILE_FAMILIES } from "../fedisim/families.ts";
import type { DomainSpec, Fedisim } from "../fedisim/index.ts";
import { PostgresStore } from "../../src/store/postgres.ts";
import { TEXT_CAPS } from "../../src/store/sanitize.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { fleetVariables, freshDatabase, type PostgresServer } from "../support/postgres.ts";
import { compareStoredWithTruth } from "./truth.ts";

export const binary = join(import.meta.dirname, "..", "..", "dist", "vmcrawl");

export function requireBinary(): void {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run "npm run build" first (npm test does)`);
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  readonly env: Record<string, string>;
  readonly cwd: string;
  /** Called once per finished domain with the count so far; may act on the child. */
  readonly onOutcome?: (count: number, child: ChildProcess) => void;
  /** Called with every line of stdout, heartbeats included. */
  readonly onLine?: (line: string, child: ChildProcess) => void;
  /** Killed (SIGKILL) after this long: a hung crawler fails the test instead of the run. @default 200 s */
  readonly timeoutMs?: number;
  /** Called once with the child as it starts (to signal it later). */
  readonly onSpawn?: (child: ChildProcess) => void;
}

/** The environment every binary run gets: a private HOME, the simulator, fast heartbeats. */
export function crawlerEnv(sim: Fedisim, dir: string, home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: home,
    PATH: "/usr/bin:/bin",
    ...sim.crawlerEnv,
    VMCRAWL_CA_FILE: join(dir, "ca.pem"),
    VMCRAWL_MAX_THREADS: "32",
    VMCRAWL_PROGRESS_HEARTBEAT_SECONDS: "1",
    ...extra,
  };
}

export function runBinary(args: string[], options: RunOptions): Promise<Run> {
  const child = spawn(binary, args, { env: options.env, cwd: options.cwd });
  options.onSpawn?.(child);
  let stdout = "";
  let stderr = "";
  let outcomes = 0;
  let partial = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 200_000);
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop()!;
    for (const line of lines) {
      options.onLine?.(line, child);
      if (line === "" || line.includes(" heartbeat: ")) continue;
      outcomes++;
      options.onOutcome?.(outcomes, child);
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

/** Domains named by outcome lines (one line per finished domain: "<time> <domain> …"). */
export function finishedDomains(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((l) => l !== "" && !l.includes(" heartbeat: "))
    .map((l) => l.split(" ")[1]!);
}

/** Differences between what a store holds and the simulator's ground truth, for every listed domain (or those given). */
export function mismatches(
  from: Fedisim | readonly DomainSpec[],
  lookup: (domain: string) => { raw: Record<string, unknown> | undefined; published: Record<string, unknown> | undefined },
): string[] {
  const specs = "scenario" in from ? from.scenario.listed : from;
  return specs.flatMap((spec) => compareStoredWithTruth(lookup(spec.name), spec.truth, spec.family));
}

/** The same lookup over PostgreSQL (read whole: the scenarios are small). */
export async function postgresLookup(sql: import("postgres").Sql) {
  const raw = new Map((await sql`SELECT * FROM raw_domains`).map((r) => [r.domain as string, r as Record<string, unknown>]));
  const published = new Map((await sql`SELECT * FROM mastodon_domains`).map((r) => [r.domain as string, r as Record<string, unknown>]));
  return (domain: string) => ({ raw: raw.get(domain), published: published.get(domain) });
}

/** The same lookup over a SQLite file. */
export function sqliteLookup(db: Database.Database) {
  const raw = db.prepare("SELECT * FROM raw_domains WHERE domain = ?");
  const published = db.prepare("SELECT * FROM mastodon_domains WHERE domain = ?");
  return (domain: string) => ({ raw: raw.get(domain) as Record<string, unknown> | undefined, published: published.get(domain) as Record<string, unknown> | undefined });
}

/** Text columns holding what servers sent, by table, with the cap the sanitize boundary keeps each to. */
export const CAPPED_COLUMNS = {
  raw_domains: { domain: TEXT_CAPS.domain, error_reason: TEXT_CAPS.cause, nodeinfo: TEXT_CAPS.software, alias_of: TEXT_CAPS.domain },
  mastodon_domains: { software_version: TEXT_CAPS.version, full_version: TEXT_CAPS.fullVersion, nodeinfo: TEXT_CAPS.software },
  error_log: { error: TEXT_CAPS.reason, error_reason: TEXT_CAPS.cause },
} as const;

/** Stored values over their cap or holding a control character, as readable lines (none is the answer). */
export function textCapViolations(rows: (table: keyof typeof CAPPED_COLUMNS) => readonly Record<string, unknown>[]): string[] {
  const found: string[] = [];
  for (const [table, columns] of Object.entries(CAPPED_COLUMNS) as [keyof typeof CAPPED_COLUMNS, Record<string, number>][]) {
    for (const row of rows(table)) {
      for (const [column, cap] of Object.entries(columns)) {
        const value = row[column];
        if (typeof value !== "string") continue;
        if (value.length > cap) found.push(`${table}.${column} of ${String(row.domain)}: ${value.length} characters, cap ${cap}`);
        if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) found.push(`${table}.${column} of ${String(row.domain)}: a control character in ${JSON.stringify(value.slice(0, 80))}`);
      }
    }
  }
  return found;
}

/** The listed domains of no hostile family, also written to `dir`/ordinary.txt for `--file`. */
export function writeOrdinaryList(sim: Fedisim, dir: string): DomainSpec[] {
  const hostile = new Set(HOSTILE_FAMILIES.map((f) => f.name));
  const ordinary = sim.scenario.listed.filter((s) => !hostile.has(s.family));
  writeFileSync(join(dir, "ordinary.txt"), `${ordinary.map((s) => s.name).join("\n")}\n`);
  return ordinary;
}

/** A store to run the binary against: the environment that points it there, and a way to open the same store from the test. */
export interface BinaryStore {
  readonly env: Record<string, string>;
  readonly store: () => SqliteStore | PostgresStore;
}

export const STORE_KINDS = ["sqlite", "postgres"] as const;

/**
 * A fresh store of either kind: embedded SQLite in a new home, or a fleet node (`node`) on a new
 * PostgreSQL database (the caller skips that one when `server` is null).
 */
export async function binaryStore(
  kind: (typeof STORE_KINDS)[number],
  where: { readonly server: PostgresServer | null; readonly sim: Fedisim; readonly dir: string; readonly node: string },
  extra: Record<string, string> = {},
): Promise<BinaryStore> {
  const home = mkdtempSync(join(tmpdir(), "vmcrawl-home-"));
  if (kind === "sqlite") {
    const path = join(home, ".local/share/vmcrawl/vmcrawl.db");
    return { env: crawlerEnv(where.sim, where.dir, home, extra), store: () => new SqliteStore(path, { cacheDir: join(home, "cache") }) };
  }
  const pg = await freshDatabase(where.server!, where.node);
  return { env: crawlerEnv(where.sim, where.dir, home, { ...fleetVariables(pg, where.node), ...extra }), store: () => new PostgresStore(pg) };
}
