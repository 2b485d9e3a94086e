/**
 * `vmcrawl doctor`'s verdicts, pure: from what was read (doctor/run.ts does the reading, each
 * network check under its own short deadline), one line per check with ok, warn or fail and what
 * to do about it. Thresholds live here, each with its reason.
 */
import type { AllowPrivateIps, PostgresSslMode } from "../config.ts";
import type { Cidr } from "../net/cidr.ts";
import type { PostgresInspection, SchemaState, SqliteInspection } from "../store/inspect.ts";
import { count } from "../text.ts";

export type Status = "ok" | "warn" | "fail";

export interface Check {
  readonly name: string;
  readonly status: Status;
  readonly detail: string;
  /** What to do, when something is not ok. */
  readonly fix?: string;
}

const ok = (name: string, detail: string): Check => ({ name, status: "ok", detail });
const warn = (name: string, detail: string, fix: string): Check => ({ name, status: "warn", detail, fix });
const fail = (name: string, detail: string, fix: string): Check => ({ name, status: "fail", detail, fix });

/** A check that could not run, and why: it fails, since nobody knows it is fine. */
export function unreachable(name: string, what: string, problem: string, fix: string): Check {
  return fail(name, `${what}: ${problem}`, fix);
}

export function configurationCheck(result: { ok: true; warnings: readonly string[]; files: readonly string[] } | { ok: false; problem: string }): Check {
  if (!result.ok) return fail("configuration", result.problem, "fix the value named above (vmcrawl --help lists the variables)");
  const from = result.files.length === 0 ? "no .env file" : `from the environment and ${result.files.join(", ")}`;
  if (result.warnings.length > 0) return warn("configuration", `valid, ${from}; ${result.warnings.join("; ")}`, "remove or correct the variables named");
  return ok("configuration", `valid, ${from}`);
}

/** A .env is refused when someone else could have written it (config.ts): the files read, or the one refused. */
export function envFileCheck(files: { read: readonly string[] } | { refused: string } | { unknown: true }): Check {
  if ("refused" in files) return fail(".env files", files.refused, "only the user running vmcrawl may own and write a .env it reads");
  if ("unknown" in files) return warn(".env files", "not checked: the configuration did not load", "fix the configuration first");
  if (files.read.length === 0) return ok(".env files", "none read");
  return ok(".env files", `${files.read.join(", ")}: owned by this user, writable by no one else`);
}

function schemaCheck(name: string, where: string, schema: SchemaState): Check | undefined {
  if ("problem" in schema) return fail(name, `${where}: ${schema.problem}`, "use the vmcrawl release that wrote this database, or a newer one");
  if (schema.pending > 0) return warn(name, `${where}: ${count(schema.pending, "schema migration")} not applied yet`, "run vmcrawl db migrate (the next crawl applies them too)");
  return undefined;
}

export function sqliteCheck(location: string, view: SqliteInspection, fleet: boolean): Check {
  const name = fleet ? "staging file" : "store";
  if (!view.exists) return warn(name, `${location} does not exist yet`, "run vmcrawl db migrate, or any crawl, to create it");
  return schemaCheck(name, location, view.schema!) ?? ok(name, `${location}: readable, schema current`);
}

export function postgresCheck(location: string, view: PostgresInspection): Check {
  return schemaCheck("PostgreSQL", location, view.schema) ?? ok("PostgreSQL", `${location}: reachable, schema current`);
}

/** Beyond this a node's stamps and PostgreSQL's disagree enough to matter to people reading them. */
export const CLOCK_WARN_MS = 5_000;
/** Beyond this a node's results can lose to older ones, or be moved back on sync (store/sync.ts clamps at 5 minutes). */
export const CLOCK_FAIL_MS = 60_000;

export function clockCheck(view: PostgresInspection): Check {
  const skew = view.localNow.getTime() - view.serverNow.getTime();
  const text = `this machine's clock is ${(Math.abs(skew) / 1000).toFixed(1)} s ${skew >= 0 ? "ahead of" : "behind"} PostgreSQL's`;
  const fix = "keep the clock synchronised (timedatectl set-ntp true, or chrony)";
  if (Math.abs(skew) > CLOCK_FAIL_MS) return fail("clock", text, fix);
  if (Math.abs(skew) > CLOCK_WARN_MS) return warn("clock", text, fix);
  return ok("clock", text);
}

/** A backlog older than this is not being pushed: PostgreSQL has been away, or the syncer is stuck. */
export const BACKLOG_WARN_MS = 3_600_000;

export function outboxCheck(view: SqliteInspection, now: Date): Check {
  if (view.backlog === undefined) return warn("outbox", "the staging file cannot be read yet", "run vmcrawl db migrate");
  const { entries, oldest } = view.backlog;
  const last = view.lastSync === undefined ? "never synced" : `last sync ${view.lastSync}`;
  if ((view.quarantined ?? 0) > 0) {
    return fail("outbox", `${count(view.quarantined!, "staged change")} PostgreSQL refused ${view.quarantined === 1 ? "is" : "are"} quarantined; ${count(entries, "staged change")} waiting`, "vmcrawl sync --status shows them; then --retry-quarantined or --drop-quarantined");
  }
  if (entries > 0 && oldest !== undefined && now.getTime() - Date.parse(oldest) > BACKLOG_WARN_MS) {
    return warn("outbox", `${count(entries, "staged change")} waiting since ${oldest}; ${last}${view.lastSyncFailure === undefined ? "" : `; last failure ${view.lastSyncFailure}`}`, "vmcrawl sync pushes them now and says why it cannot");
  }
  return ok("outbox", `${count(entries, "staged change")} waiting; ${last}`);
}

