import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Config, type EnvFile, configVariables, landingOf, loadConfig } from "../src/config.ts";
import { ConfigError } from "../src/errors.ts";

const HOME = "/home/alice";
const CWD = "/srv/crawl";

function load(env: Record<string, string> = {}, files: Record<string, string | EnvFile> = {}) {
  return loadConfig({
    env: { HOME, ...env },
    cwd: CWD,
    userName: "alice",
    hostName: "box",
    readEnvFile: (path) => {
      const file = files[path];
      return typeof file === "string" ? { text: file, mode: 0o600 } : file;
    },
  });
}

function configError(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

const caFile = join(mkdtempSync(join(tmpdir(), "vmcrawl-config-")), "ca.pem");
writeFileSync(caFile, "-----BEGIN CERTIFICATE-----\n");

describe("defaults", () => {
  it("gives every documented default when nothing is set", () => {
    const { config, warnings } = load();
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      sqlitePath: `${HOME}/.local/share/vmcrawl/vmcrawl.db`,
      postgres: null,
      ssh: null,
      crawl: { maxThreads: 2, probeThreads: 0, recrawlHours: 1, retryCapHours: 168, domainTimeoutSeconds: 30, contactUrl: "https://docs.vmst.io/vmcrawl", errorBuffer: 24, errorLogRetentionDays: 30, progressHeartbeatSeconds: 5, slowDomainSeconds: 8 },
      http: { timeoutSeconds: 5, maxRedirects: 2, maxResponseBytes: 10_485_760, maxPerHost: 2, port: 443, caFile: undefined, allowPrivateIps: { kind: "none" } },
      dns: { servers: [], retryAttempts: 3, retryBaseDelayMs: 80, retryJitterMs: 40, retryMaxTotalDelayMs: 500 },
      fetch: { limit: 10, offset: 0, minActive: 100, seed: "vmst.io", maxPeersBytes: 67_108_864, tldUrl: "https://data.iana.org/TLD/tlds-alpha-by-domain.txt", dniUrl: "https://about.iftas.org/wp-content/uploads/2025/10/iftas-dni-latest.csv" },
      fleet: { nodeId: "box", leaseSeconds: 900 },
      versions: { refreshIntervalSeconds: 3600, githubApiUrl: "https://api.github.com", githubToken: undefined },
      stats: { maxDropPercent: 50 },
      api: { key: undefined, filterCacheSeconds: 300, ratePerMinute: 600, trustedProxies: [] },
      dirs: { config: `${HOME}/.config/vmcrawl`, data: `${HOME}/.local/share/vmcrawl`, cache: `${HOME}/.cache/vmcrawl` },
    } satisfies Config);
  });

  it("follows the XDG variables, and systemd's CACHE_DIRECTORY for the cache", () => {
    const { config } = load({ XDG_DATA_HOME: "/data", XDG_CONFIG_HOME: "/conf", XDG_CACHE_HOME: "/cache" });
    expect(config.sqlitePath).toBe("/data/vmcrawl/vmcrawl.db");
    expect(config.dirs).toEqual({ config: "/conf/vmcrawl", data: "/data/vmcrawl", cache: "/cache/vmcrawl" });
    expect(load({ CACHE_DIRECTORY: "/var/cache/vmcrawl" }).config.dirs.cache).toBe("/var/cache/vmcrawl");
  });

  it("ignores relative XDG paths, as the XDG spec requires", () => {
    expect(load({ XDG_DATA_HOME: "relative/data" }).config.sqlitePath).toBe(`${HOME}/.local/share/vmcrawl/vmcrawl.db`);
  });

  it("returns a frozen configuration", () => {
    const { config } = load();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(() => {
      (config.crawl as { maxThreads: number }).maxThreads = 99;
    }).toThrow(TypeError);
  });
});

