/**
 * A throwaway PostgreSQL cluster on loopback for tests: initdb in a temp dir,
 * a free port, a password with characters that break naive URLs. Started
 * once per test run by global-setup.ts; each test file makes its own database.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { freePort } from "./ports.ts";

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

const SUPERUSER = "vmcrawl_test";
// Characters that must survive as an option (they would need escaping in a URL).
const PASSWORD = "p@ss:w/rd%20?#&'\" x";

export function findPostgresBin(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(base, versions[0], "bin");
}

/**
 * A cluster the test owns: it can stop it (keeping the data) and start it again on the same
 * port, to play a database that goes away in the middle of a crawl.
 */
export class PostgresCluster {
  readonly server: PostgresServer;
  private readonly dir: string;
  private readonly run: (cmd: string, args: string[]) => void;

  private constructor(server: PostgresServer, dir: string, run: (cmd: string, args: string[]) => void) {
    this.server = server;
    this.dir = dir;
    this.run = run;
  }

  static async create(bin: string): Promise<PostgresCluster> {
    const dir = mkdtempSync(join(tmpdir(), "vmcrawl-pg-"));
    const asRoot = userInfo().uid === 0;
    // initdb refuses to run as root; hand the directory to the postgres user.
    const owner = asRoot ? Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()) : undefined;
    const run = (cmd: string, args: string[]) => {
      const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", join(bin, cmd), ...args]] : [join(bin, cmd), args];
      const result = spawnSync(file, argv, { encoding: "utf8", timeout: 60_000 });
      if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr || result.stdout || result.error?.message}`);
    };
    if (owner !== undefined) chownSync(dir, owner, owner);
    const pwfile = join(dir, "pw");
    writeFileSync(pwfile, PASSWORD, { mode: 0o600 });
    if (owner !== undefined) chownSync(pwfile, owner, owner);
    run("initdb", ["-D", join(dir, "data"), "-U", SUPERUSER, `--pwfile=${pwfile}`, "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8"]);
    for (let attempt = 1; ; attempt++) {
      const cluster = new PostgresCluster({ host: "127.0.0.1", port: await freePort(), user: SUPERUSER, password: PASSWORD }, dir, run);
      try {
        cluster.start();
        return cluster;
      } catch (err) {
        if (attempt >= 3) throw err; // the port was taken between probing and binding; try another
      }
    }
  }

  start(): void {
    this.run("pg_ctl", ["-D", join(this.dir, "data"), "-l", join(this.dir, "log"), "-w", "-t", "30", "start", "-o", `-c listen_addresses=127.0.0.1 -p ${this.server.port} -c unix_socket_directories=${this.dir} -c fsync=off -c full_page_writes=off`]);
  }

  /** Stops the server; `immediate` is a crash (no shutdown checkpoint), the data stays. */
  stop(mode: "immediate" | "fast" = "fast"): void {
    this.run("pg_ctl", ["-D", join(this.dir, "data"), "-m", mode, "-w", "stop"]);
  }

  destroy(): void {
    try {
      this.stop("immediate");
    } catch {
      // already stopped
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

export async function startPostgres(bin: string): Promise<{ server: PostgresServer; stop: () => void }> {
  const cluster = await PostgresCluster.create(bin);
  return { server: cluster.server, stop: () => cluster.destroy() };
}

/** A new empty database on the shared server, for one test file. */
export async function createDatabase(server: PostgresServer, name: string): Promise<string> {
  const admin = postgres({ host: server.host, port: server.port, username: server.user, password: server.password, database: "postgres", onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}"`);
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return name;
}

/** Settings for the store on a fresh database of the shared server (TLS off: loopback). */
export async function freshDatabase(server: PostgresServer, prefix = "vmcrawl"): Promise<import("../../src/config.ts").PostgresSettings> {
  const database = await createDatabase(server, `${prefix}_${Math.random().toString(36).slice(2, 10)}`);
  return { database, user: server.user, password: server.password, host: server.host, port: server.port, sslMode: "disable" };
}

/** The VMCRAWL_POSTGRES_* variables that point the binary at `pg` (fleet mode), as node `nodeId`. */
export function fleetVariables(pg: import("../../src/config.ts").PostgresSettings, nodeId: string): Record<string, string> {
  return {
    VMCRAWL_POSTGRES_DATA: pg.database,
    VMCRAWL_POSTGRES_USER: pg.user!,
    VMCRAWL_POSTGRES_PASS: pg.password!,
    VMCRAWL_POSTGRES_HOST: pg.host,
    VMCRAWL_POSTGRES_PORT: String(pg.port),
    VMCRAWL_POSTGRES_SSLMODE: "disable",
    VMCRAWL_NODE_ID: nodeId,
  };
}
