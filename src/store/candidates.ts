/**
 * A menu selection's candidates (menu-sql.ts), read a keyset page at a time, in one text for both
 * dialects: the embedded crawl reads its SQLite file, a fleet node reads PostgreSQL. Standard SQL:
 * `length()` counts characters in both (so it works as a cursor for IDN names), and row values
 * compare the same way. The order of names is each database's own (SQLite's bytes, PostgreSQL's
 * collation): a mode selects the same domains on both, a run pages through them consistently.
 */
import type { Query } from "./queries.ts";
import type { Candidate, Cursor, Selection } from "./types.ts";

export interface CandidateReader {
  count(selection: Selection): Promise<number>;
  /** Up to `limit` candidates after `cursor`, in the selection's order; from `bounds.from` and before `bounds.before` when given (random starts). */
  page(selection: Selection, cursor: Cursor | undefined, limit: number, bounds?: { from?: string; before?: string }): Promise<Candidate[]>;
}

function table(selection: Selection): string {
  return selection.from === "raw" ? "raw_domains r" : "mastodon_domains m";
}

export function candidatesOn(query: Query): CandidateReader {
  return {
    async count(selection) {
      const [row] = await query(`SELECT count(*) AS n FROM ${table(selection)} WHERE ${selection.where}`, []);
      return Number(row?.n ?? 0);
    },
    async page(selection, cursor, limit, bounds = {}) {
      const alias = selection.from === "raw" ? "r" : "m";
      const version = selection.from === "raw" ? "NULL" : "m.software_version";
      const conditions = [selection.where];
      const params: (string | number)[] = [];
      if (bounds.from !== undefined) {
        conditions.push(`${alias}.domain >= ?`);
        params.push(bounds.from);
      }
      if (bounds.before !== undefined) {
        conditions.push(`${alias}.domain < ?`);
        params.push(bounds.before);
      }
      if (cursor !== undefined) {
        if (selection.order === "length") {
          conditions.push(`(length(${alias}.domain), ${alias}.domain) > (?, ?)`);
          params.push(cursor.length ?? 0, cursor.domain);
        } else {
          conditions.push(`${alias}.domain ${selection.order === "desc" ? "<" : ">"} ?`);
          params.push(cursor.domain);
        }
      }
      const order = selection.order === "length" ? `length(${alias}.domain), ${alias}.domain` : `${alias}.domain ${selection.order === "desc" ? "DESC" : "ASC"}`;
      const rows = await query(
        `SELECT ${alias}.domain AS domain, length(${alias}.domain) AS length, ${version} AS software_version FROM ${table(selection)} WHERE ${conditions.join(" AND ")} ORDER BY ${order} LIMIT ?`,
        [...params, limit],
      );
      return rows.map((r) => ({ domain: String(r.domain), length: Number(r.length), softwareVersion: r.software_version === null ? null : String(r.software_version) }));
    },
  };
}
