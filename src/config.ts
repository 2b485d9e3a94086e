/**
 * Configuration: one table of `VMCRAWL_*` variables, resolved once into a
 * frozen, typed `Config`. This is the only module that reads the process
 * environment; everything else receives a `Config`.
 *
 * Precedence, highest first:
 *   1. a command-line flag, where a command has one (e.g. `fetch --limit`)
 *   2. the process environment
 *   3. `.env` in the current directory
 *   4. `.env` in the XDG config dir (`$XDG_CONFIG_HOME/vmcrawl/.env`, default `~/.config/vmcrawl/.env`)
 *   5. the documented default
 * An empty value counts as unset. A value that cannot be used stops the
 * program with one line naming the variable, the value and what was expected.
 */
import { readFileSync, statSync } from "node:fs";
import { homedir, hostname, userInfo } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { isIP, isIPv4 } from "node:net";
import { parseEnv } from "node:util";
import { ConfigError } from "./errors.ts";
import { type Cidr, formatCidr, parseCidr } from "./net/cidr.ts";
import { parseDomain } from "./net/domain.ts";

// --- the table ---------------------------------------------------------------

type Group = "Storage" | "PostgreSQL" | "SSH tunnel" | "Crawling" | "HTTP" | "DNS" | "Fetch" | "Versions" | "API";

interface Field<T, At extends string = string> {
  readonly group: Group;
  /** Where the value lands in `Config`: "section.key", or a top-level key. The one place that says so. */
  readonly at: At;
  readonly description: string;
  /** The default as the README shows it. */
  readonly defaultText: string;
  readonly default: (ctx: Context) => T;
  /** Turns the raw text into a value or throws `Expected`. */
  readonly parse: (raw: string, ctx: Context) => T;
  /** Never echo the value in messages. */
  readonly secret?: boolean;
}

const field = <T, const At extends string>(spec: Field<T, At>): Field<T, At> => spec;
const unset = (): undefined => undefined;

