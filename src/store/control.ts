/**
 * The pause switch every daemon obeys between batches (crawler_control), once
 * per dialect behind one interface: PostgreSQL's is the fleet's, an SQLite
 * file's is that file's crawlers'.
 */
import type Database from "better-sqlite3";
import type postgres from "postgres";
import type { ControlState } from "./types.ts";

export interface PauseSwitch {
  read(): Promise<ControlState>;
  /** Pauses (with a reason, for whoever looks) or resumes; `by` says who. */
  set(paused: boolean, reason: string | null, by: string): Promise<void>;
}

export function postgresPauseSwitch(sql: postgres.Sql): PauseSwitch {
  return {
    async read() {
      const [row] = await sql`SELECT paused, reason, set_by, set_at FROM crawler_control WHERE id`;
      return { paused: row?.paused === true, reason: (row?.reason as string | null) ?? null, setBy: (row?.set_by as string | null) ?? null, setAt: row?.set_at instanceof Date ? row.set_at.toISOString() : null };
    },
    async set(paused, reason, by) {
      await sql`UPDATE crawler_control SET paused = ${paused}, reason = ${paused ? reason : null}, set_by = ${by}, set_at = now() WHERE id`;
    },
  };
}

export function sqlitePauseSwitch(db: Database.Database): PauseSwitch {
  return {
    async read() {
      const row = db.prepare("SELECT paused, reason, set_by, set_at FROM crawler_control WHERE id = 1").get() as
        | { paused: number; reason: string | null; set_by: string | null; set_at: string | null }
        | undefined;
      return { paused: row?.paused === 1, reason: row?.reason ?? null, setBy: row?.set_by ?? null, setAt: row?.set_at ?? null };
    },
    async set(paused, reason, by) {
      db.prepare("UPDATE crawler_control SET paused = ?, reason = ?, set_by = ?, set_at = ? WHERE id = 1").run(paused ? 1 : 0, paused ? reason : null, by, new Date().toISOString());
    },
  };
}
