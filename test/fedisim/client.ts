/**
 * A plain client for testing fedisim itself: real DNS queries to its
 * resolver and real HTTPS requests (HTTP/2 or HTTP/1.1) through undici. It is
 * deliberately simple and is not the crawler's client.
 */
import { Resolver } from "node:dns/promises";
import type { LookupAddress, LookupOptions } from "node:dns";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Agent, request } from "undici";
import type { Fedisim } from "./index.ts";

export type ClientProtocol = "h2" | "http/1.1";

export interface SimResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** Bytes received (before decoding). */
  readonly bytes: number;
}

export interface SimClient {
  resolve4(name: string): Promise<string[]>;
  get(domain: string, path: string, options?: { protocol?: ClientProtocol; timeoutMs?: number; maxBytes?: number; tlsMin?: "TLSv1"; acceptEncoding?: string }): Promise<SimResponse>;
  close(): Promise<void>;
}

export function simClient(sim: Fedisim): SimClient {
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`${sim.dns.host}:${sim.dns.port}`]);
  const ca = readFileSync(sim.caFile, "utf8");
  const lookup = (hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    resolver.resolve4(hostname).then(
      (addresses) => (options.all ? callback(null, addresses.map((address) => ({ address, family: 4 }))) : callback(null, addresses[0]!, 4)),
      (err: NodeJS.ErrnoException) => callback(err, ""),
    );
  };
  const agents = {
    h2: new Agent({ allowH2: true, connect: { ca, lookup, timeout: 2000 } }),
    "http/1.1": new Agent({ allowH2: false, connect: { ca, lookup, timeout: 2000 } }),
  };
  return {
    resolve4: (name) => resolver.resolve4(name),
    async get(domain, path, options = {}) {
      const res = await request(`https://${domain}:${sim.httpsPort}${path}`, {
        dispatcher: agents[options.protocol ?? "h2"],
        headers: { "user-agent": "fedisim-test", ...(options.acceptEncoding === undefined ? {} : { "accept-encoding": options.acceptEncoding }) },
        headersTimeout: options.timeoutMs ?? 5000,
        bodyTimeout: options.timeoutMs ?? 5000,
        maxRedirections: 0,
      } as Parameters<typeof request>[1]);
      const chunks: Buffer[] = [];
      let bytes = 0;
      const limit = options.maxBytes ?? 32 * 1024 * 1024;
      for await (const chunk of res.body) {
        chunks.push(chunk as Buffer);
        bytes += (chunk as Buffer).length;
        if (bytes > limit) {
          res.body.destroy();
          break;
        }
      }
      let raw = Buffer.concat(chunks);
      if (res.headers["content-encoding"] === "gzip" && bytes <= limit) raw = gunzipSync(raw, { maxOutputLength: 128 * 1024 * 1024 });
      return { status: res.statusCode, headers: res.headers, body: raw.toString("utf8"), bytes };
    },
    async close() {
      await Promise.all([agents.h2.close(), agents["http/1.1"].close()]);
    },
  };
}
