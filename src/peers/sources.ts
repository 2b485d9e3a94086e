/**
 * Which servers an untargeted `fetch` asks (reference §10.4): published
 * Mastodon servers with more monthly actives than VMCRAWL_FETCH_MIN_ACTIVE,
 * largest first (or at random), skipping those that refused for good
 * (`peers` false). With no Mastodon server known at all, the seed server
 * starts the graph. One query text for both dialects.
 */
import type { Query } from "../store/queries.ts";
import type { FetchRequest } from "./selection.ts";

export interface SourceList {
  readonly domains: readonly string[];
  /** The seed server, because nothing was known yet. */
  readonly bootstrap: boolean;
}

const POLLED = `FROM mastodon_domains m LEFT JOIN raw_domains r ON r.domain = m.domain
  WHERE m.active_users_monthly > ? AND (r.peers IS NULL OR r.peers = TRUE)`;

export async function peerSources(query: Query, request: FetchRequest, options: { minActive: number; seed: string }): Promise<SourceList> {
  if (request.kind === "target") return { domains: [request.domain.name], bootstrap: false };
  const rows =
    request.kind === "top"
      ? await query(`SELECT m.domain ${POLLED} ORDER BY m.active_users_monthly DESC, m.domain LIMIT ? OFFSET ?`, [options.minActive, request.limit, request.offset])
      : await query(`SELECT m.domain ${POLLED} ORDER BY random() LIMIT ?`, [options.minActive, request.limit]);
  if (rows.length > 0) return { domains: rows.map((r) => String(r.domain)), bootstrap: false };
  const [known] = await query("SELECT count(*) AS n FROM mastodon_domains", []);
  if (Number(known?.n ?? 0) > 0) return { domains: [], bootstrap: false };
  return { domains: [options.seed], bootstrap: true };
}
