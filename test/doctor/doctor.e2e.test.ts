/**
 * `vmcrawl doctor` through the binary, each check in its ok state and in its failing (or warning)
 * one: real SQLite, a real PostgreSQL, a real sshd with a known and an unknown host key, a fresh
 * and a stale TLD list, a clock set ahead (libfaketime), a staging file with a backlog and a
 * quarantined entry, a refused .env; GitHub is fedisim's file host. It never writes to a store,
 * and with a reachable store it answers within 5 s.
 */
import { chmodSync, chownSync, existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Check } from "../../src/doctor/checks.ts";
import { PostgresStore } from "../../src/store/postgres.ts";
import { binaryStore, crawlerEnv, requireBinary, runBinary } from "../crawl/e2e.ts";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";
import { clockAt, faketimeTestsRun, LIBFAKETIME } from "../support/faketime.ts";
import { fleetVariables, freshDatabase } from "../support/postgres.ts";
import { freePort } from "../support/ports.ts";
import { type SshServer, startSshd } from "../support/sshd.ts";

const postgresServer = inject("postgres");
const sshdPath = inject("sshd");
const GITHUB = "https://api.github.fedisim.test";
let sim: Fedisim;
let dir: string;
let sshd: SshServer | undefined;

beforeAll(async () => {
  requireBinary();
  sim = await startFedisim(generateScenario({ domains: 4, seed: 15, families: ["mastodon"], latency: { medianMs: 0 } }), {
    files: { "api.github.fedisim.test": { "/rate_limit": JSON.stringify({ resources: { core: { limit: 60, remaining: 60 } } }) } },
  });
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-doctor-"));
  sim.writeFiles(dir);
  if (sshdPath !== null) sshd = await startSshd(sshdPath);
}, 60_000);

afterAll(async () => {
  await sshd?.destroy();
  await sim?.close();
});

interface Doctor {
  code: number | null;
  checks: Map<string, Check>;
  stderr: string;
  ms: number;
}

async function doctor(env: Record<string, string>, cwd = dir): Promise<Doctor> {
  const started = performance.now();
  const run = await runBinary(["doctor", "--json"], { env, cwd, timeoutMs: 30_000 });
  const ms = performance.now() - started;
  const parsed = JSON.parse(run.stdout) as { ok: boolean; checks: Check[] };
  expect(parsed.ok).toBe(run.code === 0);
  return { code: run.code, checks: new Map(parsed.checks.map((c) => [c.name, c])), stderr: run.stderr, ms };
}

const statusOf = (d: Doctor) => Object.fromEntries([...d.checks].map(([name, c]) => [name, c.status]));
const home = () => mkdtempSync(join(tmpdir(), "vmcrawl-home-"));
const base = (extra: Record<string, string> = {}) => crawlerEnv(sim, dir, home(), { VMCRAWL_GITHUB_API_URL: GITHUB, ...extra });

