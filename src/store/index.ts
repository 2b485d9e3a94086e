/**
 * Opens the system of record the configuration names: PostgreSQL in fleet
 * mode, else the embedded SQLite file. Migrations run on first use.
 */
import type { Config } from "../config.ts";
import type { Store } from "./types.ts";

export type { DomainReport, Row, Store, Value } from "./types.ts";
export type { MigrationReport } from "./migrate.ts";

export async function openStore(config: Config, options: { migrate?: boolean } = {}): Promise<Store> {
  let store: Store;
  if (config.postgres === null) {
    const { SqliteStore } = await import("./sqlite.ts");
    store = new SqliteStore(config.sqlitePath, { cacheDir: config.dirs.cache });
  } else {
    store = await connectPostgres(config, () => {});
  }
  if (options.migrate ?? true) {
    try {
      await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  return store;
}

/**
 * PostgreSQL as configured: directly, or through the SSH tunnel when VMCRAWL_SSH_HOST is set.
 * `connectTimeoutSeconds` bounds the connection and the SSH handshake (a quick check must not
 * linger on a host that never answers).
 */
export async function connectPostgres(config: Config, log: (line: string) => void, options: { connectTimeoutSeconds?: number } = {}): Promise<import("./postgres.ts").PostgresStore> {
  const { PostgresStore } = await import("./postgres.ts");
  const settings = config.postgres!;
  const timeout = options.connectTimeoutSeconds === undefined ? {} : { connectTimeoutSeconds: options.connectTimeoutSeconds };
  if (config.ssh === null) return new PostgresStore(settings, timeout);
  const { openTunnel } = await import("./ssh-tunnel.ts");
  const tunnel = await openTunnel(config.ssh, { host: settings.host, port: settings.port }, log, options.connectTimeoutSeconds === undefined ? {} : { readyTimeoutMs: options.connectTimeoutSeconds * 1000 });
  return new PostgresStore(settings, { ...timeout, tunnel });
}

/** How the configuration stores data, for humans. */
export function describeStorage(config: Config): string {
  if (config.postgres === null) return `embedded SQLite at ${config.sqlitePath}`;
  const { host, port, database } = config.postgres;
  const via = config.ssh === null ? "" : ` through SSH ${config.ssh.user}@${config.ssh.host}:${config.ssh.port}`;
  return `PostgreSQL ${host}:${port}/${database}${via}`;
}