/** The same age `fetch` downloads the list again at (peers/tlds.ts). */
export function tldCheck(view: SqliteInspection | undefined, maxAgeMs: number, now: Date): Check {
  const stored = view?.tlds;
  if (stored === undefined) return warn("TLD list", "none stored: fetch admits peers by the TLDs this binary carries until it reads VMCRAWL_TLD_URL", "run vmcrawl manage tld update");
  const age = now.getTime() - Date.parse(stored.updatedAt);
  const text = `${count(stored.count, "TLD")}, updated ${stored.updatedAt}`;
  if (age > maxAgeMs) return warn("TLD list", `${text}: older than ${Math.round(maxAgeMs / 86_400_000)} days`, "run vmcrawl manage tld update (the next fetch tries too)");
  return ok("TLD list", text);
}

export function githubCheck(url: string, answer: { status: number } | { problem: string }): Check {
  if ("problem" in answer) return fail("GitHub", `${url}: ${answer.problem}`, "release and advisory data go stale without it: check VMCRAWL_GITHUB_API_URL and the network");
  if (answer.status === 401) return fail("GitHub", `${url}: HTTP 401, the token is refused`, "renew VMCRAWL_GITHUB_TOKEN (or GITHUB_TOKEN)");
  return ok("GitHub", `${url}: reachable (HTTP ${answer.status})`);
}

export function sshHostKeyCheck(host: string, result: { fingerprint: string; refused: string | undefined }): Check {
  if (result.refused !== undefined) return fail("SSH host key", result.refused, "compare the fingerprint with the server's (ssh-keygen -lf), then add it to VMCRAWL_SSH_KNOWN_HOSTS or set VMCRAWL_SSH_HOST_FINGERPRINT");
  return ok("SSH host key", `${host}: ${result.fingerprint}, known`);
}

export function postgresTlsCheck(settings: { host: string; sslMode: PostgresSslMode }, tunnelled: boolean, loopback: boolean): Check {
  const name = "PostgreSQL TLS";
  if (tunnelled) return ok(name, `inside the SSH tunnel (${settings.sslMode})`);
  if (loopback) return ok(name, `${settings.host} is this machine (${settings.sslMode})`);
  switch (settings.sslMode) {
    case "verify-full":
      return ok(name, `verify-full to ${settings.host}: certificate and host name checked`);
    case "require":
      return warn(name, `require to ${settings.host}: encrypted, but any certificate is taken, so a machine in the path can stand in`, "set VMCRAWL_POSTGRES_SSLMODE=verify-full (the server's certificate must chain to a CA this machine trusts)");
    case "prefer":
    case "disable":
      return fail(name, `${settings.sslMode} to ${settings.host}: the password and every result can cross the network in clear${settings.sslMode === "prefer" ? " (a machine in the path can refuse TLS)" : ""}`, "unset VMCRAWL_POSTGRES_SSLMODE (verify-full is the default for a remote host), or use the SSH tunnel");
  }
}

export function apiClientCheck(trustedProxies: readonly Cidr[], ratePerMinute: number): Check {
  const name = "API rate limit";
  if (ratePerMinute === 0) return warn(name, "off (VMCRAWL_API_RATE_LIMIT=0)", "set VMCRAWL_API_RATE_LIMIT if serve is reachable from outside");
  const open = trustedProxies.find((r) => r.prefix === 0);
  if (open !== undefined) return fail(name, `VMCRAWL_API_TRUSTED_PROXIES trusts ${open.address}/0: every client can name itself in X-Forwarded-For`, "list only your reverse proxies' addresses");
  if (trustedProxies.length === 0) return ok(name, `${ratePerMinute} a minute per client address (behind a reverse proxy, set VMCRAWL_API_TRUSTED_PROXIES, or every client shares the proxy's budget)`);
  return ok(name, `${ratePerMinute} a minute per client, read from X-Forwarded-For behind ${trustedProxies.map((r) => `${r.address}/${r.prefix}`).join(", ")}`);
}

export function ssrfCheck(allow: AllowPrivateIps): Check {
  if (allow.kind === "all") return warn("SSRF guard", "off: VMCRAWL_ALLOW_PRIVATE_IPS=1 lets any server send the crawler to private and loopback addresses", "unset it, or list only the ranges you need");
  if (allow.kind === "ranges") return ok("SSRF guard", `on, except ${allow.ranges.map((r) => `${r.address}/${r.prefix}`).join(", ")}`);
  return ok("SSRF guard", "on");
}

/** The exit status: 0 when nothing failed. */
export function failed(checks: readonly Check[]): Check[] {
  return checks.filter((c) => c.status === "fail");
}
