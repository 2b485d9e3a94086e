/**
 * Reads what `vmcrawl doctor` judges (doctor/checks.ts): every check at once, each network one
 * under its own deadline, nothing written to any store.
 */
import { type Config, isLoopbackHost, type LoadedConfig } from "../config.ts";
import { isVmcrawlError } from "../errors.ts";
import { createHttpClient } from "../net/index.ts";
import { TLD_MAX_AGE_MS } from "../peers/tlds.ts";
import { inspectPostgres, inspectSqlite, type PostgresInspection, type SqliteInspection } from "../store/inspect.ts";
import { connectPostgres, describeStorage } from "../store/index.ts";
import { checkHostKey } from "../store/ssh-tunnel.ts";
import { describe } from "../store/sync.ts";
import {
  apiClientCheck,
  type Check,
  clockCheck,
  configurationCheck,
  envFileCheck,
  githubCheck,
  outboxCheck,
  postgresCheck,
  postgresTlsCheck,
  sqliteCheck,
  sshHostKeyCheck,
  ssrfCheck,
  tldCheck,
  unreachable,
} from "./checks.ts";

/** Each network check's own deadline: the whole doctor stays well under 5 s with a reachable store. */
export const CHECK_DEADLINE_MS = 3000;

function withDeadline<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_DEADLINE_MS / 1000} s from ${what}`)), CHECK_DEADLINE_MS);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Every check, from the configuration as loaded (or the error that stopped loading it). */
export async function runDoctor(loaded: LoadedConfig | { readonly error: Error }): Promise<Check[]> {
  if ("error" in loaded) {
    // A .env refused for who could have written it is that check's failure; any other error leaves it unknown.
    const envRefused = isVmcrawlError(loaded.error) && (loaded.error as { variable?: string }).variable === "(.env)";
    return [configurationCheck({ ok: false, problem: loaded.error.message }), envFileCheck(envRefused ? { refused: loaded.error.message } : { unknown: true })];
  }
  const { config, warnings, envFiles } = loaded;
  const checks: Check[] = [configurationCheck({ ok: true, warnings, files: envFiles }), envFileCheck({ read: envFiles }), ssrfCheck(config.http.allowPrivateIps), apiClientCheck(config.api.trustedProxies, config.api.ratePerMinute)];
  const now = new Date();
  const local = readSqlite(config);
  const storeChecks = config.postgres === null ? Promise.resolve([sqliteCheckOf(config, local, false)]) : fleetChecks(config, local, now);
  const network = await Promise.all([storeChecks, githubReachable(config), sshChecks(config)]);
  const view = "view" in local ? local.view : undefined;
  return [...checks, ...network.flat(), tldCheck(view, TLD_MAX_AGE_MS, now)];
}

type LocalRead = { view: SqliteInspection } | { problem: string };

function readSqlite(config: Config): LocalRead {
  try {
    return { view: inspectSqlite(config.sqlitePath, config.dirs.cache) };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

function sqliteCheckOf(config: Config, local: LocalRead, fleet: boolean): Check {
  if ("problem" in local) return unreachable(fleet ? "staging file" : "store", config.sqlitePath, local.problem, "check the file's permissions, or VMCRAWL_SQLITE_PATH");
  return sqliteCheck(config.sqlitePath, local.view, fleet);
}

async function fleetChecks(config: Config, local: LocalRead, now: Date): Promise<Check[]> {
  const settings = config.postgres!;
  const tunnelled = config.ssh !== null;
  const checks = [sqliteCheckOf(config, local, true), postgresTlsCheck(settings, tunnelled, isLoopbackHost(settings.host))];
  if ("view" in local && local.view.exists) checks.push(outboxCheck(local.view, now));
  let view: PostgresInspection;
  const location = describeStorage(config);
  try {
    view = await withDeadline(
      (async () => {
        const pg = await connectPostgres(config, () => {}, { connectTimeoutSeconds: CHECK_DEADLINE_MS / 1000 });
        try {
          return await inspectPostgres(pg);
        } finally {
          await pg.close().catch(() => {});
        }
      })(),
      location,
    );
  } catch (err) {
    return [...checks, unreachable("PostgreSQL", location, describe(err), "check VMCRAWL_POSTGRES_* and that the server is up and reachable from here; crawls stage results meanwhile")];
  }
  return [...checks, postgresCheck(location, view), clockCheck(view)];
}

async function githubReachable(config: Config): Promise<Check> {
  const url = config.versions.githubApiUrl;
  const http = createHttpClient(config);
  try {
    const api = new URL(url);
    const authorization = config.versions.githubToken === undefined ? {} : { authorization: { host: api.hostname, value: `Bearer ${config.versions.githubToken}` } };
    const result = await withDeadline(http.fetch(`${url.replace(/\/$/, "")}/rate_limit`, { accept: "application/vnd.github+json", maxBytes: 65_536, timeoutMs: CHECK_DEADLINE_MS, ...authorization }), url);
    return githubCheck(url, result.ok ? { status: result.status } : { problem: result.failure.reason });
  } catch (err) {
    return githubCheck(url, { problem: (err as Error).message });
  } finally {
    await http.close();
  }
}

async function sshChecks(config: Config): Promise<Check[]> {
  if (config.ssh === null) return [];
  const ssh = config.ssh;
  try {
    return [sshHostKeyCheck(`${ssh.host}:${ssh.port}`, await checkHostKey(ssh, CHECK_DEADLINE_MS))];
  } catch (err) {
    return [unreachable("SSH host key", `${ssh.host}:${ssh.port}`, (err as Error).message, "check VMCRAWL_SSH_HOST and VMCRAWL_SSH_PORT, and that sshd is up")];
  }
}