describe("every variable", () => {
  const postgres = { VMCRAWL_POSTGRES_DATA: "census" };
  const ssh = { ...postgres, VMCRAWL_SSH_HOST: "ssh.example.net" };
  // [variable, value, extra env it needs, where the value lands, expected]
  const cases: [string, string, Record<string, string>, (c: Config) => unknown, unknown][] = [
    ["VMCRAWL_SQLITE_PATH", "~/data/v.db", {}, (c) => c.sqlitePath, `${HOME}/data/v.db`],
    ["VMCRAWL_POSTGRES_DATA", "census", {}, (c) => c.postgres?.database, "census"],
    ["VMCRAWL_POSTGRES_USER", "crawler", postgres, (c) => c.postgres?.user, "crawler"],
    ["VMCRAWL_POSTGRES_PASS", "s3cr3t:/@%", postgres, (c) => c.postgres?.password, "s3cr3t:/@%"],
    ["VMCRAWL_POSTGRES_HOST", "db.internal", postgres, (c) => c.postgres?.host, "db.internal"],
    ["VMCRAWL_POSTGRES_PORT", "6432", postgres, (c) => c.postgres?.port, 6432],
    ["VMCRAWL_POSTGRES_SSLMODE", "verify-full", postgres, (c) => c.postgres?.sslMode, "verify-full"],
    ["VMCRAWL_NODE_ID", "crawler-2.fra", {}, (c) => c.fleet.nodeId, "crawler-2.fra"],
    ["VMCRAWL_LEASE_SECONDS", "600", {}, (c) => c.fleet.leaseSeconds, 600],
    ["VMCRAWL_SSH_HOST", "ssh.example.net", postgres, (c) => c.ssh?.host, "ssh.example.net"],
    ["VMCRAWL_SSH_PORT", "2222", ssh, (c) => c.ssh?.port, 2222],
    ["VMCRAWL_SSH_USER", "tunnel", ssh, (c) => c.ssh?.user, "tunnel"],
    ["VMCRAWL_SSH_KEY", "~/.ssh/id_ed25519", ssh, (c) => c.ssh?.keyFile, `${HOME}/.ssh/id_ed25519`],
    ["VMCRAWL_SSH_KEY_PASS", "phrase with spaces", ssh, (c) => c.ssh?.keyPassphrase, "phrase with spaces"],
    ["VMCRAWL_SSH_KNOWN_HOSTS", "~/fleet/known_hosts", ssh, (c) => c.ssh?.knownHostsFile, `${HOME}/fleet/known_hosts`],
    ["VMCRAWL_SSH_HOST_FINGERPRINT", "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8", ssh, (c) => c.ssh?.hostFingerprint, "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"],
    ["VMCRAWL_MAX_THREADS", "64", {}, (c) => c.crawl.maxThreads, 64],
    ["VMCRAWL_PROBE_THREADS", "2", {}, (c) => c.crawl.probeThreads, 2],
    ["VMCRAWL_ERROR_BUFFER", "30", {}, (c) => c.crawl.errorBuffer, 30],
    ["VMCRAWL_ERROR_LOG_RETENTION_DAYS", "90", {}, (c) => c.crawl.errorLogRetentionDays, 90],
    ["VMCRAWL_DOMAIN_TIMEOUT", "45", {}, (c) => c.crawl.domainTimeoutSeconds, 45],
    ["VMCRAWL_RECRAWL_HOURS", "6", {}, (c) => c.crawl.recrawlHours, 6],
    ["VMCRAWL_RETRY_CAP_HOURS", "720", {}, (c) => c.crawl.retryCapHours, 720],
    ["VMCRAWL_CONTACT_URL", "https://census.example.net/about", {}, (c) => c.crawl.contactUrl, "https://census.example.net/about"],
    ["VMCRAWL_MAX_CONCURRENT_PER_HOST", "4", {}, (c) => c.http.maxPerHost, 4],
    ["VMCRAWL_PROGRESS_HEARTBEAT_SECONDS", "10", {}, (c) => c.crawl.progressHeartbeatSeconds, 10],
    ["VMCRAWL_SLOW_DOMAIN_SECONDS", "15.5", {}, (c) => c.crawl.slowDomainSeconds, 15.5],
    ["VMCRAWL_HTTP_TIMEOUT", "10", {}, (c) => c.http.timeoutSeconds, 10],
    ["VMCRAWL_HTTP_REDIRECT", "5", {}, (c) => c.http.maxRedirects, 5],
    ["VMCRAWL_MAX_RESPONSE_SIZE", "20971520", {}, (c) => c.http.maxResponseBytes, 20_971_520],
    ["VMCRAWL_HTTPS_PORT", "8443", {}, (c) => c.http.port, 8443],
    ["VMCRAWL_CA_FILE", caFile, {}, (c) => c.http.caFile, caFile],
    ["VMCRAWL_ALLOW_PRIVATE_IPS", "1", {}, (c) => c.http.allowPrivateIps, { kind: "all" }],
    ["VMCRAWL_DNS_SERVERS", "127.0.0.1:5353, [::1]:53, 9.9.9.9", {}, (c) => c.dns.servers, [
      { host: "127.0.0.1", port: 5353 },
      { host: "::1", port: 53 },
      { host: "9.9.9.9", port: 53 },
    ]],
    ["VMCRAWL_DNS_RETRY_ATTEMPTS", "5", {}, (c) => c.dns.retryAttempts, 5],
    ["VMCRAWL_DNS_RETRY_BASE_DELAY_MS", "100", {}, (c) => c.dns.retryBaseDelayMs, 100],
    ["VMCRAWL_DNS_RETRY_JITTER_MS", "50", {}, (c) => c.dns.retryJitterMs, 50],
    ["VMCRAWL_DNS_RETRY_MAX_TOTAL_DELAY_MS", "0", {}, (c) => c.dns.retryMaxTotalDelayMs, 0],
    ["VMCRAWL_FETCH_LIMIT", "20", {}, (c) => c.fetch.limit, 20],
    ["VMCRAWL_FETCH_OFFSET", "5", {}, (c) => c.fetch.offset, 5],
    ["VMCRAWL_FETCH_MIN_ACTIVE", "50", {}, (c) => c.fetch.minActive, 50],
    ["VMCRAWL_FETCH_SEED", "Mastodon.Social", {}, (c) => c.fetch.seed, "mastodon.social"],
    ["VMCRAWL_MAX_PEERS_SIZE", "1048576", {}, (c) => c.fetch.maxPeersBytes, 1_048_576],
    ["VMCRAWL_TLD_URL", "https://tlds.example/list.txt", {}, (c) => c.fetch.tldUrl, "https://tlds.example/list.txt"],
    ["VMCRAWL_VERSION_REFRESH_INTERVAL", "7200", {}, (c) => c.versions.refreshIntervalSeconds, 7200],
    ["VMCRAWL_DNI_URL", "https://dni.example/list.csv", {}, (c) => c.fetch.dniUrl, "https://dni.example/list.csv"],
    ["VMCRAWL_STATS_MAX_DROP_PERCENT", "30", {}, (c) => c.stats.maxDropPercent, 30],
    ["VMCRAWL_GITHUB_API_URL", "https://ghe.example/api/v3/", {}, (c) => c.versions.githubApiUrl, "https://ghe.example/api/v3"],
    ["VMCRAWL_GITHUB_TOKEN", "ghp_example", {}, (c) => c.versions.githubToken, "ghp_example"],
    ["VMCRAWL_FILTER_CACHE_SECONDS", "600", {}, (c) => c.api.filterCacheSeconds, 600],
    ["VMCRAWL_API_RATE_LIMIT", "0", {}, (c) => c.api.ratePerMinute, 0],
    ["VMCRAWL_API_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8,fd00::/8", {}, (c) => c.api.trustedProxies.map((r) => `${r.address}/${r.prefix}`), ["127.0.0.1/32", "10.0.0.0/8", "fd00::/8"]],
    ["VMCRAWL_API_KEY", "0123456789abcdef-key", {}, (c) => c.api.key, "0123456789abcdef-key"],
  ];

  it("has a case for each variable in the table", () => {
    expect(cases.map(([name]) => name).sort()).toEqual([...configVariables].sort());
  });

  it.each(cases)("reads %s=%j", (name, value, extra, pick, expected) => {
    const { config, warnings } = load({ ...extra, [name]: value });
    expect(pick(config)).toEqual(expected);
    expect(warnings).toEqual([]);
  });
});

