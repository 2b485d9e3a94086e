/**
 * The HTTP API (issue 10, reference §16 without its bugs): aggregates for
 * everyone, instance-level lists and every write behind VMCRAWL_API_KEY,
 * a request budget per client, strict headers, bad parameters answered 400
 * with the parameter named, and the snapshot of published servers computed
 * once per VMCRAWL_FILTER_CACHE_SECONDS. Hono, on any Store.
 */
import { loadExposure, loadVelocity, velocityChoice, velocityJson } from "../stats/velocity-report.ts";
import { type Context, Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { parseDomain } from "../net/domain.ts";
import type { Store } from "../store/types.ts";
import { advisoryImpact } from "../versions/advisories.ts";
import { nightlyRangesByStart, readBranches } from "../store/branches.ts";
import { crawlerTotals, ping } from "../store/domains.ts";
import { flagDay } from "../manage/stat-days.ts";
import { VmcrawlError } from "../errors.ts";
import { COUNTED_DAYS } from "../stats/daily.ts";
import { branchFigures, history, loadSnapshot, type Snapshot, versionFigures } from "./data.ts";
import { Cached, keyMatches, RateLimiter } from "./guard.ts";
import { parseInstanceQuery, selectInstances } from "./instances.ts";
import { APP_JS, INDEX_HTML, STYLE_CSS } from "./dashboard/assets.ts";
import { openApiDocument } from "./openapi.ts";
import { BadParameter, intParam, knownParams, textParam } from "./params.ts";

export interface ApiOptions {
  readonly store: Pick<Store, "query" | "transaction" | "dialect">;
  readonly key: string | undefined;
  readonly cacheSeconds: number;
  readonly ratePerMinute: number;
  /** Who the request counts against in the request budget (serve/client.ts). */
  readonly clientOf?: (c: Context) => string;
  readonly now?: () => Date;
}

const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);

