/** The instance list: filtered, searched, sorted and paged over the snapshot's listable servers. Pure. */
import type { Instance } from "./data.ts";
import { intParam, knownParams, oneOfParam, textParam } from "./params.ts";

export const FILTERS = ["all", "eol", "unpatched", "main", "failing"] as const;
export const SORTS = ["mau", "domain", "version", "last_seen"] as const;
export const INSTANCE_PARAMS = ["page", "per_page", "sort", "order", "q", "filter"] as const;

export interface InstanceQuery {
  readonly page: number;
  readonly perPage: number;
  readonly sort: (typeof SORTS)[number];
  readonly order: "asc" | "desc";
  readonly q: string | undefined;
  readonly filter: (typeof FILTERS)[number];
}

export function parseInstanceQuery(params: Readonly<Record<string, string | undefined>>): InstanceQuery {
  knownParams(params, INSTANCE_PARAMS);
  const sort = oneOfParam(params, "sort", SORTS, "mau");
  return {
    page: intParam(params, "page", { min: 1, max: 100_000, default: 1 }),
    perPage: intParam(params, "per_page", { min: 1, max: 200, default: 50 }),
    sort,
    order: oneOfParam(params, "order", ["asc", "desc"] as const, sort === "mau" || sort === "last_seen" ? "desc" : "asc"),
    q: textParam(params, "q", 253),
    filter: oneOfParam(params, "filter", FILTERS, "all"),
  };
}

const MATCHES: Record<InstanceQuery["filter"], (i: Instance) => boolean> = {
  all: () => true,
  eol: (i) => i.eol,
  unpatched: (i) => !i.patched,
  main: (i) => i.role === "main",
  failing: (i) => i.failing !== null,
};

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const KEYS: Record<InstanceQuery["sort"], (a: Instance, b: Instance) => number> = {
  mau: (a, b) => a.mau - b.mau,
  domain: (a, b) => byText(a.domain, b.domain),
  version: (a, b) => (a.version ?? "").localeCompare(b.version ?? "", undefined, { numeric: true }),
  last_seen: (a, b) => byText(a.lastSeen, b.lastSeen),
};

interface View {
  readonly instances: readonly Instance[];
  /** The domains in view order, "\n"-separated, and where each starts: a search is indexOf over one string. */
  readonly text: string;
  readonly starts: Int32Array;
}

/** Each snapshot's list sorted once per sort key and order, then reused by every page and search. */
const sortedViews = new WeakMap<readonly Instance[], Map<string, View>>();

function sortedView(listed: readonly Instance[], sort: InstanceQuery["sort"], order: InstanceQuery["order"]): View {
  let views = sortedViews.get(listed);
  if (views === undefined) sortedViews.set(listed, (views = new Map()));
  const key = `${sort} ${order}`;
  let view = views.get(key);
  if (view === undefined) {
    const compare = KEYS[sort];
    const sign = order === "asc" ? 1 : -1;
    // Ties by domain, so pages never overlap or skip.
    // The snapshot's own order is the default one (mau, descending): no sort, so no stall on the first page.
    const instances = key === "mau desc" ? listed : [...listed].sort((a, b) => sign * compare(a, b) || byText(a.domain, b.domain));
    const starts = new Int32Array(instances.length);
    let at = 0;
    instances.forEach((i, n) => {
      starts[n] = at;
      at += i.domain.length + 1;
    });
    view = { instances, text: instances.map((i) => i.domain).join("\n"), starts };
    views.set(key, view);
  }
  return view;
}

/**
 * Positions in view order of the domains containing `q`. One indexOf pass over the joined text:
 * walking 50,000 objects in sorted order misses the cache on nearly every one (about 15 ms);
 * this takes well under one.
 */
function search(view: View, q: string): number[] {
  const found: number[] = [];
  let n = 0;
  for (let at = view.text.indexOf(q); at !== -1; at = view.text.indexOf(q, at + 1)) {
    while (n + 1 < view.starts.length && view.starts[n + 1]! <= at) n++;
    if (found.at(-1) !== n) found.push(n);
  }
  return found;
}

/** `listed` in the snapshot's order (largest first, ties by domain), as loadSnapshot makes it. */
export function selectInstances(listed: readonly Instance[], query: InstanceQuery): { total: number; page: number; perPage: number; instances: Instance[] } {
  const view = sortedView(listed, query.sort, query.order);
  const matches = MATCHES[query.filter];
  let matching: readonly Instance[];
  if (query.q !== undefined) matching = search(view, query.q).map((n) => view.instances[n]!).filter(matches);
  else matching = query.filter === "all" ? view.instances : view.instances.filter(matches);
  const start = (query.page - 1) * query.perPage;
  return { total: matching.length, page: query.page, perPage: query.perPage, instances: matching.slice(start, start + query.perPage) };
}
