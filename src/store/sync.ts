/**
 * Pushing staged changes to PostgreSQL (DESIGN §5): batches of the outbox
 * in order, one PostgreSQL transaction each with the node's receipt, rows
 * deleted locally only after the commit. In the background it retries with
 * capped exponential backoff while the database is away, and says so once
 * per change of state, not once per attempt.
 *
 * A batch PostgreSQL refuses for what is in it (not for being away) never
 * jams the outbox: it is split in halves until the entry at fault is alone,
 * that entry is quarantined with the error, and everything else is pushed.
 */
import type postgres from "postgres";
import { applyStaged, receiptOf, type StagedEntry } from "./postgres-fleet.ts";
import type { Backlog, SqliteStaging } from "./sqlite-staging.ts";

export interface SyncStatus {
  readonly backlog: Backlog;
  readonly identity: string;
  readonly lastSuccess: string | undefined;
  readonly lastFailure: string | undefined;
  /** Entries PostgreSQL refused, kept aside (`vmcrawl sync --status` lists them). */
  readonly quarantined: number;
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
  /** Whether this file's numbering was checked against PostgreSQL's receipt (once per run). */
  private reconciled = false;

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
    let committed: number | undefined;
    try {
      await this.reconcile();
      let batch = staging.outbox(size);
      while (batch.length > 0) {
        const applying = applyStaged(sql, identity, batch);
        // Handled here too, so a failure of the local work below never leaves it unhandled.
        applying.catch(() => {});
        // Only ever after the commit that carried them: see the await below.
        if (committed !== undefined) staging.acknowledge(committed);
        committed = undefined;
        const next = staging.outbox(size, batch.at(-1)!.seq);
        try {
          committed = (await applying).lastSeq;
          pushed += batch.length;
        } catch (err) {
          if (!isRefusal(err)) throw err;
          pushed += await this.isolate(batch, err);
        }
        batch = next;
      }
    } catch (err) {
      this.recordFailure(err);
      throw err;
    } finally {
      if (committed !== undefined) staging.acknowledge(committed);
    }
    if (pushed > 0) staging.setSetting("last_sync", new Date().toISOString());
    return pushed;
  }

  /** Once per run, before the first push: this file's numbering agrees with PostgreSQL's receipt. */
  private async reconcile(): Promise<void> {
    if (this.reconciled) return;
    const renumbered = this.options.staging.reconcile(await receiptOf(this.options.sql, this.options.identity));
    this.reconciled = true;
    if (renumbered > 0) {
      this.options.log(`sync: PostgreSQL holds more of this staging file than it remembers (a restored or damaged file); ${renumbered} staged changes numbered again so none is skipped`);
    }
  }

  /**
   * A batch PostgreSQL refused for its contents: halves are pushed on their own (each committed
   * and acknowledged as it goes) until the entry at fault is alone, and that one is quarantined.
   * Returns how many entries were pushed.
   */
  private async isolate(entries: readonly StagedEntry[], refusal: unknown): Promise<number> {
    const { staging, sql, identity, log } = this.options;
    if (entries.length === 1) {
      const [entry] = entries;
      const domain = "domain" in entry!.change ? ` for ${entry!.change.domain}` : "";
      staging.quarantine(entry!.seq, describe(refusal));
      log(`sync: PostgreSQL refused staged change #${entry!.seq} (${entry!.change.kind}${domain}): ${describe(refusal)}; quarantined, the rest goes on (vmcrawl sync --status lists it)`);
      return 0;
    }
    const middle = Math.ceil(entries.length / 2);
    let pushed = 0;
    for (const half of [entries.slice(0, middle), entries.slice(middle)]) {
      try {
        staging.acknowledge((await applyStaged(sql, identity, half)).lastSeq);
        pushed += half.length;
      } catch (err) {
        if (!isRefusal(err)) throw err;
        pushed += await this.isolate(half, err);
      }
    }
    return pushed;
  }

  /** Remembers a failed attempt for `vmcrawl sync --status`. */
  recordFailure(err: unknown): void {
    this.options.staging.setSetting("last_sync_failure", `${new Date().toISOString()} ${describe(err)}`);
  }

  status(): SyncStatus {
    const { staging, identity } = this.options;
    return {
      backlog: staging.backlog(),
      identity,
      lastSuccess: staging.setting("last_sync"),
      lastFailure: staging.setting("last_sync_failure"),
      quarantined: staging.quarantinedCount(),
    };
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

/**
 * Whether PostgreSQL refused a batch for what it holds, as opposed to being away or busy: a data
 * exception (SQLSTATE class 22: a NUL byte, a number out of range, an invalid time) or an
 * integrity violation (23), or a value the client could not even send (a malformed entry). Such a
 * batch fails the same way every time; anything else is worth retrying as it is.
 */
export function isRefusal(err: unknown): boolean {
  if (err instanceof RangeError || err instanceof TypeError || err instanceof SyntaxError) return true;
  const { name, code } = (err ?? {}) as { name?: unknown; code?: unknown };
  return name === "PostgresError" && typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}
