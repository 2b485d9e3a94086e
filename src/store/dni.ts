/** The Do-Not-Interact table, for both dialects (manage/dni.ts holds the rules and the IFTAS import). */
import type { Query } from "./queries.ts";

export interface DniRow {
  readonly domain: string;
  readonly comment: string | null;
  readonly force: "hard" | "soft";
  readonly timestamp: string;
}

/** Adds `domain` as a soft entry unless it is listed already; whether it was added. */
export async function insertSoftDni(query: Query, domain: string, comment: string): Promise<boolean> {
  const [row] = await query("INSERT INTO dni (domain, comment, force) VALUES (?, ?, 'soft') ON CONFLICT (domain) DO NOTHING RETURNING domain", [domain, comment]);
  return row !== undefined;
}

export async function listDniRows(query: Query): Promise<DniRow[]> {
  return (await query("SELECT domain, comment, force, timestamp FROM dni ORDER BY domain", [])) as unknown as DniRow[];
}

/** Every listed name, hard and soft. */
export async function dniDomains(query: Query): Promise<string[]> {
  return (await query("SELECT domain FROM dni", [])).map((r) => String(r.domain));
}

/** The hard entries: domains never crawled. */
export async function hardDniDomains(query: Query): Promise<string[]> {
  return (await query("SELECT domain FROM dni WHERE force = 'hard'", [])).map((r) => String(r.domain));
}

export async function countDniByForce(query: Query): Promise<{ readonly hard: number; readonly soft: number }> {
  const rows = await query("SELECT force, count(*) AS n FROM dni GROUP BY force", []);
  const of = (force: string) => Number(rows.find((r) => r.force === force)?.n ?? 0);
  return { hard: of("hard"), soft: of("soft") };
}

/** Adds or rewrites an entry; whether it was listed before. */
export async function upsertDni(query: Query, domain: string, comment: string, force: "hard" | "soft", at: string): Promise<boolean> {
  const [before] = await query("SELECT domain FROM dni WHERE domain = ?", [domain]);
  await query(
    "INSERT INTO dni (domain, comment, force, timestamp) VALUES (?, ?, ?, ?) ON CONFLICT (domain) DO UPDATE SET comment = excluded.comment, force = excluded.force, timestamp = excluded.timestamp",
    [domain, comment, force, at],
  );
  return before !== undefined;
}

/** Whether there was an entry to delete. */
export async function deleteDni(query: Query, domain: string): Promise<boolean> {
  const [row] = await query("DELETE FROM dni WHERE domain = ? RETURNING domain", [domain]);
  return row !== undefined;
}
