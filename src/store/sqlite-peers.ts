/**
 * What `fetch` keeps in the SQLite file: the TLD list it admits names
 * against, and whether each server is still asked for peers (staged for
 * PostgreSQL in fleet mode). Domains themselves go in through
 * SqliteCrawlStore.insertDomains, like every other way a domain arrives.
 */
import type Database from "better-sqlite3";
import type { TldCache } from "../peers/tlds.ts";
import type { StagedChange } from "./types.ts";

export class SqlitePeersStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  tldCache(): TldCache {
    return {
      read: () => {
        const row = this.db.prepare("SELECT count(*) AS n, max(last_updated) AS at FROM tld_cache").get() as { n: number; at: string | null };
        if (row.n === 0 || row.at === null) return undefined;
        return { tlds: this.db.prepare("SELECT tld FROM tld_cache").pluck().all() as string[], updatedAt: row.at };
      },
      replace: (tlds, at) => {
        const insert = this.db.prepare("INSERT INTO tld_cache (tld, last_updated) VALUES (?, ?) ON CONFLICT (tld) DO UPDATE SET last_updated = excluded.last_updated");
        this.db.transaction(() => {
          this.db.prepare("DELETE FROM tld_cache").run();
          for (const tld of tlds) insert.run(tld, at);
        })();
      },
    };
  }

  /**
   * Records whether `fetch` still asks `domain` for peers: false after a lasting refusal
   * (401/403/404/410, robots), true again after a success. Staged in fleet mode.
   */
  setPolled(domain: string, polled: boolean, options: { stage?: boolean; at?: string } = {}): void {
    this.db.transaction(() => {
      this.db.prepare("INSERT INTO raw_domains (domain, peers) VALUES (?, ?) ON CONFLICT (domain) DO UPDATE SET peers = excluded.peers").run(domain, polled ? 1 : 0);
      if (options.stage) {
        const change: StagedChange = { kind: "peers", domain, polled, at: options.at ?? new Date().toISOString() };
        this.db.prepare("INSERT INTO outbox (kind, payload) VALUES ('peers', ?)").run(JSON.stringify(change));
      }
    })();
  }
}