const fields = {
  VMCRAWL_SQLITE_PATH: field({
    group: "Storage",
    at: "sqlitePath",
    description: "SQLite database file: the whole database in embedded mode, the local staging store in fleet mode.",
    defaultText: "`$XDG_DATA_HOME/vmcrawl/vmcrawl.db` (`~/.local/share/vmcrawl/vmcrawl.db`)",
    default: (ctx) => join(ctx.dirs.data, "vmcrawl.db"),
    parse: (raw, ctx) => expandPath(raw, ctx),
  }),

  VMCRAWL_POSTGRES_DATA: field({
    group: "PostgreSQL",
    at: "postgres.database",
    description: "Database name. Setting it switches on fleet mode (PostgreSQL is the system of record).",
    defaultText: "unset (embedded SQLite)",
    default: unset,
    parse: nonEmptyText,
  }),
  VMCRAWL_POSTGRES_USER: field({
    group: "PostgreSQL",
    at: "postgres.user",
    description: "Database user.",
    defaultText: "the current OS user",
    default: unset,
    parse: nonEmptyText,
  }),
  VMCRAWL_POSTGRES_PASS: field({
    group: "PostgreSQL",
    at: "postgres.password",
    description: "Database password (any characters; it is passed as an option, never pasted into a URL).",
    defaultText: "unset",
    default: unset,
    parse: nonEmptyText,
    secret: true,
  }),
  VMCRAWL_POSTGRES_HOST: field({
    group: "PostgreSQL",
    at: "postgres.host",
    description: "Database host (seen from the SSH server when the tunnel is on).",
    defaultText: "`localhost`",
    default: () => "localhost",
    parse: hostName,
  }),
  VMCRAWL_POSTGRES_PORT: field({
    group: "PostgreSQL",
    at: "postgres.port",
    description: "Database port.",
    defaultText: "`5432`",
    default: () => 5432,
    parse: port,
  }),
  VMCRAWL_POSTGRES_SSLMODE: field({
    group: "PostgreSQL",
    at: "postgres.sslMode",
    description:
      "TLS to the database: `disable`, `prefer` (if offered: a machine in the path can refuse it), `require`, `verify-full` (certificate and name checked).",
    defaultText: "`verify-full`; `prefer` on loopback or through the SSH tunnel",
    // Decided in assemble(), which knows the host and the tunnel.
    default: (): PostgresSslMode | undefined => undefined,
    parse: oneOf(["disable", "prefer", "require", "verify-full"] as const),
  }),
  VMCRAWL_NODE_ID: field({
    group: "PostgreSQL",
    at: "fleet.nodeId",
    description: "This crawler's name in a fleet: written to leases, error_log and sync receipts. Keep it unique and stable per staging file.",
    defaultText: "the host name",
    default: (ctx) => ctx.hostName,
    parse: (raw) => {
      const text = raw.trim();
      if (!/^[A-Za-z0-9._:-]{1,64}$/.test(text)) throw new Expected("1 to 64 letters, digits, dots, dashes, underscores or colons");
      return text;
    },
  }),
  VMCRAWL_LEASE_SECONDS: field({
    group: "PostgreSQL",
    at: "fleet.leaseSeconds",
    description: "How long a node holds the domains it claimed before others may take them.",
    defaultText: "`900`",
    default: () => 900,
    parse: integer(30, 86_400),
  }),

  VMCRAWL_SSH_HOST: field({
    group: "SSH tunnel",
    at: "ssh.host",
    description: "SSH server to tunnel database connections through. Unset: connect directly.",
    defaultText: "unset",
    default: unset,
    parse: hostName,
  }),
  VMCRAWL_SSH_PORT: field({
    group: "SSH tunnel",
    at: "ssh.port",
    description: "SSH port.",
    defaultText: "`22`",
    default: () => 22,
    parse: port,
  }),
  VMCRAWL_SSH_USER: field({
    group: "SSH tunnel",
    at: "ssh.user",
    description: "SSH user.",
    defaultText: "the current OS user",
    default: (ctx) => ctx.userName,
    parse: nonEmptyText,
  }),
  VMCRAWL_SSH_KEY: field({
    group: "SSH tunnel",
    at: "ssh.keyFile",
    description: "Private key file (`~` is expanded).",
    defaultText: "`~/.ssh/id_rsa`",
    default: (ctx) => join(ctx.home, ".ssh", "id_rsa"),
    parse: (raw, ctx) => expandPath(raw, ctx),
  }),
  VMCRAWL_SSH_KEY_PASS: field({
    group: "SSH tunnel",
    at: "ssh.keyPassphrase",
    description: "Passphrase of the private key.",
    defaultText: "unset",
    default: unset,
    parse: nonEmptyText,
    secret: true,
  }),
  VMCRAWL_SSH_KNOWN_HOSTS: field({
    group: "SSH tunnel",
    at: "ssh.knownHostsFile",
    description: "known_hosts file the server's host key must be listed in (hashed entries and `[host]:port` work).",
    defaultText: "`~/.ssh/known_hosts`",
    default: (ctx) => join(ctx.home, ".ssh", "known_hosts"),
    parse: (raw, ctx) => expandPath(raw, ctx),
  }),
  VMCRAWL_SSH_HOST_FINGERPRINT: field({
    group: "SSH tunnel",
    at: "ssh.hostFingerprint",
    description: "Accept the server's host key by its fingerprint instead (`SHA256:…`, as `ssh-keygen -lf` prints it). An unknown host key is always refused.",
    defaultText: "unset",
    default: unset,
    parse: (raw) => {
      const text = raw.trim();
      if (!/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(text)) throw new Expected("SHA256: followed by 43 base64 characters, as ssh-keygen -lf prints it");
      return text.replace(/=$/, "");
    },
  }),

  VMCRAWL_MAX_THREADS: field({
    group: "Crawling",
    at: "crawl.maxThreads",
    description: "Domains crawled at the same time (at most: fewer start while the crawler is short of CPU, see Crawl runs).",
    defaultText: "`2`",
    default: () => 2,
    parse: integer(1, 4096),
  }),
  VMCRAWL_PROBE_THREADS: field({
    group: "Crawling",
    at: "crawl.probeThreads",
    description: "Worker threads that probe domains, sharing out the CPU cost of TLS and HTTP/2 (never more than `VMCRAWL_MAX_THREADS`); `0` probes on the main thread. Worth it above about 100 domains at a time with cores to spare; each thread adds about 45 MB.",
    defaultText: "`0`",
    default: () => 0,
    parse: integer(0, 64),
  }),
  VMCRAWL_DOMAIN_TIMEOUT: field({
    group: "Crawling",
    at: "crawl.domainTimeoutSeconds",
    description: "Time allowed for everything about one domain, in seconds; then it fails as a timeout.",
    defaultText: "`30`",
    default: () => 30,
    parse: seconds(1, 3600),
  }),
  VMCRAWL_CONTACT_URL: field({
    group: "Crawling",
    at: "crawl.contactUrl",
    description: "The page named in the user agent (`vmcrawl/<version> (+URL)`), telling server admins what the crawler does and how to opt out.",
    defaultText: "`https://docs.vmst.io/vmcrawl`",
    default: () => "https://docs.vmst.io/vmcrawl",
    parse: httpsUrl,
  }),
  VMCRAWL_RECRAWL_HOURS: field({
    group: "Crawling",
    at: "crawl.recrawlHours",
    description: "The daemon crawls a healthy server again after this many hours (failures back off by class, up to VMCRAWL_RETRY_CAP_HOURS).",
    defaultText: "`1`",
    default: () => 1,
    parse: hours(0.01, 8760),
  }),
  VMCRAWL_RETRY_CAP_HOURS: field({
    group: "Crawling",
    at: "crawl.retryCapHours",
    description: "Longest backoff between retries of a failing domain, in hours (classes with a longer base, such as NXDOMAIN or an opt-out, keep theirs).",
    defaultText: "`168`",
    default: () => 168,
    parse: hours(1, 8760),
  }),
  VMCRAWL_ERROR_BUFFER: field({
    group: "Crawling",
    at: "crawl.errorBuffer",
    description: "Consecutive failures before a domain enters a terminal (`bad_*`) state.",
    defaultText: "`24`",
    default: () => 24,
    parse: integer(1, 100_000),
  }),
  VMCRAWL_ERROR_LOG_RETENTION_DAYS: field({
    group: "Crawling",
    at: "crawl.errorLogRetentionDays",
    description: "Days `error_log` rows are kept; the daemon's maintenance removes older ones (and published servers not heard from in 7 days).",
    defaultText: "`30`",
    default: () => 30,
    parse: integer(1, 36_500),
  }),
  VMCRAWL_PROGRESS_HEARTBEAT_SECONDS: field({
    group: "Crawling",
    at: "crawl.progressHeartbeatSeconds",
    description: "Seconds between progress heartbeat lines when not on a terminal.",
    defaultText: "`5`",
    default: () => 5,
    parse: seconds(0.1, 86_400),
  }),
  VMCRAWL_SLOW_DOMAIN_SECONDS: field({
    group: "Crawling",
    at: "crawl.slowDomainSeconds",
    description: "A domain still in flight after this many seconds is shown as slow.",
    defaultText: "`8`",
    default: () => 8,
    parse: seconds(0.1, 86_400),
  }),

  VMCRAWL_HTTP_TIMEOUT: field({
    group: "HTTP",
    at: "http.timeoutSeconds",
    description: "Timeout of one HTTP request, in seconds.",
    defaultText: "`5`",
    default: () => 5,
    parse: seconds(0.1, 300),
  }),
  VMCRAWL_HTTP_REDIRECT: field({
    group: "HTTP",
    at: "http.maxRedirects",
    description: "Redirects followed per request (every hop is checked by the SSRF guard).",
    defaultText: "`2`",
    default: () => 2,
    parse: integer(0, 20),
  }),
  VMCRAWL_MAX_RESPONSE_SIZE: field({
    group: "HTTP",
    at: "http.maxResponseBytes",
    description: "Largest response body read, in decoded bytes; a larger one is a SIZE failure.",
    defaultText: "`10485760` (10 MiB)",
    default: () => 10_485_760,
    parse: integer(1024, 1_073_741_824),
  }),
  VMCRAWL_MAX_CONCURRENT_PER_HOST: field({
    group: "HTTP",
    at: "http.maxPerHost",
    description: "Requests in flight to one host at a time, across all domains being crawled.",
    defaultText: "`2`",
    default: () => 2,
    parse: integer(1, 64),
  }),
  VMCRAWL_HTTPS_PORT: field({
    group: "HTTP",
    at: "http.port",
    description: "Port for HTTPS to every server. Change it only to point vmcrawl at a simulated fediverse (test/fedisim).",
    defaultText: "`443`",
    default: () => 443,
    parse: port,
  }),
  VMCRAWL_CA_FILE: field({
    group: "HTTP",
    at: "http.caFile",
    description: "Extra trusted CA certificates (PEM file), added to the system trust store.",
    defaultText: "unset",
    default: unset,
    parse: (raw, ctx) => readableFile(expandPath(raw, ctx)),
  }),
  VMCRAWL_ALLOW_PRIVATE_IPS: field({
    group: "HTTP",
    at: "http.allowPrivateIps",
    description:
      "SSRF guard exceptions: `1` allows every private, loopback and reserved address; a comma list of CIDR ranges allows only those, every other private range stays blocked.",
    defaultText: "unset (guard on)",
    default: () => NO_PRIVATE_IPS,
    parse: allowPrivateIps,
  }),

  VMCRAWL_DNS_SERVERS: field({
    group: "DNS",
    at: "dns.servers",
    description: "Comma list of resolvers as `IP`, `IP:port` or `[IPv6]:port`. Unset: the system resolvers.",
    defaultText: "unset (system resolvers)",
    default: (): readonly DnsServer[] => [],
    parse: dnsServers,
  }),
  VMCRAWL_DNS_RETRY_ATTEMPTS: field({
    group: "DNS",
    at: "dns.retryAttempts",
    description: "Attempts for a name lookup or connection that fails in a retryable way.",
    defaultText: "`3`",
    default: () => 3,
    parse: integer(1, 20),
  }),
  VMCRAWL_DNS_RETRY_BASE_DELAY_MS: field({
    group: "DNS",
    at: "dns.retryBaseDelayMs",
    description: "Base of the exponential backoff between attempts, in milliseconds.",
    defaultText: "`80`",
    default: () => 80,
    parse: integer(0, 60_000),
  }),
  VMCRAWL_DNS_RETRY_JITTER_MS: field({
    group: "DNS",
    at: "dns.retryJitterMs",
    description: "Random ± jitter added to each backoff, in milliseconds.",
    defaultText: "`40`",
    default: () => 40,
    parse: integer(0, 60_000),
  }),
  VMCRAWL_DNS_RETRY_MAX_TOTAL_DELAY_MS: field({
    group: "DNS",
    at: "dns.retryMaxTotalDelayMs",
    description: "Total backoff budget per lookup, in milliseconds; `0` retries without waiting.",
    defaultText: "`500`",
    default: () => 500,
    parse: integer(0, 600_000),
  }),

  VMCRAWL_FETCH_LIMIT: field({
    group: "Fetch",
    at: "fetch.limit",
    description: "Source servers polled for peers by `fetch` (`--limit` overrides).",
    defaultText: "`10`",
    default: () => 10,
    parse: integer(1, 1_000_000),
  }),
  VMCRAWL_FETCH_OFFSET: field({
    group: "Fetch",
    at: "fetch.offset",
    description: "Source servers skipped from the top by `fetch` (`--offset` overrides).",
    defaultText: "`0`",
    default: () => 0,
    parse: integer(0, 100_000_000),
  }),
  VMCRAWL_FETCH_MIN_ACTIVE: field({
    group: "Fetch",
    at: "fetch.minActive",
    description: "Untargeted `fetch` only polls servers with more monthly active users than this.",
    defaultText: "`100`",
    default: () => 100,
    parse: integer(0, 1_000_000_000),
  }),
  VMCRAWL_FETCH_SEED: field({
    group: "Fetch",
    at: "fetch.seed",
    description: "Server `fetch` asks first when no Mastodon server is known yet (an empty database).",
    defaultText: "`vmst.io`",
    default: () => "vmst.io",
    parse: domainName,
  }),
  VMCRAWL_MAX_PEERS_SIZE: field({
    group: "Fetch",
    at: "fetch.maxPeersBytes",
    description: "Largest peers list read, in decoded bytes (read as a stream, so memory stays small); a larger one is cut there and counted as truncated.",
    defaultText: "`67108864` (64 MiB, about 3 million names)",
    default: () => 67_108_864,
    parse: integer(1024, 1_073_741_824),
  }),
  VMCRAWL_TLD_URL: field({
    group: "Fetch",
    at: "fetch.tldUrl",
    description: "Where the IANA list of top-level domains is read (weekly; when it cannot be read, the copy in the database, else the list the binary carries).",
    defaultText: "`https://data.iana.org/TLD/tlds-alpha-by-domain.txt`",
    default: () => "https://data.iana.org/TLD/tlds-alpha-by-domain.txt",
    parse: httpsUrl,
  }),

  VMCRAWL_DNI_URL: field({
    group: "Fetch",
    at: "fetch.dniUrl",
    description: "The IFTAS DNI list (CSV with a `#domain` column) that `vmcrawl manage dni import` reads; its entries are added as soft.",
    defaultText: "`https://about.iftas.org/wp-content/uploads/2025/10/iftas-dni-latest.csv`",
    default: () => "https://about.iftas.org/wp-content/uploads/2025/10/iftas-dni-latest.csv",
    parse: httpsUrl,
  }),

  VMCRAWL_GITHUB_API_URL: field({
    group: "Versions",
    at: "versions.githubApiUrl",
    description: "GitHub's REST API, where the latest Mastodon releases, the main branch's version and the security advisories are read.",
    defaultText: "`https://api.github.com`",
    default: () => "https://api.github.com",
    parse: (raw) => httpsUrl(raw).replace(/\/+$/, ""),
  }),
  VMCRAWL_GITHUB_TOKEN: field({
    group: "Versions",
    at: "versions.githubToken",
    description: "A GitHub token for the API (higher rate limits); `GITHUB_TOKEN` when unset. Sent to `VMCRAWL_GITHUB_API_URL` only, never logged.",
    defaultText: "`$GITHUB_TOKEN`, else none",
    default: (ctx) => ctx.githubToken,
    parse: nonEmptyText,
    secret: true,
  }),
  VMCRAWL_VERSION_REFRESH_INTERVAL: field({
    group: "Versions",
    at: "versions.refreshIntervalSeconds",
    description: "Seconds between the daemon's refreshes of the latest Mastodon releases and the security advisories from GitHub (embedded: at daemon start only); `0` turns them off.",
    defaultText: "`3600`",
    default: () => 3600,
    parse: integer(0, 31_536_000),
  }),

  VMCRAWL_STATS_MAX_DROP_PERCENT: field({
    group: "Versions",
    at: "stats.maxDropPercent",
    description: "Publish guard: a day whose instance count or monthly active users fall more than this percentage below the day before is marked invalid (suspect), with the reason.",
    defaultText: "`50`",
    default: () => 50,
    parse: integer(1, 100),
  }),

  VMCRAWL_FILTER_CACHE_SECONDS: field({
    group: "API",
    at: "api.filterCacheSeconds",
    description: "How long filter data (DNI list, versions) and API results are cached, in seconds.",
    defaultText: "`300`",
    default: () => 300,
    parse: integer(0, 86_400),
  }),
  VMCRAWL_API_RATE_LIMIT: field({
    group: "API",
    at: "api.ratePerMinute",
    description: "Requests per minute one client (IP address) may make to `serve`; more get 429 with Retry-After. `0` turns the limit off.",
    defaultText: "`600`",
    default: () => 600,
    parse: integer(0, 1_000_000),
  }),
  VMCRAWL_API_TRUSTED_PROXIES: field({
    group: "API",
    at: "api.trustedProxies",
    description:
      "Reverse proxies in front of `serve` (comma list of CIDR ranges): only from them is `X-Forwarded-For` read, so the rate limit counts the real client.",
    defaultText: "unset",
    default: (): readonly Cidr[] => [],
    parse: cidrList,
  }),
  VMCRAWL_API_KEY: field({
    group: "API",
    at: "api.key",
    description: "Key required in `X-API-Key` for instance-level and write endpoints of `serve`. At least 16 characters.",
    defaultText: "unset (public aggregates only, no writes)",
    default: unset,
    parse: apiKey,
    secret: true,
  }),
} satisfies Record<`VMCRAWL_${string}`, Field<unknown>>;

