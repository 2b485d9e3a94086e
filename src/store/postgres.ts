/**
 * PostgreSQL, the system of record in fleet mode, through postgres.js.
 * Credentials go in as options, never into a URL, so any character works
 * and nothing needs escaping.
 */
import postgres from "postgres";
import type { PostgresSettings } from "../config.ts";
import { VmcrawlError } from "../errors.ts";
import type { DomainName } from "../net/domain.ts";
import type { VersionContext } from "../versions/clean.ts";
import { MIGRATIONS_TABLE, type AppliedMigration, type MigrationReport, migrationReport, planMigrations } from "./migrate.ts";
import { migrations } from "./migrations.ts";
import { transaction } from "./postgres-tx.ts";
import { describeDomain, loadVersionContext, numberPlaceholders, type Query } from "./queries.ts";
import type { Tunnel } from "./ssh-tunnel.ts";
import type { DomainReport, Row, Store, Value } from "./types.ts";

/** pg_advisory_xact_lock key serialising migrations across nodes ("vmcrawl" in ASCII). */
const MIGRATION_LOCK = 0x766d637261776cn;

export interface PostgresOptions {
  /** Seconds to wait for a connection. @default 10 */
  readonly connectTimeoutSeconds?: number;
  /** Pool size. @default 4 */
  readonly maxConnections?: number;
  /** Connections come through this SSH tunnel instead of TCP; the store closes it. */
  readonly tunnel?: Tunnel;
}

export class PostgresStore implements Store {
  readonly dialect = "postgres" as const;
  readonly location: string;
  readonly sql: postgres.Sql;
  private readonly tunnel: Tunnel | undefined;

  constructor(settings: PostgresSettings, options: PostgresOptions = {}) {
    this.tunnel = options.tunnel;
    this.location = `${settings.host}:${settings.port}/${settings.database}`;
    this.sql = postgres({
      host: settings.host,
      port: settings.port,
      database: settings.database,
      ...(settings.user === undefined ? {} : { username: settings.user }),
      ...(settings.password === undefined ? {} : { password: settings.password }),
      ssl: settings.sslMode === "disable" ? false : settings.sslMode,
      ...(options.tunnel === undefined ? {} : { socket: () => options.tunnel!.connect() }),
      max: options.maxConnections ?? 4,
      connect_timeout: options.connectTimeoutSeconds ?? 10,
      onnotice: () => {},
      // int8 as BigInt (then Number below) rather than postgres.js's default string; dates stay 'YYYY-MM-DD' like SQLite's.
      types: {
        bigint: postgres.BigInt,
        date: { to: 1082, from: [1082], serialize: (x: string) => x, parse: (x: string) => x },
      },
      // Timestamps come back as Date and are turned into ISO strings below; the session zone never matters.
      connection: { application_name: "vmcrawl", TimeZone: "UTC" },
    });
  }

  async migrate(): Promise<MigrationReport> {
    const known = migrations.postgres;
    const pending = await this.run(() =>
      transaction(this.sql, async (tx) => {
        // Held to the end of the transaction: another node migrating at the same time waits, then finds nothing to do.
        await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK.toString()}::bigint)`;
        await tx.unsafe(MIGRATIONS_TABLE);
        const applied = (await tx`SELECT version, name, checksum FROM schema_migrations ORDER BY version`) as unknown as AppliedMigration[];
        const todo = planMigrations(known, applied);
        for (const m of todo) {
          await tx.unsafe(m.sql).simple();
          await tx`INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (${m.version}, ${m.name}, ${m.checksum}, ${new Date().toISOString()})`;
        }
        return todo;
      }),
    );
    return migrationReport(pending, known);
  }

  async describeDomain(domain: DomainName): Promise<DomainReport> {
    return this.run(() => describeDomain(this.query, domain));
  }

  async versionContext(): Promise<VersionContext> {
    return this.run(() => loadVersionContext(this.query));
  }

  readonly query: Query = async (text, params) => {
    const rows = await this.sql.unsafe(numberPlaceholders(text), params as Value[] as never[]);
    return rows.map(fromPostgresRow);
  };

  transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    return this.run(() => transaction(this.sql, (tx) => work(async (text, params) => (await tx.unsafe(numberPlaceholders(text), params as Value[] as never[])).map(fromPostgresRow))));
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
    await this.tunnel?.close();
  }

  /** Turns connection failures into a store error that names where, never with credentials. */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if ((err as { code?: unknown }).code === "MIGRATION") throw err;
      // A refusal of ours (an unknown SSH host key) keeps its exit code: it is configuration, not an outage.
      const exitCode = err instanceof VmcrawlError ? err.exitCode : undefined;
      throw new VmcrawlError("STORE", `PostgreSQL at ${this.location}: ${(err as Error).message}`, { cause: err, ...(exitCode === undefined ? {} : { exitCode }) });
    }
  }
}

function fromPostgresRow(row: Record<string, unknown>): Row {
  const out: Record<string, Value> = {};
  for (const [column, value] of Object.entries(row)) {
    out[column] = value instanceof Date ? value.toISOString() : typeof value === "bigint" ? Number(value) : (value as Value);
  }
  return out;
}
