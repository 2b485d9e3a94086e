/**
 * The crawler's public promises to server admins (DESIGN §8), checked from
 * the simulator's request log. Returns every violation found, so a failing
 * test says exactly which domain was treated badly and how.
 */
import { type Endpoint, HARD_FAIL_STATUSES } from "../../src/core/outcome.ts";
import type { RequestRecord } from "./log.ts";
import { endpointOf } from "./respond.ts";
import type { Scenario } from "./scenario.ts";

export interface CourtesyRules {
  /** Every request must carry exactly this user agent. */
  readonly userAgent: string | RegExp;
  /** The most requests one host may have in flight at once. */
  readonly maxPerHost: number;
  /** Endpoints the crawl may use. @default everything but peers (that is `fetch`) */
  readonly allowed?: readonly Endpoint[];
}

const CRAWL_ENDPOINTS: readonly Endpoint[] = ["robots_txt", "nodeinfo", "host_meta", "webfinger", "nodeinfo_document", "instance_api_v2", "instance_api_v1"];

export function courtesyViolations(records: readonly RequestRecord[], scenario: Scenario, rules: CourtesyRules): string[] {
  const problems: string[] = [];
  const byHost = new Map<string, RequestRecord[]>();
  for (const r of records) {
    const list = byHost.get(r.host);
    if (list === undefined) byHost.set(r.host, [r]);
    else list.push(r);
  }
  const allowed = new Set(rules.allowed ?? CRAWL_ENDPOINTS);
  for (const [host, list] of byHost) {
    list.sort((a, b) => a.seq - b.seq);
    const spec = scenario.byAscii.get(host);
    const disallowed = new Set(spec?.truth.disallowed ?? []);
    let robotsSeen = false;
    let hardAt: RequestRecord | undefined;
    for (const r of list) {
      const path = r.target.split("?")[0]!;
      const endpoint = endpointOf(path);
      const ua = r.userAgent ?? "";
      if (typeof rules.userAgent === "string" ? ua !== rules.userAgent : !rules.userAgent.test(ua)) problems.push(`${host}: request ${r.target} has user agent ${JSON.stringify(r.userAgent)}`);
      if (r.method !== "GET") problems.push(`${host}: ${r.method} ${r.target} (only GET is expected)`);
      if (endpoint === undefined || !allowed.has(endpoint)) problems.push(`${host}: ${path} is not an endpoint the crawler promises to limit itself to`);
      if (endpoint === "robots_txt") robotsSeen = true;
      else if (!robotsSeen) problems.push(`${host}: ${r.target} was requested before robots.txt`);
      if (disallowed.has(path)) problems.push(`${host}: ${path} is disallowed by robots.txt but was requested`);
      if (hardAt !== undefined) problems.push(`${host}: ${r.target} was requested after ${hardAt.target} answered ${hardAt.status}`);
      if (r.status !== undefined && (HARD_FAIL_STATUSES as readonly number[]).includes(r.status)) hardAt ??= r;
      if (r.concurrent > rules.maxPerHost) problems.push(`${host}: ${r.concurrent} requests in flight at once (limit ${rules.maxPerHost})`);
    }
  }
  return problems;
}