export type ConfigVariable = keyof typeof fields;
type Values = { [K in ConfigVariable]: ReturnType<(typeof fields)[K]["default"]> | ReturnType<(typeof fields)[K]["parse"]> };

// --- the typed result ---------------------------------------------------------

export interface DnsServer {
  readonly host: string;
  readonly port: number;
}

export type AllowPrivateIps =
  | { readonly kind: "none" }
  | { readonly kind: "all" }
  | { readonly kind: "ranges"; readonly ranges: readonly Cidr[] };

const NO_PRIVATE_IPS: AllowPrivateIps = { kind: "none" };

export type PostgresSslMode = "disable" | "prefer" | "require" | "verify-full";

/** The values that land in `section` (fields whose `at` is "section.key"), keyed by their key. */
type Section<S extends string> = {
  readonly [K in ConfigVariable as (typeof fields)[K]["at"] extends `${S}.${infer Key}` ? Key : never]: Values[K];
};

/** Set only when VMCRAWL_POSTGRES_DATA is; the TLS mode is always decided (defaultSslMode). */
export type PostgresSettings = Omit<Section<"postgres">, "database" | "sslMode"> & { readonly database: string; readonly sslMode: PostgresSslMode };
/** Set only when VMCRAWL_SSH_HOST is. */
export type SshSettings = Omit<Section<"ssh">, "host"> & { readonly host: string };

