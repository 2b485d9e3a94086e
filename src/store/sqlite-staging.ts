/**
 * The SQLite side of fleet mode: the outbox of staged changes, this file's
 * own settings (its sync identity, the last successful sync), and the local
 * replica of what a node needs from PostgreSQL: the state of the domains it
 * crawls and the reference tables.
 */
import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import type { Backlog, DomainState, QuarantinedEntry, ReferenceData, StagedChange, StagedEntry } from "./types.ts";

export type { Backlog, QuarantinedEntry };


export class SqliteStaging {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  /**
   * The identity this file's outbox is pushed under: the node name plus a random suffix, made
   * once and kept. Receipts are per outbox, so two files never share one, even under one name.
   */
  syncIdentity(nodeName: string): string {
    const stored = this.setting("sync_identity");
    if (stored !== undefined) return stored;
    const identity = `${nodeName}/${randomBytes(4).toString("hex")}`;
    this.setSetting("sync_identity", identity);
    return identity;
  }

  setting(key: string): string | undefined {
    return (this.db.prepare("SELECT value FROM local_settings WHERE key = ?").pluck().get(key) as string | undefined) ?? undefined;
  }

  setSetting(key: string, value: string): void {
    this.db.prepare("INSERT INTO local_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  /** The oldest staged entries (after `afterSeq`, when given), in order. */
  outbox(limit: number, afterSeq = 0): StagedEntry[] {
    return (this.db.prepare("SELECT seq, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?").all(afterSeq, limit) as { seq: number; payload: string }[]).map((r) => ({
      seq: r.seq,
      change: JSON.parse(r.payload) as StagedChange,
    }));
  }

  /** Forgets entries PostgreSQL has committed: only ever after its commit. */
  acknowledge(lastSeq: number): void {
    this.db.prepare("DELETE FROM outbox WHERE seq <= ?").run(lastSeq);
  }

  /**
   * Makes this file's numbering agree with PostgreSQL's receipt for it, before anything is pushed.
   * A receipt past every number this file ever gave out means the file lost its latest writes (a
   * restored backup, a power loss): its entries would be numbered at or below the receipt and
   * skipped as applied. They are numbered again past it, and the sequence raised, so no entry is
   * ever numbered at or below the receipt. (An entry the backup held that had been pushed before
   * is then applied once more: older never overwrites newer, at worst one more error_log row.)
   * A file that numbered past the receipt is consistent, whatever it still holds: an entry at or
   * below the receipt there was applied and its acknowledgement lost, and is rightly skipped.
   * Returns how many entries were numbered again.
   */
  reconcile(receipt: number): number {
    return this.db.transaction(() => {
      const numbered = (this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").pluck().get() as number | undefined) ?? 0;
      if (numbered >= receipt) return 0;
      this.db.prepare("DELETE FROM sqlite_sequence WHERE name = 'outbox'").run();
      this.db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)").run(receipt);
      const renumbered = this.db.prepare("INSERT INTO outbox (kind, payload, created_at) SELECT kind, payload, created_at FROM outbox WHERE seq <= ? ORDER BY seq").run(receipt).changes;
      this.db.prepare("DELETE FROM outbox WHERE seq <= ?").run(receipt);
      return renumbered;
    })();
  }

  /** Moves one refused entry out of the outbox, with PostgreSQL's error, in one transaction. */
  quarantine(seq: number, error: string): void {
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO outbox_quarantine (seq, kind, payload, created_at, error) SELECT seq, kind, payload, created_at, ? FROM outbox WHERE seq = ?")
        .run(error, seq);
      this.db.prepare("DELETE FROM outbox WHERE seq = ?").run(seq);
    })();
  }

  /** Quarantined entries, oldest first, up to `limit`. */
  quarantined(limit = 1000): QuarantinedEntry[] {
    const rows = this.db
      .prepare("SELECT seq, kind, json_extract(payload, '$.domain') AS domain, created_at, quarantined_at, error FROM outbox_quarantine ORDER BY seq LIMIT ?")
      .all(limit) as { seq: number; kind: string; domain: string | null; created_at: string; quarantined_at: string; error: string }[];
    return rows.map((r) => ({ seq: r.seq, kind: r.kind, domain: r.domain ?? undefined, createdAt: r.created_at, quarantinedAt: r.quarantined_at, error: r.error }));
  }

