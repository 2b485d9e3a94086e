/**
 * Pushing staged changes to PostgreSQL (DESIGN §5): batches of the outbox
 * in order, one PostgreSQL transaction each with the node's receipt, rows
 * deleted locally only after the commit. In the background it retries with
 * capped exponential backoff while the database is away, and says so once
 * per change of state, not once per attempt.
 */
import type postgres from "postgres";
import { applyStaged } from "./postgres-fleet.ts";
import type { Backlog, SqliteStaging } from "./sqlite-staging.ts";

export interface SyncStatus {
  readonly backlog: Backlog;
  readonly identity: string;
  readonly lastSuccess: string | undefined;
  readonly lastFailure: string | undefined;
}

export interface SyncerOptions {
  readonly staging: SqliteStaging;
  readonly sql: postgres.Sql;
  /** This outbox's identity in sync_receipts. */
  readonly identity: string;
  /** One line per change of state ("cannot reach PostgreSQL", "reachable again"). */
  readonly log: (line: string) => void;
  /** Entries per PostgreSQL transaction. @default DEFAULT_BATCH */
  readonly batchSize?: number;
  /** Backoff ceiling while the database is away. @default 60_000 */
  readonly maxBackoffMs?: number;
}

/** Entries per PostgreSQL transaction: bigger batches pay the per-transaction round trips less often (bench/sync.ts). */
export const DEFAULT_BATCH = 2500;

export class Syncer {
  private readonly options: SyncerOptions;
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private reachable: boolean | undefined;

  constructor(options: SyncerOptions) {
    this.options = options;
  }

  /**
   * Pushes everything staged now; throws when PostgreSQL cannot take it (what was pushed stays
   * pushed). While PostgreSQL applies one batch, the next is read from the outbox and the last
   * one acknowledged, so the local work hides behind the database's.
   */
  async pushAll(): Promise<number> {
    const { staging, sql, identity } = this.options;
    const size = this.options.batchSize ?? DEFAULT_BATCH;
    let pushed = 0;
    let batch = staging.outbox(size);
    let committed: number | undefined;
    try {
      while (batch.length > 0) {
        const applying = applyStaged(sql, identity, batch);
        // Only ever after the commit that carried them: see the await below.
        if (committed !== undefined) staging.acknowledge(committed);
        const next = staging.outbox(size, batch.at(-1)!.seq);
        committed = (await applying).lastSeq;
        pushed += batch.length;
        batch = next;
      }
    } catch (err) {
      this.recordFailure(err);
      throw err;
    } finally {
      if (committed !== undefined) staging.acknowledge(committed);
    }
    if (pushed > 0 || committed !== undefined) staging.setSetting("last_sync", new Date().toISOString());
    return pushed;
  }

  /** Remembers a failed attempt for `vmcrawl sync --status`. */
  recordFailure(err: unknown): void {
    this.options.staging.setSetting("last_sync_failure", `${new Date().toISOString()} ${describe(err)}`);
  }

  status(): SyncStatus {
    const { staging, identity } = this.options;
    return { backlog: staging.backlog(), identity, lastSuccess: staging.setting("last_sync"), lastFailure: staging.setting("last_sync_failure") };
  }

  /** Starts pushing in the background until stop(). */
  start(): void {
    this.running ??= this.loop();
  }

  /** New entries were staged: push soon rather than at the next poll. */
  nudge(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const pushed = await this.pushAll();
        if (this.reachable === false) this.options.log(`sync: PostgreSQL is reachable again; pushed ${pushed} staged results`);
        this.reachable = true;
        failures = 0;
        await this.sleep(1000);
      } catch (err) {
        if (this.reachable !== false) this.options.log(`sync: cannot reach PostgreSQL (${describe(err)}); results stay staged and sync retries with backoff`);
        this.reachable = false;
        failures++;
        const cap = this.options.maxBackoffMs ?? 60_000;
        const delay = Math.min(cap, 500 * 2 ** Math.min(failures, 20));
        await this.sleep(delay * (0.8 + 0.4 * Math.random()));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

export function describe(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  return `${typeof code === "string" ? `${code}: ` : ""}${message}`.replace(/\s+/g, " ").slice(0, 200);
}