/** The sections that are always there, each assembled from the fields that land in it. */
const SECTIONS = ["crawl", "http", "dns", "fetch", "fleet", "versions", "stats", "api"] as const;
type AlwaysSections = { readonly [S in (typeof SECTIONS)[number]]: Section<S> };

export interface Config extends AlwaysSections {
  readonly sqlitePath: Values["VMCRAWL_SQLITE_PATH"];
  /** Null: embedded mode, SQLite is the whole database. */
  readonly postgres: PostgresSettings | null;
  /** Null: no tunnel. Only ever set together with `postgres`. */
  readonly ssh: SshSettings | null;
  /** Per-user directories (XDG), resolved once. */
  readonly dirs: Dirs;
}

export interface Dirs {
  readonly config: string;
  readonly data: string;
  readonly cache: string;
}

export interface LoadedConfig {
  readonly config: Config;
  /** Things worth telling the user that do not stop the program (unknown variables, loose .env permissions). */
  readonly warnings: readonly string[];
  /** The .env files read, lowest precedence first. */
  readonly envFiles: readonly string[];
}

export interface ConfigSources {
  /** The process environment (injected so tests never touch the real one). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Reads a `.env` file; undefined when it does not exist. */
  readonly readEnvFile?: (path: string) => EnvFile | undefined;
  readonly userName?: string;
  readonly hostName?: string;
  /** The user running vmcrawl, who must own every .env it reads. @default process.getuid() */
  readonly uid?: number;
}