  quarantinedCount(): number {
    return this.db.prepare("SELECT count(*) FROM outbox_quarantine").pluck().get() as number;
  }

  /** Stages every quarantined entry again, after everything staged since; returns how many. */
  retryQuarantined(): number {
    return this.db.transaction(() => {
      const moved = this.db.prepare("INSERT INTO outbox (kind, payload, created_at) SELECT kind, payload, created_at FROM outbox_quarantine ORDER BY seq").run().changes;
      this.db.exec("DELETE FROM outbox_quarantine");
      return moved;
    })();
  }

  /** Deletes every quarantined entry (a person's decision); returns how many. */
  dropQuarantined(): number {
    return this.db.prepare("DELETE FROM outbox_quarantine").run().changes;
  }

  backlog(): Backlog {
    const row = this.db.prepare("SELECT count(*) AS entries, min(created_at) AS oldest FROM outbox").get() as { entries: number; oldest: string | null };
    return { entries: row.entries, oldest: row.oldest ?? undefined };
  }

  /**
   * Takes PostgreSQL's state for domains about to be crawled, unless this node knows something
   * newer (an outcome staged but not yet pushed).
   */
  adoptStates(states: readonly DomainState[]): void {
    const upsert = this.db.prepare(`
      INSERT INTO raw_domains (domain, last_crawled_at, error_type, error_count, terminal_type, error_endpoint, error_reason)
      VALUES (@domain, @lastCrawledAt, @errorType, @errorCount, @terminalType, @errorEndpoint, @errorReason)
      ON CONFLICT (domain) DO UPDATE SET
        last_crawled_at = excluded.last_crawled_at, error_type = excluded.error_type, error_count = excluded.error_count, terminal_type = excluded.terminal_type,
        error_endpoint = excluded.error_endpoint, error_reason = excluded.error_reason
      WHERE excluded.last_crawled_at IS NOT NULL AND (raw_domains.last_crawled_at IS NULL OR raw_domains.last_crawled_at < excluded.last_crawled_at)`);
    this.db.transaction(() => {
      for (const s of states) upsert.run(s);
    })();
  }

  /** Replaces the local copies of the reference tables, in one transaction. */
  replaceReference(data: ReferenceData): void {
    this.db.transaction(() => {
      this.db.exec("DELETE FROM release_versions; DELETE FROM nightly_versions; DELETE FROM dni;");
      const release = this.db.prepare("INSERT INTO release_versions (n_level, branch, status, latest) VALUES (?, ?, ?, ?)");
      for (const r of data.releaseVersions) release.run(r.nLevel, r.branch, r.status, r.latest);
      const nightly = this.db.prepare("INSERT INTO nightly_versions (version, start_date, end_date, is_security) VALUES (?, ?, ?, ?)");
      for (const n of data.nightly) nightly.run(n.version, n.start_date, n.end_date, n.is_security ? 1 : 0);
      const dni = this.db.prepare("INSERT INTO dni (domain, comment, force) VALUES (?, ?, ?)");
      for (const d of data.dni) dni.run(d.domain, d.comment, d.force);
      // The newer copy wins: a list this node's fetch downloaded stays until PostgreSQL has a later one.
      const stored = this.db.prepare("SELECT max(last_updated) FROM tld_cache").pluck().get() as string | null;
      if (data.tlds !== undefined && (stored === null || Date.parse(data.tlds.updatedAt) > Date.parse(stored))) {
        this.db.prepare("DELETE FROM tld_cache").run();
        const tld = this.db.prepare("INSERT INTO tld_cache (tld, last_updated) VALUES (?, ?)");
        for (const t of data.tlds.tlds) tld.run(t, data.tlds.updatedAt);
      }
    })();
  }
}
