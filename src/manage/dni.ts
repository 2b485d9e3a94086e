/**
 * The Do-Not-Interact list (reference §10.3, seed "Not reported"): hard
 * entries are never crawled nor added (label boundary), soft ones are only
 * hidden from detailed public listings. Imported from the IFTAS CSV (new
 * names only, as soft), or added and removed by hand. Works on the system
 * of record through the Store: PostgreSQL in a fleet, else SQLite.
 */
import { UsageError, VmcrawlError } from "../errors.ts";
import { domainArg } from "../crawl/request.ts";
import { parseDomain } from "../net/domain.ts";
import type { HttpClient } from "../net/http.ts";
import { countDniByForce, deleteDni, type DniRow, insertSoftDni, listDniRows, upsertDni } from "../store/dni.ts";
import type { Query } from "../store/queries.ts";
import type { Store } from "../store/types.ts";
import { printable } from "../text.ts";
import { parseCsv } from "./csv.ts";

export type DniForce = "hard" | "soft";

/** The most of a DNI list read: the IFTAS file is a few hundred KiB, and a CSV costs time by its commas. */
export const DNI_MAX_BYTES = 4 * 1024 * 1024;
export const IFTAS_COMMENT = "iftas-dni";

export type DniEntry = DniRow;

export interface DniFile {
  /** Distinct valid names, in file order. */
  readonly domains: string[];
  /** Rows skipped, with why (line numbers as in the file). */
  readonly skipped: { readonly line: number; readonly reason: string }[];
}

/** The IFTAS file: a header row with a `#domain` column, then one domain per row. */
export function parseDniCsv(text: string): DniFile {
  const { rows, error } = parseCsv(text);
  if (error !== undefined) throw new VmcrawlError("SOURCE", `the DNI list is not valid CSV: ${error}`);
  const header = rows.findIndex((r) => r.fields.some((f) => f.trim().toLowerCase() === "#domain"));
  if (header === -1) throw new VmcrawlError("SOURCE", "the DNI list has no #domain column (is it the IFTAS CSV?)");
  const column = rows[header]!.fields.findIndex((f) => f.trim().toLowerCase() === "#domain");
  const seen = new Set<string>();
  const domains: string[] = [];
  const skipped: { line: number; reason: string }[] = [];
  for (const row of rows.slice(header + 1)) {
    const value = (row.fields[column] ?? "").trim().toLowerCase();
    if (value === "" || value === "#domain") continue; // blank rows and repeated headers
    const parsed = parseDomain(value);
    if (!parsed.ok) {
      skipped.push({ line: row.line, reason: `"${printable(value.slice(0, 80))}": ${parsed.reason}` });
      continue;
    }
    if (seen.has(parsed.value.name)) continue;
    seen.add(parsed.value.name);
    domains.push(parsed.value.name);
  }
  return { domains, skipped };
}

export async function importDni(store: Pick<Store, "transaction">, http: Pick<HttpClient, "fetch">, url: string): Promise<DniFile & { readonly added: number }> {
  const result = await http.fetch(url, { accept: "text/csv, text/plain;q=0.9, */*;q=0.5", maxBytes: DNI_MAX_BYTES });
  if (!result.ok) throw new VmcrawlError("SOURCE", `the DNI list at ${url} could not be read: ${result.failure.reason}`);
  if (result.status !== 200) throw new VmcrawlError("SOURCE", `the DNI list at ${url} answered HTTP ${result.status}`);
  const file = parseDniCsv(result.body.toString("utf8"));
  const added = await store.transaction(async (query) => {
    let n = 0;
    for (const domain of file.domains) {
      if (await insertSoftDni(query, domain, IFTAS_COMMENT)) n++;
    }
    return n;
  });
  return { ...file, added };
}

export async function listDni(query: Query): Promise<DniEntry[]> {
  return listDniRows(query);
}

export async function countDni(query: Query): Promise<{ readonly total: number; readonly hard: number; readonly soft: number }> {
  const { hard, soft } = await countDniByForce(query);
  return { total: hard + soft, hard, soft };
}

/** Adds a domain, or changes the comment and force of one already listed. */
export async function addDni(store: Pick<Store, "query">, domain: string, comment: string, force: DniForce): Promise<{ readonly domain: string; readonly updated: boolean }> {
  const name = domainArg("domain", domain).name;
  if (comment.trim() === "") throw new UsageError("a DNI entry needs a comment saying why (--comment)");
  const updated = await upsertDni(store.query, name, comment.trim(), force, new Date().toISOString());
  return { domain: name, updated };
}

export async function removeDni(store: Pick<Store, "query">, domain: string): Promise<boolean> {
  return deleteDni(store.query, domainArg("domain", domain).name);
}
