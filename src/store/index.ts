/**
 * Opens the system of record the configuration names: PostgreSQL in fleet
 * mode, else the embedded SQLite file. Migrations run on first use.
 */
import type { Config } from "../config.ts";
import { NotAvailableError } from "../errors.ts";
import type { Store } from "./types.ts";

export type { DomainReport, Row, Store, Value } from "./types.ts";
export type { MigrationReport } from "./migrate.ts";

export async function openStore(config: Config, options: { migrate?: boolean } = {}): Promise<Store> {
  let store: Store;
  if (config.postgres === null) {
    const { SqliteStore } = await import("./sqlite.ts");
    store = new SqliteStore(config.sqlitePath, { cacheDir: config.dirs.cache });
  } else {
    if (config.ssh !== null) throw new NotAvailableError("The SSH tunnel to PostgreSQL (VMCRAWL_SSH_HOST)");
    const { PostgresStore } = await import("./postgres.ts");
    store = new PostgresStore(config.postgres);
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

/** How the configuration stores data, for humans. */
export function describeStorage(config: Config): string {
  if (config.postgres === null) return `embedded SQLite at ${config.sqlitePath}`;
  const { host, port, database } = config.postgres;
  const via = config.ssh === null ? "" : ` through SSH ${config.ssh.user}@${config.ssh.host}:${config.ssh.port}`;
  return `PostgreSQL ${host}:${port}/${database}${via}`;
}