export interface EnvFile {
  readonly text: string;
  /** File mode bits: a .env others can write is refused, one they can read warned about if it holds a secret. */
  readonly mode: number;
  /** Its owner. */
  readonly uid?: number;
}

// --- loading -------------------------------------------------------------------

interface Context {
  readonly cwd: string;
  readonly home: string;
  readonly userName: string;
  readonly hostName: string;
  readonly dirs: Dirs;
  /** GITHUB_TOKEN, the variable GitHub's own tools read, as the default of VMCRAWL_GITHUB_TOKEN. */
  readonly githubToken: string | undefined;
}

interface RawValue {
  readonly text: string;
  /** "environment" or the path of the .env file it came from. */
  readonly source: string;
}

export function loadConfig(sources: ConfigSources): LoadedConfig {
  const ctx = context(sources);
  const warnings: string[] = [];
  const envFiles: string[] = [];
  const raw = collectRawValues(sources, ctx, warnings, envFiles);

  const values = {} as Record<ConfigVariable, unknown>;
  for (const name of Object.keys(fields) as ConfigVariable[]) {
    const spec: Field<unknown> = fields[name];
    const given = raw.get(name);
    if (given === undefined) {
      values[name] = spec.default(ctx);
      continue;
    }
    try {
      values[name] = spec.parse(given.text, ctx);
    } catch (err) {
      if (!(err instanceof Expected)) throw err;
      throw new ConfigError(name, `${name}=${shown(name, given.text)} (from ${given.source}): expected ${err.expected}`);
    }
  }
  const config = assemble(values as Values, raw, ctx, warnings);
  return { config: deepFreeze(config), warnings, envFiles };
}

