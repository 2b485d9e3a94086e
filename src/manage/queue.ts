/**
 * Sending domains back to the front of the queue (seed manage 25, 50–53):
 * `next_crawl_at` cleared so the daemon takes them at once, and a terminal
 * state lifted so that it takes those too. By name, or by
 * group: published servers not on a patched release, on the main branch, or
 * all; or the domains whose last failure was of one class.
 */
import { UsageError } from "../errors.ts";
import { domainArg } from "../crawl/request.ts";
import { domainsFailingIn, makeDue, publishedVersions } from "../store/domains.ts";
import type { Query } from "../store/queries.ts";
import type { Store } from "../store/types.ts";
import { ERROR_CLASSES } from "../core/outcome.ts";
import { readBranches } from "../versions/branches.ts";
import { placeVersion } from "../versions/patch.ts";

export const REQUEUE_GROUPS = ["unpatched", "main", "published"] as const;
export type RequeueGroup = (typeof REQUEUE_GROUPS)[number];

export type RequeueRequest = { readonly domains: readonly string[] } | { readonly group: RequeueGroup } | { readonly errorClass: string };

/** Which domains a request names; the group rules use the one placement definition. */
async function selected(query: Query, request: RequeueRequest): Promise<string[]> {
  if ("domains" in request) {
    return request.domains.map((d) => domainArg("domain", d).name);
  }
  if ("errorClass" in request) {
    if (!(ERROR_CLASSES as readonly string[]).includes(request.errorClass)) throw new UsageError(`"${request.errorClass}" is not an error class: expected one of ${ERROR_CLASSES.join(", ")}`);
    return domainsFailingIn(query, request.errorClass);
  }
  const published = await publishedVersions(query);
  if (request.group === "published") return published.map((r) => r.domain);
  const branches = await readBranches(query);
  return published
    .filter((r) => {
      const placement = placeVersion(r.version ?? "", branches);
      return request.group === "main" ? placement.role === "main" : !placement.patched;
    })
    .map((r) => r.domain);
}

/** Clears `next_crawl_at` and any terminal state (a lease stays as is); returns the domains requeued. */
export async function requeue(store: Pick<Store, "transaction">, request: RequeueRequest): Promise<string[]> {
  return store.transaction(async (query) => {
    const names = await selected(query, request);
    const done: string[] = [];
    for (const name of names) {
      if (await makeDue(query, name)) done.push(name);
    }
    return done;
  });
}
