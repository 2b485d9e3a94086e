/** The stored TLD list (tld_cache) through the Store, for both dialects: manage's "update TLD cache". */
import type { Query } from "./queries.ts";

/** Replaces the stored list with `tlds`, stamped `at` (ISO); call inside a transaction. */
export async function replaceTlds(query: Query, tlds: readonly string[], at: string): Promise<void> {
  await query("DELETE FROM tld_cache", []);
  for (const tld of tlds) await query("INSERT INTO tld_cache (tld, last_updated) VALUES (?, ?)", [tld, at]);
}
