/** The crawler's network stack, assembled from the configuration in one place. */
import { readFileSync } from "node:fs";
import type { Config } from "../config.ts";
import { VmcrawlError } from "../errors.ts";
import { userAgent } from "../version.ts";
import { createResolver, type NameResolver } from "./dns.ts";
import { HttpClient } from "./http.ts";
import type { HostLimit } from "./limit.ts";
import { addressGuard } from "./ssrf.ts";

/** The part of the configuration the network stack reads: plain data, so a probe worker thread can be given it. */
export type NetConfig = Pick<Config, "http" | "dns"> & { readonly crawl: Pick<Config["crawl"], "contactUrl"> };

/** The settings a worker thread needs to build the same client. */
export function netConfigOf(config: Config): NetConfig {
  return { http: config.http, dns: config.dns, crawl: { contactUrl: config.crawl.contactUrl } };
}

export function createHttpClient(config: NetConfig, options: { readonly hostLimit?: HostLimit } = {}): HttpClient {
  const timeoutMs = config.http.timeoutSeconds * 1000;
  let extraCa: string | undefined;
  if (config.http.caFile !== undefined) {
    try {
      extraCa = readFileSync(config.http.caFile, "utf8");
    } catch (err) {
      throw new VmcrawlError("CONFIG", `cannot read VMCRAWL_CA_FILE ${config.http.caFile}: ${(err as Error).message}`, { exitCode: 2 });
    }
  }
  const resolver = createConfiguredResolver(config);
  return new HttpClient({
    userAgent: userAgent(config.crawl.contactUrl),
    timeoutMs,
    maxRedirects: config.http.maxRedirects,
    maxResponseBytes: config.http.maxResponseBytes,
    httpsPort: config.http.port,
    ...(extraCa === undefined ? {} : { extraCa }),
    maxPerHost: config.http.maxPerHost,
    ...(options.hostLimit === undefined ? {} : { hostLimit: options.hostLimit }),
    guard: addressGuard(config.http.allowPrivateIps),
    resolver,
  });
}

/** The resolver the crawler's HTTP client uses, as configured. */
export function createConfiguredResolver(config: NetConfig): NameResolver {
  return createResolver({
    servers: config.dns.servers,
    attempts: config.dns.retryAttempts,
    baseDelayMs: config.dns.retryBaseDelayMs,
    jitterMs: config.dns.retryJitterMs,
    maxTotalDelayMs: config.dns.retryMaxTotalDelayMs,
    // One query may take as long as one request, but no more than 2 s: retries do the rest.
    attemptTimeoutMs: Math.min(2000, config.http.timeoutSeconds * 1000),
  });
}

/** A client for one piece of work (a download, a GitHub refresh), closed whatever happens. */
export async function withHttpClient<T>(config: Config, work: (http: HttpClient) => Promise<T>): Promise<T> {
  const http = createHttpClient(config);
  try {
    return await work(http);
  } finally {
    await http.close();
  }
}
