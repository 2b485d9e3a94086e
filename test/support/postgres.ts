/**
 * A throwaway PostgreSQL cluster on loopback for tests: initdb in a temp dir,
 * a free port, a password with characters that break naive URLs. Started
 * once per test run by global-setup.ts; each test file makes its own database.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import postgres from "postgres";

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

export async function startPostgres(bin: string): Promise<{ server: PostgresServer; stop: () => void }> {
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
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      run("pg_ctl", ["-D", join(dir, "data"), "-l", join(dir, "log"), "-w", "-t", "30", "start", "-o", `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off -c full_page_writes=off`]);
      break;
    } catch (err) {
      if (attempt >= 3) throw err; // the port was taken between probing and binding; try another
    }
  }
  const stop = () => {
    try {
      run("pg_ctl", ["-D", join(dir, "data"), "-m", "immediate", "-w", "stop"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return { server: { host: "127.0.0.1", port, user: SUPERUSER, password: PASSWORD }, stop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
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