/** Loads from the real process: the one place that touches `process.env`. */
export function loadProcessConfig(): LoadedConfig {
  return loadConfig({ env: process.env, cwd: process.cwd(), readEnvFile: readEnvFileFromDisk });
}

/** Per-user directories from the real process environment, for code that needs them before (or without) a full config. */
export function processDirs(): Dirs {
  return resolveDirs(process.env, homeOf(process.env));
}

export function readEnvFileFromDisk(path: string): EnvFile | undefined {
  try {
    const info = statSync(path);
    return { text: readFileSync(path, "utf8"), mode: info.mode, uid: info.uid };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError("(.env)", `cannot read ${path}: ${(err as Error).message}`);
  }
}

function context(sources: ConfigSources): Context {
  const home = homeOf(sources.env);
  return {
    cwd: sources.cwd,
    home,
    userName: sources.userName ?? currentUserName(sources.env),
    hostName: (sources.hostName ?? hostname()).replace(/[^A-Za-z0-9._:-]/g, "-").slice(0, 64) || "vmcrawl",
    dirs: resolveDirs(sources.env, home),
    githubToken: nonBlank(sources.env.GITHUB_TOKEN),
  };
}

function homeOf(env: ConfigSources["env"]): string {
  return nonBlank(env.HOME) ?? homedir();
}

function currentUserName(env: ConfigSources["env"]): string {
  try {
    return userInfo().username;
  } catch {
    return nonBlank(env.USER) ?? "vmcrawl";
  }
}

function resolveDirs(env: ConfigSources["env"], home: string): Dirs {
  // XDG says relative paths in these variables are invalid and must be ignored.
  const xdg = (name: string, fallback: string) => {
    const value = nonBlank(env[name]);
    return value !== undefined && isAbsolute(value) ? value : fallback;
  };
  // systemd's CacheDirectory= hands a ready, private directory to the service.
  const systemdCache = nonBlank(env.CACHE_DIRECTORY)?.split(":")[0];
  return {
    config: join(xdg("XDG_CONFIG_HOME", join(home, ".config")), "vmcrawl"),
    data: join(xdg("XDG_DATA_HOME", join(home, ".local", "share")), "vmcrawl"),
    cache: systemdCache && isAbsolute(systemdCache) ? systemdCache : join(xdg("XDG_CACHE_HOME", join(home, ".cache")), "vmcrawl"),
  };
}

function collectRawValues(sources: ConfigSources, ctx: Context, warnings: string[], envFiles: string[]): Map<string, RawValue> {
  const raw = new Map<string, RawValue>();
  const read = sources.readEnvFile ?? (() => undefined);
  // Lowest precedence first; later layers overwrite.
  for (const path of envFilePaths(ctx.cwd, ctx.dirs)) {
    const file = read(path);
    if (file === undefined) continue;
    const problem = envFileProblem(path, file, sources.uid ?? process.getuid?.());
    if (problem !== undefined) throw new ConfigError("(.env)", problem);
    envFiles.push(path);
    let parsed: NodeJS.Dict<string>;
    try {
      parsed = parseEnv(file.text);
    } catch (err) {
      throw new ConfigError("(.env)", `cannot parse ${path}: ${(err as Error).message}`);
    }
    let hasSecret = false;
    for (const [name, text = ""] of Object.entries(parsed)) {
      if (!name.startsWith("VMCRAWL_")) continue;
      if (text.trim() === "") raw.delete(name);
      else raw.set(name, { text, source: path });
      if (isSecret(name) && text.trim() !== "") hasSecret = true;
    }
    if (hasSecret && (file.mode & 0o077) !== 0) {
      warnings.push(`${path} holds a password or key and can be read by other users; run: chmod 600 ${path}`);
    }
  }
  for (const [name, text] of Object.entries(sources.env)) {
    if (!name.startsWith("VMCRAWL_") || text === undefined) continue;
    if (text.trim() === "") raw.delete(name);
    else raw.set(name, { text, source: "environment" });
  }
  for (const [name, value] of raw) {
    if (name in fields) continue;
    const hint = closestVariable(name);
    warnings.push(`${name} (from ${value.source}) is not a vmcrawl setting and is ignored${hint ? `; did you mean ${hint}?` : ""}`);
    raw.delete(name);
  }
  return raw;
}

/**
 * A .env decides where secrets go and whether the SSRF guard is on: one that another user owns,
 * or that others can write, could be made to send the GitHub token elsewhere or open the guard.
 * Why `file` must be refused, or undefined.
 */
function envFileProblem(path: string, file: Pick<EnvFile, "mode" | "uid">, uid: number | undefined): string | undefined {
  const why = "a .env can turn off the SSRF guard or send the GitHub token and database password elsewhere";
  if (uid !== undefined && file.uid !== undefined && file.uid !== uid) {
    return `${path} is owned by uid ${file.uid}, not by the user running vmcrawl (uid ${uid}), and ${why}: chown it to this user, or remove it`;
  }
  if ((file.mode & 0o022) !== 0) {
    return `${path} can be written by other users (mode ${(file.mode & 0o777).toString(8).padStart(4, "0")}), and ${why}: run chmod go-w ${path}`;
  }
  return undefined;
}