describe("bad values stop the program with one line naming variable, value and expectation", () => {
  const cases: [string, string, RegExp][] = [
    ["VMCRAWL_MAX_THREADS", "abc", /^VMCRAWL_MAX_THREADS="abc" \(from environment\): expected a whole number from 1 to 4096$/],
    ["VMCRAWL_MAX_THREADS", "0", /expected a whole number from 1 to 4096/],
    ["VMCRAWL_MAX_THREADS", "2.5", /expected a whole number/],
    ["VMCRAWL_MAX_THREADS", "-3", /expected a whole number/],
    ["VMCRAWL_MAX_THREADS", "1e3", /expected a whole number/],
    ["VMCRAWL_PROBE_THREADS", "65", /^VMCRAWL_PROBE_THREADS="65" \(from environment\): expected a whole number from 0 to 64$/],
    ["VMCRAWL_PROBE_THREADS", "two", /expected a whole number from 0 to 64/],
    ["VMCRAWL_POSTGRES_PORT", "99999", /^VMCRAWL_POSTGRES_PORT="99999" \(from environment\): expected a TCP port from 1 to 65535$/],
    ["VMCRAWL_SSH_PORT", "0", /expected a TCP port/],
    ["VMCRAWL_HTTPS_PORT", "https", /expected a TCP port/],
    ["VMCRAWL_POSTGRES_SSLMODE", "maybe", /expected one of disable, prefer, require, verify-full/],
    ["VMCRAWL_NODE_ID", "node with spaces", /expected 1 to 64 letters/],
    ["VMCRAWL_LEASE_SECONDS", "10", /from 30 to 86400/],
    ["VMCRAWL_SSH_HOST_FINGERPRINT", "MD5:aa:bb", /expected SHA256: followed by 43 base64 characters/],
    ["VMCRAWL_RECRAWL_HOURS", "0", /expected a number of hours from 0.01 to 8760/],
    ["VMCRAWL_RETRY_CAP_HOURS", "0.5", /expected a number of hours from 1 to 8760/],
    ["VMCRAWL_HTTP_TIMEOUT", "fast", /expected a number of seconds from 0.1 to 300/],
    ["VMCRAWL_HTTP_TIMEOUT", "0", /expected a number of seconds/],
    ["VMCRAWL_HTTP_REDIRECT", "21", /from 0 to 20/],
    ["VMCRAWL_MAX_RESPONSE_SIZE", "10MB", /expected a whole number from 1024/],
    ["VMCRAWL_DNS_RETRY_ATTEMPTS", "0", /from 1 to 20/],
    ["VMCRAWL_DNS_RETRY_BASE_DELAY_MS", "-1", /expected a whole number/],
    ["VMCRAWL_DNS_RETRY_JITTER_MS", "x", /expected a whole number/],
    ["VMCRAWL_DNS_RETRY_MAX_TOTAL_DELAY_MS", "1.5", /expected a whole number/],
    ["VMCRAWL_ERROR_BUFFER", "0", /from 1 to/],
    ["VMCRAWL_ERROR_LOG_RETENTION_DAYS", "0", /from 1 to/],
    ["VMCRAWL_DOMAIN_TIMEOUT", "0.5", /expected a number of seconds from 1 to 3600/],
    ["VMCRAWL_CONTACT_URL", "http://example.net", /expected an https:\/\/ URL/],
    ["VMCRAWL_CONTACT_URL", "https://example.net/a (b)", /expected an https:\/\/ URL/],
    ["VMCRAWL_MAX_CONCURRENT_PER_HOST", "0", /from 1 to 64/],
    ["VMCRAWL_FETCH_LIMIT", "0", /from 1 to/],
    ["VMCRAWL_FETCH_OFFSET", "-1", /expected a whole number from 0/],
    ["VMCRAWL_FETCH_MIN_ACTIVE", "many", /expected a whole number from 0/],
    ["VMCRAWL_FETCH_SEED", "https://vmst.io", /expected a domain name such as vmst.io \(give the domain name only, without a scheme/],
    ["VMCRAWL_TLD_URL", "http://data.iana.org/x.txt", /expected an https:\/\/ URL/],
    ["VMCRAWL_PROGRESS_HEARTBEAT_SECONDS", "0", /expected a number of seconds/],
    ["VMCRAWL_SLOW_DOMAIN_SECONDS", "slow", /expected a number of seconds/],
    ["VMCRAWL_VERSION_REFRESH_INTERVAL", "hourly", /expected a whole number/],
    ["VMCRAWL_STATS_MAX_DROP_PERCENT", "0", /expected a whole number from 1 to 100/],
    ["VMCRAWL_GITHUB_API_URL", "http://api.github.com", /expected an https:\/\/ URL/],
    ["VMCRAWL_FILTER_CACHE_SECONDS", "86401", /from 0 to 86400/],
    ["VMCRAWL_ALLOW_PRIVATE_IPS", "maybe", /^VMCRAWL_ALLOW_PRIVATE_IPS="maybe" .*expected 1, 0, or a comma list of CIDR ranges .*"maybe" is not an IPv4 or IPv6 address/],
    ["VMCRAWL_ALLOW_PRIVATE_IPS", "127.0.0.1/33", /"\/33" is not a prefix length from 0 to 32/],
    ["VMCRAWL_ALLOW_PRIVATE_IPS", "::1/129", /from 0 to 128/],
    ["VMCRAWL_DNS_SERVERS", "dns.google", /expected a comma list of resolvers .*"dns.google" is not one/],
    ["VMCRAWL_DNS_SERVERS", "127.0.0.1:0", /"127.0.0.1:0" is not one/],
    ["VMCRAWL_DNS_SERVERS", "[127.0.0.1]:53", /is not one/],
    ["VMCRAWL_CA_FILE", "/nonexistent/ca.pem", /expected an existing file \(\/nonexistent\/ca.pem does not exist/],
    ["VMCRAWL_CA_FILE", "/", /expected a file \(\/ is not a regular file\)/],
    ["VMCRAWL_POSTGRES_HOST", "db host", /expected a host name or IP address/],
  ];

  it.each(cases)("%s=%j", (name, value, message) => {
    const extra: Record<string, string> = name.startsWith("VMCRAWL_POSTGRES_") || name.startsWith("VMCRAWL_SSH_") ? { VMCRAWL_POSTGRES_DATA: "census", VMCRAWL_SSH_HOST: "ssh.example.net" } : {};
    const err = configError({ ...extra, [name]: value });
    expect(err.code).toBe("CONFIG");
    expect(err.exitCode).toBe(2);
    expect(err.variable).toBe(name);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain("\n");
  });

  it("never echoes a secret, even when it is wrong", () => {
    const err = configError({ VMCRAWL_API_KEY: "short-secret" });
    expect(err.message).toBe("VMCRAWL_API_KEY=<hidden, 12 characters> (from environment): expected at least 16 characters without spaces");
    expect(err.message).not.toContain("short-secret");
  });

  it("refuses PostgreSQL settings without a database name instead of silently using SQLite", () => {
    const err = configError({ VMCRAWL_POSTGRES_HOST: "db.internal" });
    expect(err.variable).toBe("VMCRAWL_POSTGRES_DATA");
    expect(err.message).toMatch(/VMCRAWL_POSTGRES_HOST is set but VMCRAWL_POSTGRES_DATA is not/);
  });

  it("refuses an SSH tunnel with no database to tunnel to", () => {
    expect(configError({ VMCRAWL_SSH_HOST: "ssh.example.net" }).message).toMatch(/VMCRAWL_SSH_HOST is set but VMCRAWL_POSTGRES_DATA is not/);
  });

  it("names the .env file a bad value came from", () => {
    expect(() => load({}, { [`${CWD}/.env`]: "VMCRAWL_MAX_THREADS=lots\n" })).toThrow(
      `VMCRAWL_MAX_THREADS="lots" (from ${CWD}/.env): expected a whole number from 1 to 4096`,
    );
  });
});

describe("sources and precedence", () => {
  const userEnv = `${HOME}/.config/vmcrawl/.env`;
  const cwdEnv = `${CWD}/.env`;

  it("environment beats ./.env, which beats the XDG config .env, which beats the default", () => {
    const files = {
      [userEnv]: "VMCRAWL_MAX_THREADS=3\nVMCRAWL_HTTP_TIMEOUT=7\nVMCRAWL_FETCH_LIMIT=11\n",
      [cwdEnv]: "VMCRAWL_MAX_THREADS=4\nVMCRAWL_HTTP_TIMEOUT=8\n",
    };
    const { config } = load({ VMCRAWL_MAX_THREADS: "5" }, files);
    expect(config.crawl.maxThreads).toBe(5);
    expect(config.http.timeoutSeconds).toBe(8);
    expect(config.fetch.limit).toBe(11);
    expect(config.fetch.offset).toBe(0);
  });

  it("reads quoted values, comments and export lines in .env", () => {
    const { config } = load({}, {
      [cwdEnv]: '# crawler settings\nexport VMCRAWL_POSTGRES_DATA="census"\nVMCRAWL_POSTGRES_PASS=\'pa ss#word\'\nVMCRAWL_MAX_THREADS=6 # inline comment\n',
    });
    expect(config.postgres).toMatchObject({ database: "census", password: "pa ss#word" });
    expect(config.crawl.maxThreads).toBe(6);
  });

  it("treats an empty value as unset, also to clear a value from a lower layer", () => {
    const { config } = load({ VMCRAWL_MAX_THREADS: "" }, { [cwdEnv]: "VMCRAWL_MAX_THREADS=9\nVMCRAWL_FETCH_LIMIT=\n" });
    expect(config.crawl.maxThreads).toBe(2);
    expect(config.fetch.limit).toBe(10);
  });

  it("ignores non-VMCRAWL variables in .env files and never copies them into the environment", () => {
    const env: Record<string, string> = {};
    const { config } = loadConfig({ env, cwd: CWD, userName: "alice", readEnvFile: (p) => (p === cwdEnv ? { text: "PATH=/evil\nVMCRAWL_MAX_THREADS=7\n", mode: 0o600 } : undefined) });
    expect(config.crawl.maxThreads).toBe(7);
    expect(env).toEqual({});
  });

  it("warns about unknown VMCRAWL_ variables with the likely intended name", () => {
    const { warnings } = load({ VMCRAWL_MAX_THREAD: "4", VMCRAWL_QUEUE_MODE: "1" });
    expect(warnings).toEqual([
      "VMCRAWL_MAX_THREAD (from environment) is not a vmcrawl setting and is ignored; did you mean VMCRAWL_MAX_THREADS?",
      "VMCRAWL_QUEUE_MODE (from environment) is not a vmcrawl setting and is ignored",
    ]);
  });

  it("warns when a .env file holding a secret is readable by others", () => {
    const { warnings } = load({}, { [cwdEnv]: { text: "VMCRAWL_POSTGRES_DATA=x\nVMCRAWL_POSTGRES_PASS=secret\n", mode: 0o644 } });
    expect(warnings).toEqual([`${cwdEnv} holds a password or key and can be read by other users; run: chmod 600 ${cwdEnv}`]);
    expect(warnings.join()).not.toContain("secret\n");
  });

  it.each([
    ["owned by another user", { text: "VMCRAWL_ALLOW_PRIVATE_IPS=1\n", mode: 0o600, uid: 1001 }, /\.env is owned by uid 1001, not by the user running vmcrawl \(uid 1000\), and a \.env can turn off the SSRF guard .*: chown it to this user, or remove it/],
    ["writable by its group", { text: "VMCRAWL_GITHUB_API_URL=https://evil.example\n", mode: 0o660, uid: 1000 }, /\.env can be written by other users \(mode 0660\), .*: run chmod go-w /],
    ["writable by anyone", { text: "", mode: 0o646, uid: 1000 }, /\(mode 0646\)/],
  ])("refuses a .env %s (exit 2), whatever it holds", (_name, file, message) => {
    const attempt = () => loadConfig({ env: { HOME }, cwd: CWD, userName: "alice", uid: 1000, readEnvFile: (p) => (p === cwdEnv ? file : undefined) });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  it("reads a .env its user owns and only it can write", () => {
    const { config } = loadConfig({ env: { HOME }, cwd: CWD, userName: "alice", uid: 1000, readEnvFile: (p) => (p === cwdEnv ? { text: "VMCRAWL_MAX_THREADS=7\n", mode: 0o644, uid: 1000 } : undefined) });
    expect(config.crawl.maxThreads).toBe(7);
  });

  it("warns that SSH settings are ignored without VMCRAWL_SSH_HOST", () => {
    expect(load({ VMCRAWL_SSH_PORT: "22" }).warnings).toEqual(["VMCRAWL_SSH_PORT is ignored because VMCRAWL_SSH_HOST is not set"]);
  });
});

describe("composite values", () => {
  it.each([
    [{ VMCRAWL_POSTGRES_HOST: "db.example.org" }, "verify-full"],
    [{ VMCRAWL_POSTGRES_HOST: "192.0.2.10" }, "verify-full"],
    [{ VMCRAWL_POSTGRES_HOST: "127.0.0.5" }, "prefer"],
    [{ VMCRAWL_POSTGRES_HOST: "::1" }, "prefer"],
    [{}, "prefer"], // localhost
    // Through the tunnel the connection is already encrypted, to a host key that was checked.
    [{ VMCRAWL_POSTGRES_HOST: "db.internal", VMCRAWL_SSH_HOST: "bastion.example.org", VMCRAWL_SSH_HOST_FINGERPRINT: `SHA256:${"A".repeat(43)}` }, "prefer"],
    // What a person sets stands.
    [{ VMCRAWL_POSTGRES_HOST: "db.example.org", VMCRAWL_POSTGRES_SSLMODE: "prefer" }, "prefer"],
    [{ VMCRAWL_POSTGRES_SSLMODE: "require" }, "require"],
  ])("TLS to PostgreSQL with %j: %s", (env, mode) => {
    expect(load({ VMCRAWL_POSTGRES_DATA: "census", ...env }).config.postgres?.sslMode).toBe(mode);
  });

  it("fleet mode: database from the options, user optional, credentials kept verbatim", () => {
    const { config } = load({ VMCRAWL_POSTGRES_DATA: "census", VMCRAWL_POSTGRES_PASS: "p@ss:w/rd%" });
    expect(config.postgres).toEqual({ database: "census", user: undefined, password: "p@ss:w/rd%", host: "localhost", port: 5432, sslMode: "prefer" });
  });

  it("takes GITHUB_TOKEN when VMCRAWL_GITHUB_TOKEN is unset, and the VMCRAWL_ one over it", () => {
    expect(load({ GITHUB_TOKEN: "from-gh" }).config.versions.githubToken).toBe("from-gh");
    expect(load({ GITHUB_TOKEN: "from-gh", VMCRAWL_GITHUB_TOKEN: "own" }).config.versions.githubToken).toBe("own");
    expect(load().config.versions.githubToken).toBeUndefined();
  });

  it("SSH tunnel defaults: port 22, current user, ~/.ssh/id_rsa", () => {
    const { config } = load({ VMCRAWL_POSTGRES_DATA: "census", VMCRAWL_SSH_HOST: "10.0.0.1" });
    expect(config.ssh).toEqual({ host: "10.0.0.1", port: 22, user: "alice", keyFile: `${HOME}/.ssh/id_rsa`, keyPassphrase: undefined, knownHostsFile: `${HOME}/.ssh/known_hosts`, hostFingerprint: undefined });
  });

  it("VMCRAWL_ALLOW_PRIVATE_IPS: off words, and CIDR lists including bare addresses", () => {
    expect(load({ VMCRAWL_ALLOW_PRIVATE_IPS: "0" }).config.http.allowPrivateIps).toEqual({ kind: "none" });
    expect(load({ VMCRAWL_ALLOW_PRIVATE_IPS: "false" }).config.http.allowPrivateIps).toEqual({ kind: "none" });
    expect(load({ VMCRAWL_ALLOW_PRIVATE_IPS: "yes" }).config.http.allowPrivateIps).toEqual({ kind: "all" });
    expect(load({ VMCRAWL_ALLOW_PRIVATE_IPS: "127.0.0.2/32, ::1, 10.0.0.0/8" }).config.http.allowPrivateIps).toEqual({
      kind: "ranges",
      ranges: [
        { address: "127.0.0.2", prefix: 32, family: "ipv4" },
        { address: "::1", prefix: 128, family: "ipv6" },
        { address: "10.0.0.0", prefix: 8, family: "ipv4" },
      ],
    });
  });

  it("resolves a relative VMCRAWL_SQLITE_PATH against the working directory", () => {
    expect(load({ VMCRAWL_SQLITE_PATH: "data/v.db" }).config.sqlitePath).toBe(`${CWD}/data/v.db`);
  });
});

describe("one field per variable", () => {
  /** Every leaf of a Config (sections one level deep), as "section.key" or "key". */
  function leaves(config: Config): string[] {
    return Object.entries(config).flatMap(([key, value]) =>
      key === "dirs" ? [] : value !== null && typeof value === "object" && !Array.isArray(value) ? Object.keys(value).map((k) => `${key}.${k}`) : [key],
    );
  }

  it("lands each variable's value where its field says, and Config holds nothing no field feeds", () => {
    const { config } = load({ VMCRAWL_POSTGRES_DATA: "crawl", VMCRAWL_SSH_HOST: "bastion.example", VMCRAWL_MAX_THREADS: "7", VMCRAWL_GITHUB_API_URL: "https://ghe.example/api/v3//" });
    expect(leaves(config).sort()).toEqual(configVariables.map(landingOf).sort());
    expect(config.crawl.maxThreads).toBe(7);
    expect(config.postgres?.database).toBe("crawl");
    expect(config.ssh?.host).toBe("bastion.example");
    expect(config.versions.githubApiUrl).toBe("https://ghe.example/api/v3");
  });

  it("leaves the optional sections out until their switch is set", () => {
    const { config } = load();
    expect(config.postgres).toBeNull();
    expect(config.ssh).toBeNull();
  });
});
