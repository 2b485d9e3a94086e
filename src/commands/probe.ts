/**
 * `vmcrawl probe DOMAIN… [--file PATH] [--json]`: runs the crawl of each domain
 * and prints the outcome with every request made, storing nothing. What a
 * server admin needs to see why their server is or is not listed.
 */
import { defineCommand } from "citty";
import { constants, createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Runtime } from "../cli.ts";
import { crawlGate, LagMonitor, type LoadGate } from "../crawl/load-gate.ts";
import { probe, type ProbeOutcome } from "../crawl/probe.ts";
import { domainListArg } from "../crawl/request.ts";
import { EXPECTATIONS, isExpectation, shortfall } from "../core/expect.ts";
import { UsageError, VmcrawlError } from "../errors.ts";
import { isListed, parseDomain, type DomainName } from "../net/domain.ts";
import { createHttpClient } from "../net/index.ts";
import { hardDniDomains } from "../store/dni.ts";
import { sanitizeOutcome } from "../store/sanitize.ts";
import { ROBOTS_TOKEN } from "../version.ts";
import { count, printable } from "../text.ts";
import { println, runtimeOf, withStore } from "./_shared.ts";
import { metaOf } from "./catalogue.ts";

export default defineCommand({
  meta: metaOf("probe"),
  args: {
    domains: { type: "positional", required: false, valueHint: "domain", description: "Domains to probe (also comma-separated)" },
    file: { type: "string", valueHint: "path", description: "Also probe the domains in this file, one per line" },
    json: { type: "boolean", description: "One JSON object per domain (JSON Lines)" },
    expect: { type: "string", valueHint: "KIND", description: "mastodon, listed or reachable: exit 1 unless every domain meets it, each that does not named on stderr" },
  },
  async run(context) {
    const runtime = runtimeOf(context);
    const named = context.args._.flatMap((arg) => domainListArg("domain", arg));
    if (named.length === 0 && context.args.file === undefined) throw new UsageError("name at least one domain, or --file PATH");
    const expected = context.args.expect;
    if (expected !== undefined && !isExpectation(expected)) {
      throw new UsageError(`--expect "${printable(expected)}" is not one of: ${Object.entries(EXPECTATIONS).map(([kind, meaning]) => `${kind} (${meaning})`).join("; ")}`);
    }
    const config = runtime.config();
    if (context.args.file !== undefined) await readable(context.args.file);
    // Reading the version tables (and the DNI list, for --expect listed) is all the database is used for.
    const { versions, hardDni } = await withStore(runtime, async (store) => ({ versions: await store.versionContext(), hardDni: new Set(await hardDniDomains(store.query)) }));
    const missed: string[] = [];
    const http = createHttpClient(config);
    // As in a crawl run: a busy machine must not make servers look slow (load-gate.ts).
    const lag = new LagMonitor();
    const gate = crawlGate(config.crawl.maxThreads, () => lag.lagMs);
    try {
      // What a crawl would store: the outcome after the sanitize boundary.
      const emit = (probed: ProbeOutcome) => {
        const outcome = sanitizeOutcome(probed);
        println(runtime, context.args.json ? JSON.stringify(outcomeJson(outcome)) : renderOutcome(outcome));
        const why = expected === undefined ? undefined : shortfall(expected, outcome, isListed(outcome.domain, hardDni));
        if (why !== undefined) {
          missed.push(outcome.domain);
          runtime.io.stderr.write(`vmcrawl: ${outcome.domain}: ${why}\n`);
        }
      };
      await forEachConcurrently(domains(named, context.args.file, runtime), config.crawl.maxThreads, gate, async (domain) => {
        emit(await probe(domain, { http, versions, deadlineMs: config.crawl.domainTimeoutSeconds * 1000, robotsToken: ROBOTS_TOKEN }));
      });
    } finally {
      lag.close();
      await http.close();
    }
    if (missed.length > 0) {
      const names = missed.length <= 10 ? missed.join(", ") : `${missed.slice(0, 10).join(", ")} and ${missed.length - 10} more`;
      throw new VmcrawlError("EXPECTATION", `${count(missed.length, "domain")} not ${expected}: ${names}`);
    }
  },
});

/** The named domains, then the file's, read line by line (a long list is never held whole). */
async function* domains(named: readonly DomainName[], file: string | undefined, runtime: Runtime): AsyncGenerator<DomainName> {
  yield* named;
  if (file === undefined) return;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  for await (const line of lines) {
    number++;
    const text = line.replace(/#.*$/, "").trim();
    if (text === "") continue;
    const parsed = parseDomain(text);
    if (parsed.ok) yield parsed.value;
    else runtime.io.stderr.write(`vmcrawl: ${file}:${number}: skipped "${printable(text.slice(0, 80))}": ${parsed.reason}\n`);
  }
}

async function readable(file: string): Promise<void> {
  try {
    await access(file, constants.R_OK);
  } catch (err) {
    throw new UsageError(`--file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Runs `work` over the items with at most `limit` at once (and no more than the gate lets in), pulling items only as slots free up. */
async function forEachConcurrently<T>(items: AsyncIterable<T>, limit: number, gate: LoadGate, work: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  const worker = async () => {
    for (;;) {
      await gate.enter();
      try {
        const next = await iterator.next();
        if (next.done) return;
        await work(next.value);
      } finally {
        gate.leave();
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** A stable shape for scripts: every key present on every line, null where it does not apply. */
export function outcomeJson(outcome: ProbeOutcome): Record<string, unknown> {
  const o = outcome as unknown as Partial<Record<string, unknown>>;
  const pick = (key: string) => o[key] ?? null;
  return {
    domain: outcome.domain,
    kind: outcome.kind,
    error_class: pick("error_class"),
    cause: pick("cause"),
    endpoint: pick("endpoint"),
    reason: pick("reason"),
    software: pick("software"),
    version: pick("version"),
    full_version: pick("full_version"),
    mau: pick("mau"),
    total_users: pick("total_users"),
    canonical: pick("canonical"),
    ms: outcome.ms,
    requests: outcome.requests,
  };
}

export function renderOutcome(outcome: ProbeOutcome): string {
  const head = (() => {
    switch (outcome.kind) {
      case "mastodon":
        return `Mastodon-compatible (${outcome.software}) ${outcome.version}${outcome.full_version !== outcome.version ? ` (reports ${outcome.full_version})` : ""}, ${outcome.mau} monthly active of ${outcome.total_users} users`;
      case "alias":
        return `alias of ${outcome.canonical}: ${outcome.software} ${outcome.version}, ${outcome.mau} monthly active of ${outcome.total_users} users`;
      case "other":
        return `not Mastodon: ${outcome.software}`;
      case "matrix":
        return "a Matrix server";
      case "error":
        return `${outcome.error_class} ${outcome.cause} at ${outcome.endpoint}: ${outcome.reason}`;
    }
  })();
  const lines = [`${outcome.domain}: ${printable(head)} (${outcome.ms} ms)`];
  for (const r of outcome.requests) {
    const what = r.error === undefined ? String(r.status ?? "") : `${r.status ?? ""} ${r.error}`.trim();
    lines.push(`  GET ${printable(r.url)}  ${r.protocol ?? "-"}  ${printable(what)}  ${r.ms} ms`);
  }
  return lines.join("\n");
}

