/**
 * `vmcrawl serve [--listen host:port]`: the JSON API over the system of
 * record (PostgreSQL in a fleet, else the SQLite file), until SIGINT or
 * SIGTERM. Listens on loopback unless told otherwise: put it behind a proxy
 * that terminates TLS.
 */
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { defineCommand } from "citty";
import { cidrMatcher } from "../net/cidr.ts";
import { clientKey } from "../serve/client.ts";
import { UsageError, VmcrawlError } from "../errors.ts";
import { createApi } from "../serve/app.ts";
import { describeStorage, openStore } from "../store/index.ts";
import { runtimeOf } from "./_shared.ts";
import { metaOf } from "./catalogue.ts";

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-f:]+)\]|([^:\s]+)):(\d{1,5})$/i.exec(value.trim());
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65_535) throw new UsageError(`--listen "${value}" is not valid: expected host:port, such as 127.0.0.1:8080 or [::1]:8080`);
  return { host: m[1] ?? m[2]!, port };
}

export default defineCommand({
  meta: metaOf("serve"),
  args: { listen: { type: "string", valueHint: "host:port", description: "Where to listen (default 127.0.0.1:8080)" } },
  async run(context) {
    const runtime = runtimeOf(context);
    const { host, port } = parseListen(context.args.listen ?? "127.0.0.1:8080");
    const config = runtime.config();
    const store = await openStore(config);
    const behindProxy = cidrMatcher(config.api.trustedProxies);
    const app = createApi({
      store,
      key: config.api.key,
      cacheSeconds: config.api.filterCacheSeconds,
      ratePerMinute: config.api.ratePerMinute,
      clientOf: (c) => clientKey(getConnInfo(c).remote.address ?? "unknown", c.req.header("x-forwarded-for"), behindProxy),
    });
    const stopped = new Promise<void>((resolve, reject) => {
      const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
        runtime.io.stderr.write(`vmcrawl: serving the API on http://${info.family === "IPv6" ? `[${info.address}]` : info.address}:${info.port} from ${describeStorage(config)}${config.api.key === undefined ? " (no API key: instance lists open, writes off)" : ""}\n`);
      });
      server.on("error", (err) => reject(new VmcrawlError("SERVE", `cannot listen on ${host}:${port}: ${err.message}`, { cause: err })));
      const stop = () => server.close(() => resolve());
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    try {
      await stopped;
    } finally {
      await store.close();
    }
  },
});
