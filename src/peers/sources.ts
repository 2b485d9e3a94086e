/**
 * Which servers an untargeted `fetch` asks (reference §10.4): published
 * Mastodon servers with more monthly actives than VMCRAWL_FETCH_MIN_ACTIVE,
 * largest first (or at random), skipping those that refused for good
 * (`peers` false). With no Mastodon server known at all, the seed server
 * starts the graph.
 */
import { peerSourceDomains, publishedCount } from "../store/domains.ts";
import type { Query } from "../store/queries.ts";
import type { FetchRequest } from "./request.ts";

export interface SourceList {
  readonly domains: readonly string[];
  /** The seed server, because nothing was known yet. */
  readonly bootstrap: boolean;
}

export async function peerSources(query: Query, request: FetchRequest, options: { minActive: number; seed: string }): Promise<SourceList> {
  if (request.kind === "target") return { domains: [request.domain.name], bootstrap: false };
  const order = request.kind === "top" ? { top: { limit: request.limit, offset: request.offset } } : { random: { limit: request.limit } };
  const domains = await peerSourceDomains(query, options.minActive, order);
  if (domains.length > 0) return { domains, bootstrap: false };
  if ((await publishedCount(query)) > 0) return { domains: [], bootstrap: false };
  return { domains: [options.seed], bootstrap: true };
}