export function createApi(options: ApiOptions): Hono {
  const now = options.now ?? (() => new Date());
  const { query } = options.store;
  const snapshot = new Cached<Snapshot>(options.cacheSeconds * 1000, () => loadSnapshot(query, now()));
  // Measured over the snapshot's servers: the same ones every other figure counts.
  const advisories = new Cached(options.cacheSeconds * 1000, async () => advisoryImpact(query, (await snapshot.get(Date.now())).all));
  const limiter = new RateLimiter(options.ratePerMinute);
  const app = new Hono();

  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", "data:"], connectSrc: ["'self'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
      referrerPolicy: "no-referrer",
      crossOriginResourcePolicy: "same-origin",
    }),
  );
  app.use("*", async (c, next) => {
    // The anonymous budget is for anonymous clients: a request with the key is the operator's own.
    if (options.key !== undefined && keyMatches(c.req.header("x-api-key"), options.key)) return next();
    const wait = limiter.take(options.clientOf?.(c) ?? "unknown", Date.now());
    if (wait !== undefined) {
      c.header("retry-after", String(wait));
      return c.json({ error: `too many requests: at most ${options.ratePerMinute} a minute; try again in ${wait} s` }, 429);
    }
    await next();
  });

  /** Instance-level data and writes: the key, when one is set (writes: always). */
  const requireKey = (write: boolean) => async (c: Context, next: () => Promise<void>) => {
    if (options.key === undefined) {
      if (write) return c.json({ error: "writes are turned off: no VMCRAWL_API_KEY is configured" }, 403);
      return next();
    }
    if (!keyMatches(c.req.header("x-api-key"), options.key)) return c.json({ error: "this endpoint needs the API key in the X-API-Key header" }, 401);
    return next();
  };

  app.get("/health", async (c) => {
    knownParams(c.req.query(), []);
    await ping(query);
    return c.json({ status: "ok", database: options.store.dialect });
  });

  app.get("/summary", async (c) => {
    knownParams(c.req.query(), []);
    const s = await snapshot.get(Date.now());
    const t = s.totals;
    return c.json({
      asOf: s.asOf,
      windowDays: COUNTED_DAYS,
      instances: t.instances,
      mau: t.mau,
      uniqueVersions: t.unique_versions,
      patched: { instances: t.patched_instances, mau: t.patched_mau, instanceShare: share(t.patched_instances, t.instances), mauShare: share(t.patched_mau, t.mau) },
      eol: { instances: t.eol_instances, mau: t.eol_branch_mau, instanceShare: share(t.eol_instances, t.instances), mauShare: share(t.eol_branch_mau, t.mau) },
      counters: t,
    });
  });

  app.get("/branches", async (c) => {
    knownParams(c.req.query(), []);
    const s = await snapshot.get(Date.now());
    return c.json(branchFigures(s).map((b) => ({ ...b, patchedInstanceShare: share(b.patchedInstances, b.instances), patchedMauShare: share(b.patchedMau, b.mau) })));
  });

  app.get("/versions", async (c) => {
    knownParams(c.req.query(), []);
    return c.json(versionFigures(await snapshot.get(Date.now())));
  });

  app.get("/history", async (c) => {
    const params = c.req.query();
    knownParams(params, ["days"]);
    return c.json(await history(query, now(), intParam(params, "days", { min: 1, max: 3650, default: 30 })));
  });

  app.get("/advisories", async (c) => {
    knownParams(c.req.query(), []);
    return c.json(await advisories.get(Date.now()));
  });

  app.get("/velocity", async (c) => {
    const params = c.req.query();
    knownParams(params, ["branch", "release"]);
    const choice = velocityChoice(params.branch, params.release);
    if ("expected" in choice) throw new BadParameter(choice.field, choice.expected, choice.given);
    return c.json((await loadVelocity(query, choice)).map(velocityJson));
  });

  app.get("/exposure", async (c) => {
    knownParams(c.req.query(), []);
    return c.json(await loadExposure(query));
  });

  app.get("/release-versions", async (c) => {
    knownParams(c.req.query(), []);
    const [branches, nightly] = await Promise.all([readBranches(query), nightlyRangesByStart(query)]);
    return c.json({ branches, nightly });
  });

  app.get("/crawler", async (c) => {
    knownParams(c.req.query(), []);
    const at = now().toISOString();
    return c.json(await crawlerTotals(query, at));
  });

  app.get("/instances", requireKey(false), async (c) => {
    const request = parseInstanceQuery(c.req.query());
    return c.json(selectInstances((await snapshot.get(Date.now())).listed, request));
  });

  app.get("/instances/:domain", requireKey(false), async (c) => {
    knownParams(c.req.query(), []);
    const given = c.req.param("domain") ?? "";
    const parsed = parseDomain(given);
    if (!parsed.ok) throw new BadParameter("domain", "a domain name", given);
    const found = (await snapshot.get(Date.now())).listed.find((i) => i.domain === parsed.value.name || i.domain === parsed.value.unicode || i.domain === parsed.value.ascii);
    if (found === undefined) return c.json({ error: `${parsed.value.name} is not a published server that answered within ${COUNTED_DAYS} days` }, 404);
    return c.json(found);
  });

  app.get("/search", requireKey(false), async (c) => {
    const params = c.req.query();
    knownParams(params, ["q"]);
    const q = textParam(params, "q", 253);
    if (q === undefined) throw new BadParameter("q", "the text to look for", "");
    return c.json((await snapshot.get(Date.now())).listed.filter((i) => i.domain.includes(q)).slice(0, 20));
  });

  app.patch("/stats/history/:date", requireKey(true), async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as { invalid?: unknown; reason?: unknown } | undefined;
    if (body === undefined || typeof body.invalid !== "boolean") throw new BadParameter("invalid", "a JSON body with invalid: true or false", JSON.stringify(body ?? null));
    if (body.reason !== undefined && (typeof body.reason !== "string" || body.reason.length > 500)) throw new BadParameter("reason", "text of at most 500 characters", String(body.reason));
    const date = c.req.param("date") ?? "";
    await flagDay(options.store, date, body.invalid, body.reason as string | undefined);
    snapshot.clear();
    return c.json({ date, invalid: body.invalid });
  });

  app.get("/openapi.json", (c) => c.json(openApiDocument()));

  // The dashboard: three embedded files, cacheable for a short while.
  const asset = (body: string, type: string) => (c: Context) => c.body(body, 200, { "content-type": type, "cache-control": "public, max-age=300" });
  app.get("/", asset(INDEX_HTML, "text/html; charset=utf-8"));
  app.get("/app.js", asset(APP_JS, "text/javascript; charset=utf-8"));
  app.get("/app.css", asset(STYLE_CSS, "text/css; charset=utf-8"));

  app.notFound((c) => c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404));
  app.onError((err, c) => {
    if (err instanceof BadParameter) return c.json({ error: err.message, parameter: err.parameter }, 400);
    if (err instanceof VmcrawlError && err.exitCode === 2) return c.json({ error: err.message }, err.message.startsWith("no statistics") ? 404 : 400);
    // The database (or something else) failed: say so without details that help an attacker.
    return c.json({ error: "the database could not answer; try again later" }, 503);
  });
  return app;
}