/** The .env files looked for, lowest precedence first. */
function envFilePaths(cwd: string, dirs: Dirs): string[] {
  return [...new Set([join(dirs.config, ".env"), resolve(cwd, ".env")])];
}

function assemble(v: Values, raw: Map<string, RawValue>, ctx: Context, warnings: string[]): Config {
  const database = v.VMCRAWL_POSTGRES_DATA;
  if (database === undefined) {
    const stray = (["VMCRAWL_POSTGRES_USER", "VMCRAWL_POSTGRES_PASS", "VMCRAWL_POSTGRES_HOST", "VMCRAWL_POSTGRES_PORT", "VMCRAWL_POSTGRES_SSLMODE"] as const).find((n) => raw.has(n));
    if (stray !== undefined) {
      throw new ConfigError(
        "VMCRAWL_POSTGRES_DATA",
        `${stray} is set but VMCRAWL_POSTGRES_DATA is not: expected VMCRAWL_POSTGRES_DATA (the database name) to use PostgreSQL, or ${stray} removed to stay on embedded SQLite`,
      );
    }
  }
  const sshHost = v.VMCRAWL_SSH_HOST;
  if (sshHost !== undefined && database === undefined) {
    throw new ConfigError(
      "VMCRAWL_SSH_HOST",
      "VMCRAWL_SSH_HOST is set but VMCRAWL_POSTGRES_DATA is not: expected a PostgreSQL database to tunnel to (the tunnel only carries database connections)",
    );
  }
  if (sshHost === undefined) {
    const stray = (["VMCRAWL_SSH_PORT", "VMCRAWL_SSH_USER", "VMCRAWL_SSH_KEY", "VMCRAWL_SSH_KEY_PASS", "VMCRAWL_SSH_KNOWN_HOSTS", "VMCRAWL_SSH_HOST_FINGERPRINT"] as const).filter((n) => raw.has(n));
    if (stray.length > 0) warnings.push(`${stray.join(", ")} ${stray.length === 1 ? "is" : "are"} ignored because VMCRAWL_SSH_HOST is not set`);
  }

  const always = Object.fromEntries(SECTIONS.map((name) => [name, landed(v, name)])) as unknown as AlwaysSections;
  const postgres = landed(v, "postgres") as unknown as Section<"postgres">;
  return {
    ...always,
    sqlitePath: v.VMCRAWL_SQLITE_PATH,
    postgres: database === undefined ? null : { ...postgres, database, sslMode: postgres.sslMode ?? defaultSslMode(postgres.host, sshHost !== undefined) },
    ssh: sshHost === undefined ? null : (landed(v, "ssh") as unknown as SshSettings),
    dirs: ctx.dirs,
  };
}

/**
 * Verified TLS wherever a connection crosses a network no one vouches for; on loopback and inside
 * the SSH tunnel (already encrypted and host-key checked) TLS is taken when offered.
 */
export function defaultSslMode(host: string, tunnelled: boolean): PostgresSslMode {
  return tunnelled || isLoopbackHost(host) ? "prefer" : "verify-full";
}

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || (isIPv4(h) && h.startsWith("127."));
}

/** The values of every field whose `at` is "section.key", keyed by their key: one loop, no list to keep in step. */
function landed(v: Values, section: string): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of configVariables) {
    const at: string = fields[name].at;
    if (at.startsWith(`${section}.`)) values[at.slice(section.length + 1)] = v[name];
  }
  return values;
}

// --- value parsers ---------------------------------------------------------------

/** Thrown by a parser: what the value should have been. */
class Expected extends Error {
  readonly expected: string;
  constructor(expected: string) {
    super(expected);
    this.expected = expected;
  }
}

function integer(min: number, max: number) {
  return (raw: string): number => {
    const text = raw.trim();
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) throw new Expected(`a whole number from ${min} to ${max}`);
    return value;
  };
}

function seconds(min: number, max: number) {
  return decimal("seconds", min, max);
}

function hours(min: number, max: number) {
  return decimal("hours", min, max);
}

/** A decimal number of `unit` within [min, max]; the error names the unit. */
function decimal(unit: string, min: number, max: number) {
  return (raw: string): number => {
    const text = raw.trim();
    const value = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || value < min || value > max) throw new Expected(`a number of ${unit} from ${min} to ${max}`);
    return value;
  };
}

function port(raw: string): number {
  const text = raw.trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > 65_535) throw new Expected("a TCP port from 1 to 65535");
  return value;
}

function oneOf<const T extends readonly string[]>(choices: T) {
  return (raw: string): T[number] => {
    const text = raw.trim().toLowerCase();
    if (!(choices as readonly string[]).includes(text)) throw new Expected(`one of ${choices.join(", ")}`);
    return text as T[number];
  };
}

function nonEmptyText(raw: string): string {
  if (raw.trim() === "") throw new Expected("a non-empty value");
  return raw;
}

function hostName(raw: string): string {
  const text = raw.trim();
  const bare = text.replace(/^\[(.*)\]$/, "$1");
  if (isIP(bare) !== 0) return bare;
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(text)) throw new Expected("a host name or IP address");
  return text;
}