describe("vmcrawl doctor, embedded", () => {
  it("on a new node: nothing fails, the store is not created, and it says what to do", async () => {
    const env = base();
    const d = await doctor(env);
    expect(d.code, d.stderr).toBe(0);
    expect(statusOf(d)).toEqual({
      configuration: "ok",
      ".env files": "ok",
      "SSRF guard": "ok",
      "API rate limit": "ok",
      store: "warn",
      GitHub: "ok",
      "TLD list": "warn",
    });
    expect(d.checks.get("store")!.fix).toMatch(/vmcrawl db migrate/);
    // Never writes: the database it checked is still not there.
    expect(existsSync(join(env.HOME!, ".local/share/vmcrawl/vmcrawl.db"))).toBe(false);
  });

  it("a migrated store and a fresh TLD list are ok; a TLD list past a week old is a warning", async () => {
    const env = base();
    expect((await runBinary(["manage", "tld", "update"], { env, cwd: dir })).code).toBe(0);
    const fresh = await doctor(env);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect([fresh.checks.get("store")!.status, fresh.checks.get("TLD list")!.status]).toEqual(["ok", "ok"]);
    const path = join(env.HOME!, ".local/share/vmcrawl/vmcrawl.db");
    const db = new Database(path);
    db.prepare("UPDATE tld_cache SET last_updated = ?").run(new Date(Date.now() - 10 * 86_400_000).toISOString());
    db.close();
    const modified = statSync(path).mtimeMs;
    const stale = await doctor(env);
    expect(stale.checks.get("TLD list")).toMatchObject({ status: "warn", fix: expect.stringMatching(/vmcrawl manage tld update/) });
    expect(statSync(path).mtimeMs).toBe(modified);
  });

  it("a store written by a newer vmcrawl fails (exit 1), and so does a file that is no database", async () => {
    const env = base();
    expect((await runBinary(["db", "migrate"], { env, cwd: dir })).code).toBe(0);
    const path = join(env.HOME!, ".local/share/vmcrawl/vmcrawl.db");
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'from the future', 'x', ?)").run(new Date().toISOString());
    db.close();
    const newer = await doctor(env);
    expect(newer.code).toBe(1);
    expect(newer.checks.get("store")).toMatchObject({ status: "fail", detail: expect.stringMatching(/schema migration 999 \(from the future\), which this vmcrawl does not know/) });
    writeFileSync(path, "not a database at all, just text ".repeat(200));
    const garbage = await doctor(env);
    expect(garbage.code).toBe(1);
    expect(garbage.checks.get("store")).toMatchObject({ status: "fail", detail: expect.stringMatching(/not a database/) });
  });

  it("GitHub out of reach fails (exit 1), and so does a rate limit that trusts every address; the SSRF guard off is a warning", async () => {
    const d = await doctor(base({ VMCRAWL_GITHUB_API_URL: "https://gone.fedisim.test", VMCRAWL_API_TRUSTED_PROXIES: "0.0.0.0/0", VMCRAWL_ALLOW_PRIVATE_IPS: "1" }));
    expect(d.code).toBe(1);
    expect(d.checks.get("GitHub")).toMatchObject({ status: "fail", detail: expect.stringMatching(/^https:\/\/gone\.fedisim\.test: .*NXDOMAIN/) });
    expect(d.checks.get("API rate limit")!.status).toBe("fail");
    expect(d.checks.get("SSRF guard")!.status).toBe("warn");
    expect(d.stderr).toContain("vmcrawl: 2 checks failed: API rate limit, GitHub");
  });

  it("refuses a .env another user owns, or others can write: the configuration and .env checks fail", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "vmcrawl-dotenv-"));
    const file = join(cwd, ".env");
    writeFileSync(file, "VMCRAWL_ALLOW_PRIVATE_IPS=1\n", { mode: 0o600 });
    chownSync(file, 65534, 65534);
    const owned = await doctor(base(), cwd);
    expect(owned.code).toBe(1);
    expect(owned.checks.get(".env files")).toMatchObject({ status: "fail", detail: expect.stringMatching(/is owned by uid 65534, not by the user running vmcrawl/) });
    expect(owned.checks.get("configuration")!.status).toBe("fail");
    chownSync(file, process.getuid!(), process.getgid!());
    writeFileSync(file, "VMCRAWL_MAX_THREADS=8\n");
    chmodSync(file, 0o666);
    const writable = await doctor(base(), cwd);
    expect(writable.checks.get(".env files")).toMatchObject({ status: "fail", detail: expect.stringMatching(/can be written by other users \(mode 0666\)/) });
    chmodSync(file, 0o600);
    const fine = await doctor(base(), cwd);
    expect(fine.checks.get(".env files")).toMatchObject({ status: "ok", detail: expect.stringContaining(file) });
  });
});

