/**
 * Which servers `fetch` asks for peers, from the command line (seed README
 * "fetch"): `--target` alone; `--limit` and `--offset` together or alone;
 * `--random` with `--limit` only. Pure, so the rules are tested directly.
 */
import { UsageError } from "../errors.ts";
import type { DomainName } from "../net/domain.ts";
import { domainArg } from "../crawl/request.ts";

export interface FetchArgs {
  readonly target?: string;
  readonly limit?: string;
  readonly offset?: string;
  readonly random?: boolean;
}

export type FetchRequest =
  | { readonly kind: "target"; readonly domain: DomainName }
  | { readonly kind: "top"; readonly limit: number; readonly offset: number }
  | { readonly kind: "random"; readonly limit: number };

/** Flags win over the configured defaults (VMCRAWL_FETCH_LIMIT / VMCRAWL_FETCH_OFFSET). */
export function parseFetchRequest(args: FetchArgs, defaults: { limit: number; offset: number }): FetchRequest {
  const random = args.random === true;
  if (args.target !== undefined) {
    const others = [args.limit !== undefined && "--limit", args.offset !== undefined && "--offset", random && "--random"].filter(Boolean);
    if (others.length > 0) throw new UsageError(`--target fetches from one server and cannot be combined with ${others.join(", ")}`);
    return { kind: "target", domain: domainArg("--target", args.target) };
  }
  if (random && args.offset !== undefined) {
    throw new UsageError("--random picks servers at random and cannot be combined with --offset (--limit is allowed)");
  }
  const limit = args.limit === undefined ? defaults.limit : count("--limit", args.limit, 1);
  if (random) return { kind: "random", limit };
  const offset = args.offset === undefined ? defaults.offset : count("--offset", args.offset, 0);
  return { kind: "top", limit, offset };
}

function count(flag: string, value: string, min: number): number {
  const text = value.trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${flag} "${value}" is not valid: expected a whole number of at least ${min}`);
  }
  return n;
}