function domainName(raw: string): string {
  const parsed = parseDomain(raw);
  if (!parsed.ok) throw new Expected(`a domain name such as vmst.io (${parsed.reason})`);
  return parsed.value.name;
}

function httpsUrl(raw: string): string {
  const text = raw.trim();
  try {
    const url = new URL(text);
    if (url.protocol === "https:" && !/[\s()]/.test(text)) return url.href;
  } catch {
    // fall through
  }
  throw new Expected("an https:// URL without spaces or parentheses");
}

function apiKey(raw: string): string {
  if (raw.length < 16 || /\s/.test(raw)) throw new Expected("at least 16 characters without spaces");
  return raw;
}

function expandPath(raw: string, ctx: Context): string {
  const text = raw.trim();
  if (text === "~") return ctx.home;
  if (text.startsWith("~/")) return join(ctx.home, text.slice(2));
  return resolve(ctx.cwd, text);
}

function readableFile(path: string): string {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new Expected(`an existing file (${path} does not exist or cannot be read)`);
  }
  if (!isFile) throw new Expected(`a file (${path} is not a regular file)`);
  return path;
}

function allowPrivateIps(raw: string): AllowPrivateIps {
  const text = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(text)) return { kind: "all" };
  if (["0", "false", "no", "off"].includes(text)) return NO_PRIVATE_IPS;
  const ranges = cidrItems(text, "1, 0, or a comma list of CIDR ranges such as 127.0.0.2/32,::1/128");
  if (ranges.length === 0) throw new Expected("1, 0, or a comma list of CIDR ranges");
  return { kind: "ranges", ranges };
}

function cidrList(raw: string): readonly Cidr[] {
  return cidrItems(raw, "a comma list of addresses or CIDR ranges such as 127.0.0.1,10.0.0.0/8");
}

/** A comma list of CIDR ranges (empty items skipped); the first bad one is refused as not `expected`. */
function cidrItems(text: string, expected: string): Cidr[] {
  const ranges: Cidr[] = [];
  for (const item of text.split(",")) {
    if (item.trim() === "") continue;
    const parsed = parseCidr(item);
    if (!parsed.ok) throw new Expected(`${expected} (${parsed.reason})`);
    ranges.push(parsed.value);
  }
  return ranges;
}

function dnsServers(raw: string): readonly DnsServer[] {
  const servers: DnsServer[] = [];
  for (const item of raw.split(",")) {
    const text = item.trim();
    if (text === "") continue;
    const server = parseDnsServer(text);
    if (server === undefined) throw new Expected(`a comma list of resolvers as IP, IP:port or [IPv6]:port ("${text}" is not one)`);
    servers.push(server);
  }
  if (servers.length === 0) throw new Expected("a comma list of resolvers as IP, IP:port or [IPv6]:port");
  return servers;
}

function parseDnsServer(text: string): DnsServer | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const [host, portText] = bracketed
    ? [bracketed[1], bracketed[2]]
    : isIP(text) === 6
      ? [text, undefined]
      : (text.split(":") as [string, string | undefined]);
  if (host === undefined || isIP(host) === 0) return undefined;
  if (bracketed && isIP(host) !== 6) return undefined;
  const portNumber = portText === undefined ? 53 : Number(portText);
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65_535) return undefined;
  return { host, port: portNumber };
}

// --- helpers ---------------------------------------------------------------------

function isSecret(name: string): boolean {
  return name in fields && fields[name as ConfigVariable].secret === true;
}

/** The value as it may be printed: secrets are never echoed. */
function shown(name: ConfigVariable, text: string): string {
  return fields[name].secret ? `<hidden, ${text.length} characters>` : JSON.stringify(text);
}

function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

function closestVariable(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of Object.keys(fields)) {
    const distance = editDistance(name, candidate);
    if (distance <= 3 && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

// --- documentation -----------------------------------------------------------------

/** The README's configuration table, generated from the field table so the two cannot drift. */
export function renderConfigTable(): string {
  const lines = ["| Variable | Default | Meaning |", "| --- | --- | --- |"];
  let group: Group | undefined;
  for (const [name, spec] of Object.entries(fields) as [ConfigVariable, Field<unknown>][]) {
    if (spec.group !== group) {
      group = spec.group;
      lines.push(`| **${group}** | | |`);
    }
    lines.push(`| \`${name}\` | ${spec.defaultText} | ${spec.description} |`);
  }
  return lines.join("\n");
}

export const configVariables = Object.keys(fields) as readonly ConfigVariable[];

/** Where `name`'s value lands in `Config` ("section.key" or a top-level key). */
export function landingOf(name: ConfigVariable): string {
  return fields[name].at;
}

/** Describes an allow-list for humans (logs, `--version --verbose`). */
export function describeAllowPrivateIps(allow: AllowPrivateIps): string {
  if (allow.kind === "none") return "none (SSRF guard on)";
  if (allow.kind === "all") return "all (SSRF guard off)";
  return allow.ranges.map(formatCidr).join(", ");
}