describe.skipIf(postgresServer === null)("vmcrawl doctor, a fleet node", () => {
  it("a reachable, migrated PostgreSQL: every check ok, within 5 s; PostgreSQL away: a failure, still within 5 s", async () => {
    const { env } = await binaryStore("postgres", { server: postgresServer, sim, dir, node: "doctor" }, { VMCRAWL_GITHUB_API_URL: GITHUB });
    // The TLD list updated on PostgreSQL reaches the node with the other reference data.
    expect((await runBinary(["manage", "tld", "update"], { env, cwd: dir })).code).toBe(0);
    // A node that has crawled once: its staging file exists, and everything it staged was pushed.
    const crawled = await runBinary(["--target", sim.scenario.listed[0]!.name], { env, cwd: dir });
    expect(crawled.code, crawled.stderr).toBe(0);
    const healthy = await doctor(env);
    expect(healthy.code, healthy.stderr).toBe(0);
    for (const name of ["staging file", "PostgreSQL", "PostgreSQL TLS", "clock", "outbox", "TLD list", "GitHub"]) expect(healthy.checks.get(name)?.status, name).toBe("ok");
    expect(healthy.checks.get("outbox")!.detail).toMatch(/^0 staged changes waiting; last sync \d{4}-/);
    expect(healthy.ms).toBeLessThan(5000);

    const away = await doctor({ ...env, VMCRAWL_POSTGRES_PORT: String(await freePort()) });
    expect(away.code).toBe(1);
    expect(away.checks.get("PostgreSQL")).toMatchObject({ status: "fail", fix: expect.stringMatching(/VMCRAWL_POSTGRES_/) });
    expect(away.ms).toBeLessThan(5000);
  });

  it("a PostgreSQL that accepts connections and never answers: a failure, and the process gone, within 5 s", async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const pg = await freshDatabase(postgresServer!, "doctor-silent");
      const port = (silent.address() as AddressInfo).port;
      const d = await doctor(crawlerEnv(sim, dir, home(), { ...fleetVariables(pg, "doctor-silent"), VMCRAWL_POSTGRES_PORT: String(port), VMCRAWL_GITHUB_API_URL: GITHUB }));
      expect(d.code).toBe(1);
      expect(d.checks.get("PostgreSQL")!.status).toBe("fail");
      expect(d.ms).toBeLessThan(5000);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("a staging file with a backlog: ok while it is fresh, a warning once it is old, a failure with a quarantined entry", async () => {
    const pg = await freshDatabase(postgresServer!, "doctor-outbox");
    const env = crawlerEnv(sim, dir, home(), { ...fleetVariables(pg, "doctor-outbox"), VMCRAWL_GITHUB_API_URL: GITHUB });
    expect((await runBinary(["db", "migrate"], { env, cwd: dir })).code).toBe(0);
    // PostgreSQL away during the crawl: the results stay staged.
    const target = sim.scenario.listed[0]!.name;
    const crawled = await runBinary(["--target", target], { env: { ...env, VMCRAWL_POSTGRES_PORT: String(await freePort()) }, cwd: dir });
    expect(crawled.code, crawled.stderr).toBe(0);
    const fresh = await doctor(env);
    expect(fresh.checks.get("outbox")).toMatchObject({ status: "ok", detail: expect.stringMatching(/^[1-9]\d* staged changes? waiting/) });
    const staging = new Database(join(env.HOME!, ".local/share/vmcrawl/vmcrawl.db"));
    staging.prepare("UPDATE outbox SET created_at = ?").run(new Date(Date.now() - 2 * 3_600_000).toISOString());
    const old = await doctor(env);
    expect(old.checks.get("outbox")).toMatchObject({ status: "warn", fix: expect.stringMatching(/vmcrawl sync/) });
    const columns = staging.prepare("SELECT name FROM pragma_table_info('outbox_quarantine')").pluck().all() as string[];
    const sample = staging.prepare("SELECT * FROM outbox LIMIT 1").get() as Record<string, unknown>;
    const values = columns.map((c) => (c in sample ? sample[c] : c === "error" ? "refused" : new Date().toISOString()));
    staging.prepare(`INSERT INTO outbox_quarantine (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`).run(...values);
    staging.close();
    const quarantined = await doctor(env);
    expect(quarantined.code).toBe(1);
    expect(quarantined.checks.get("outbox")).toMatchObject({ status: "fail", detail: expect.stringMatching(/^1 staged change PostgreSQL refused is quarantined/) });
    // Doctor pushed nothing: PostgreSQL still has none of it.
    const store = new PostgresStore(pg);
    try {
      expect(await store.query("SELECT domain FROM raw_domains WHERE domain = ?", [target])).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it.skipIf(!faketimeTestsRun())("a clock two minutes ahead of PostgreSQL's fails; seconds apart is fine", async () => {
    const { env } = await binaryStore("postgres", { server: postgresServer, sim, dir, node: "doctor-clock" }, { VMCRAWL_GITHUB_API_URL: GITHUB });
    expect((await runBinary(["db", "migrate"], { env, cwd: dir })).code).toBe(0);
    const ahead = await doctor({ ...env, LD_PRELOAD: LIBFAKETIME!, FAKETIME: "+120", FAKETIME_DONT_FAKE_MONOTONIC: "1" });
    expect(ahead.code).toBe(1);
    expect(ahead.checks.get("clock")).toMatchObject({ status: "fail", detail: expect.stringMatching(/^this machine's clock is 1[12]\d\.\d s ahead of PostgreSQL's$/) });
    const now = await doctor({ ...env, ...clockAt(new Date()) });
    expect(now.checks.get("clock")!.status).toBe("ok");
  });

  it.skipIf(sshdPath === null)("through the SSH tunnel: a known host key is ok, an unknown one fails with its fingerprint", async () => {
    const pg = await freshDatabase(postgresServer!, "doctor-ssh");
    const ssh = {
      VMCRAWL_SSH_HOST: sshd!.host,
      VMCRAWL_SSH_PORT: String(sshd!.port),
      VMCRAWL_SSH_USER: sshd!.user,
      VMCRAWL_SSH_KEY: sshd!.keyFile,
      VMCRAWL_SSH_KEY_PASS: sshd!.keyPassphrase,
      VMCRAWL_SSH_KNOWN_HOSTS: sshd!.knownHostsFile,
    };
    const env = crawlerEnv(sim, dir, home(), { ...fleetVariables(pg, "doctor-ssh"), ...ssh, VMCRAWL_GITHUB_API_URL: GITHUB });
    const known = await doctor(env);
    expect(known.checks.get("SSH host key")).toMatchObject({ status: "ok", detail: `${sshd!.host}:${sshd!.port}: ${sshd!.fingerprint}, known` });
    expect(known.checks.get("PostgreSQL TLS")!.detail).toMatch(/^inside the SSH tunnel/);
    const unknown = await doctor({ ...env, VMCRAWL_SSH_KNOWN_HOSTS: sshd!.wrongKnownHostsFile });
    expect(unknown.code).toBe(1);
    expect(unknown.checks.get("SSH host key")).toMatchObject({ status: "fail", detail: expect.stringContaining(sshd!.fingerprint) });
  });
});

describe("vmcrawl doctor's text", () => {
  it("one line per check, and what to do under each that is not ok", async () => {
    const run = await runBinary(["doctor"], { env: base(), cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok {4}configuration {2,}valid, no \.env file$/m);
    expect(run.stdout).toMatch(/^warn {2}TLD list {2,}none stored.*\n {10,}→ run vmcrawl manage tld update$/m);
  });
});
