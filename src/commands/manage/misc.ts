/** `vmcrawl manage tld update | search | requeue | stats | pause | resume`. */
import { defineCommand } from "citty";
import { UsageError } from "../../errors.ts";
import { withHttpClient } from "../../net/index.ts";
import { domainArg } from "../../crawl/request.ts";
import { requeue, REQUEUE_GROUPS, type RequeueGroup, type RequeueRequest } from "../../manage/queue.ts";
import { flagDay, flaggedDays } from "../../manage/stat-days.ts";
import { refreshTldCache } from "../../peers/tlds.ts";
import { describeStorage } from "../../store/index.ts";
import { printable } from "../../text.ts";
import { control } from "../control.ts";
import { renderDomainReport } from "../lookup.ts";
import { runtimeOf, withStore } from "../_shared.ts";
import { jsonArg, report } from "./_common.ts";

const tldUpdate = defineCommand({
  meta: { name: "update", description: "Read the IANA TLD list now (VMCRAWL_TLD_URL) and store it" },
  args: { ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    const config = runtime.config();
    const n = await withHttpClient(config, (http) => withStore(runtime, (store) => refreshTldCache(store, http, config.fetch.tldUrl, new Date())));
    report(runtime, context.args.json, { tlds: n, url: config.fetch.tldUrl }, () => `Stored ${n} top-level domains from ${config.fetch.tldUrl} in ${describeStorage(config)}.`);
  },
});

export const tld = defineCommand({ meta: { name: "tld", description: "The IANA TLD list: update" }, subCommands: { update: tldUpdate } });

export const search = defineCommand({
  meta: { name: "search", description: "Everything stored about one domain (as vmcrawl --db)" },
  args: { domain: { type: "positional", required: true, valueHint: "domain", description: "The domain, in either spelling" }, ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    const domain = domainArg("domain", context.args.domain);
    const found = await withStore(runtime, (store) => store.describeDomain(domain));
    report(runtime, context.args.json, found, () => renderDomainReport(found, describeStorage(runtime.config())));
  },
});

export const requeueCommand = defineCommand({
  meta: { name: "requeue", description: "Crawl domains again as soon as possible: by name, --group or --error-class" },
  args: {
    domains: { type: "positional", required: false, valueHint: "domain…", description: "Domains, comma-separated" },
    group: { type: "string", valueHint: REQUEUE_GROUPS.join("|"), description: "Published servers: not on a patched release, on the main branch, or all" },
    "error-class": { type: "string", valueHint: "DNS|SSL|…", description: "Domains whose last failure (or terminal state) is of this class" },
    ...jsonArg,
  },
  async run(context) {
    const runtime = runtimeOf(context);
    const given = [context.args.domains !== undefined && "domains", context.args.group !== undefined && "--group", context.args["error-class"] !== undefined && "--error-class"].filter(Boolean);
    if (given.length !== 1) throw new UsageError("name the domains, or give --group or --error-class: exactly one of them");
    let request: RequeueRequest;
    if (context.args.group !== undefined) {
      if (!(REQUEUE_GROUPS as readonly string[]).includes(context.args.group)) throw new UsageError(`--group "${context.args.group}" is not valid: expected ${REQUEUE_GROUPS.join(", ")}`);
      request = { group: context.args.group as RequeueGroup };
    } else if (context.args["error-class"] !== undefined) request = { errorClass: context.args["error-class"].trim().toUpperCase() };
    else request = { domains: String(context.args.domains).split(",").map((d) => d.trim()).filter(Boolean) };
    const done = await withStore(runtime, (store) => requeue(store, request));
    report(runtime, context.args.json, { requeued: done }, () => `Requeued ${done.length} domain${done.length === 1 ? "" : "s"}${done.length > 0 && done.length <= 20 ? `: ${done.map(printable).join(", ")}` : ""}.`);
  },
});

const flagged = defineCommand({
  meta: { name: "flagged", description: "Days of statistics marked invalid, with why" },
  args: { ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    const days = await withStore(runtime, (store) => flaggedDays(store.query));
    report(runtime, context.args.json, days, () => (days.length === 0 ? "No day is marked invalid." : days.map((d) => `${d.date}  ${printable(d.invalid_reason ?? "")}`)));
  },
});

const invalid = defineCommand({
  meta: { name: "invalid", description: "Mark a day of statistics invalid (charts and reports skip it)" },
  args: { date: { type: "positional", required: true, valueHint: "YYYY-MM-DD", description: "The day" }, reason: { type: "string", valueHint: "text", description: "Why" }, ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    await withStore(runtime, (store) => flagDay(store, context.args.date, true, context.args.reason));
    report(runtime, context.args.json, { date: context.args.date, invalid: true }, () => `Statistics of ${context.args.date} are marked invalid.`);
  },
});

const valid = defineCommand({
  meta: { name: "valid", description: "Clear a day's invalid mark" },
  args: { date: { type: "positional", required: true, valueHint: "YYYY-MM-DD", description: "The day" }, ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    await withStore(runtime, (store) => flagDay(store, context.args.date, false));
    report(runtime, context.args.json, { date: context.args.date, invalid: false }, () => `Statistics of ${context.args.date} count again.`);
  },
});

export const statsDays = defineCommand({ meta: { name: "stats", description: "Days of statistics: flagged, invalid, valid" }, subCommands: { flagged, invalid, valid } });

export const pause = defineCommand({
  meta: { name: "pause", description: "Pause every crawler daemon (as vmcrawl control pause)" },
  args: { reason: { type: "string", valueHint: "text", description: "Why, shown to whoever looks" } },
  run: (context) => control(runtimeOf(context), "pause", context.args.reason),
});

export const resume = defineCommand({
  meta: { name: "resume", description: "Let the daemons crawl again (as vmcrawl control resume)" },
  run: (context) => control(runtimeOf(context), "resume", undefined),
});
