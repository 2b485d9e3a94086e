/**
 * `vmcrawl control` and `vmcrawl sync` as a user runs them, embedded and against a real
 * PostgreSQL (directly, unreachable, and through an sshd whose host key is not the known one).
 */
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { PostgresSettings } from "../src/config.ts";
import { SqliteStore } from "../src/store/sqlite.ts";
import { cli, tempHome } from "./support/cli.ts";
import { freshDatabase } from "./support/postgres.ts";
import { type SshServer, startSshd } from "./support/sshd.ts";

const server = inject("postgres");
const sshdPath = inject("sshd");

function fleetEnv(pg: Pick<PostgresSettings, "database" | "host" | "port">): Record<string, string> {
  return {
    VMCRAWL_POSTGRES_DATA: pg.database,
    VMCRAWL_POSTGRES_USER: server!.user,
    VMCRAWL_POSTGRES_PASS: server!.password,
    VMCRAWL_POSTGRES_HOST: pg.host,
    VMCRAWL_POSTGRES_PORT: String(pg.port),
    VMCRAWL_POSTGRES_SSLMODE: "disable",
    VMCRAWL_NODE_ID: "cli-node",
  };
}

/** Stages `domains` in the staging file of `home`, as `vmcrawl --target` does in fleet mode. */
async function stage(home: string, domains: string[]): Promise<void> {
  const store = new SqliteStore(join(home, ".local/share/vmcrawl/vmcrawl.db"), { cacheDir: join(home, ".cache") });
  try {
    await store.migrate();
    store.crawl.insertDomains(domains, { stage: true });
  } finally {
    await store.close();
  }
}

describe("vmcrawl control (embedded)", () => {
  it("pauses with a reason, shows who paused and why, and resumes", async () => {
    const home = tempHome();
    expect((await cli(["control"], { home })).stdout).toMatch(/^Crawling is running, in embedded SQLite at .*vmcrawl\.db\.\n$/);
    const paused = await cli(["control", "pause", "--reason", "moving the server"], { home });
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(/^Crawling is paused \(moving the server\), set by [^:]+:\d+ at \d{4}-\d\d-\d\dT[\d:.]+Z, in embedded SQLite at /);
    expect((await cli(["control", "status"], { home })).stdout).toMatch(/^Crawling is paused \(moving the server\)/);
    expect((await cli(["control", "resume"], { home })).stdout).toMatch(/^Crawling is running \(resumed by [^:]+:\d+ at .*\), in embedded SQLite/);
  });

  it.each([
    [["control", "stop"], /"stop" is not a control action: expected status, pause or resume/],
    [["control", "resume", "--reason", "x"], /--reason goes with pause only/],
  ])("refuses %j with exit 2", async (argv, message) => {
    const result = await cli(argv, { home: tempHome() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe.skipIf(server === null)("vmcrawl control and sync (fleet)", () => {
  let pg: PostgresSettings;
  beforeAll(async () => {
    pg = await freshDatabase(server!, "cli");
  });

  it("control pause writes the switch every node reads in PostgreSQL", async () => {
    const home = tempHome();
    const env = fleetEnv(pg);
    const paused = await cli(["control", "pause", "--reason", "upgrade"], { home, env });
    expect(paused.stdout).toMatch(new RegExp(`^Crawling is paused \\(upgrade\\), set by .*, in PostgreSQL 127\\.0\\.0\\.1:${pg.port}/${pg.database}\\.\\n$`));
    const sql = postgres({ host: pg.host, port: pg.port, username: server!.user, password: server!.password, database: pg.database, onnotice: () => {} });
    try {
      expect(await sql`SELECT paused, reason FROM crawler_control`).toEqual([{ paused: true, reason: "upgrade" }]);
      await cli(["control", "resume"], { home, env });
      expect(await sql`SELECT paused, reason FROM crawler_control`).toEqual([{ paused: false, reason: null }]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it("sync with the database away: exit 1, says what is left and keeps it; sync --status shows it; then it pushes", async () => {
    const home = tempHome();
    await stage(home, ["a.example", "b.example"]);
    await stage(home, ["c.example"]);
    const away = await cli(["sync"], { home, env: fleetEnv({ ...pg, port: 1 }) });
    expect(away.code).toBe(1);
    expect(away.stderr).toMatch(/^vmcrawl: 2 staged changes are left in .*vmcrawl\.db: .*ECONNREFUSED/);
    const status = await cli(["sync", "--status"], { home, env: fleetEnv(pg) });
    expect(status.stdout).toMatch(/^staging: +.*vmcrawl\.db \(sync identity cli-node\/[0-9a-f]{8}\)$/m);
    expect(status.stdout).toMatch(/^backlog: +2 staged changes, oldest from \d{4}-\d\d-\d\dT/m);
    expect(status.stdout).toMatch(/^last success: +never$/m);
    expect(status.stdout).toMatch(/^last failure: +\d{4}-.*ECONNREFUSED/m);

    const pushed = await cli(["sync"], { home, env: fleetEnv(pg) });
    expect(pushed.stderr).toBe("");
    expect(pushed.stdout).toBe(`Pushed 2 staged changes to PostgreSQL 127.0.0.1:${pg.port}/${pg.database}; nothing is left.\n`);
    expect((await cli(["sync", "--status"], { home, env: fleetEnv(pg) })).stdout).toMatch(/^backlog: +0 staged changes$/m);
    const again = await cli(["sync"], { home, env: fleetEnv(pg) });
    expect(again.stdout).toMatch(/^Pushed 0 staged changes to /);
  });
});

describe.skipIf(server === null)("vmcrawl sync and the quarantine (fleet)", () => {
  it("quarantines what PostgreSQL refuses, pushes the rest, lists it under --status, and retries or drops it on request", async () => {
    const pg = await freshDatabase(server!, "quarantine");
    const home = tempHome();
    await stage(home, ["a.example"]);
    // An outcome staged by a build that let a count past PostgreSQL's int through.
    const store = new SqliteStore(join(home, ".local/share/vmcrawl/vmcrawl.db"), { cacheDir: join(home, ".cache") });
    const poison = {
      kind: "outcome",
      domain: "big.example",
      at: "2026-11-20T10:00:00.000Z",
      seconds: 0.2,
      raw: { errorType: null, errorEndpoint: null, errorReason: null, errorCount: 0, terminalType: null, nodeinfo: null, aliasOf: null, nextCrawlAt: "2026-11-20T11:00:00.000Z" },
      publication: { action: "publish", software: "mastodon", version: "4.5.2", fullVersion: "4.5.2", mau: 2 ** 31 },
    };
    store.db.prepare("INSERT INTO outbox (kind, payload) VALUES ('outcome', ?)").run(JSON.stringify(poison));
    await store.close();
    await stage(home, ["b.example"]);

    const first = await cli(["sync"], { home, env: fleetEnv(pg) });
    expect(first.code).toBe(1);
    expect(first.stdout).toBe(`Pushed 2 staged changes to PostgreSQL 127.0.0.1:${pg.port}/${pg.database}.\n`);
    expect(first.stderr).toMatch(/^vmcrawl: sync: PostgreSQL refused staged change #2 \(outcome for big\.example\): 22003: .*; quarantined/m);
    expect(first.stderr).toMatch(/^vmcrawl: 1 staged change that PostgreSQL refused is quarantined in .*vmcrawl\.db: see vmcrawl sync --status$/m);
    const status = await cli(["sync", "--status"], { home, env: fleetEnv(pg) });
    expect(status.stdout).toMatch(/^backlog: +0 staged changes$/m);
    expect(status.stdout).toMatch(/^quarantined: +1 staged change PostgreSQL refused \(retry: vmcrawl sync --retry-quarantined; delete: vmcrawl sync --drop-quarantined\)$/m);
    expect(status.stdout).toMatch(/^ {2}#2 outcome big\.example, staged \d{4}-.*, quarantined \d{4}-.*: 22003: /m);
    const sql = postgres({ host: pg.host, port: pg.port, username: server!.user, password: server!.password, database: pg.database, onnotice: () => {} });
    try {
      expect((await sql`SELECT domain FROM raw_domains ORDER BY domain`).map((r) => r.domain)).toEqual(["a.example", "b.example"]);
    } finally {
      await sql.end();
    }

    const retried = await cli(["sync", "--retry-quarantined"], { home, env: fleetEnv(pg) });
    expect(retried.code).toBe(1);
    expect(retried.stdout).toMatch(/^Staged 1 quarantined change again\.\nPushed 0 staged changes/);
    expect(retried.stderr).toMatch(/refused staged change #4 \(outcome for big\.example\)/);
    expect((await cli(["sync", "--drop-quarantined"], { home, env: fleetEnv(pg) })).stdout).toBe("Deleted 1 quarantined change.\n");
    const clean = await cli(["sync"], { home, env: fleetEnv(pg) });
    expect(clean.code).toBe(0);
    expect((await cli(["sync", "--status"], { home, env: fleetEnv(pg) })).stdout).toMatch(/^quarantined: +none$/m);
    expect((await cli(["sync", "--status", "--drop-quarantined"], { home, env: fleetEnv(pg) })).code).toBe(2);
  });
});

describe.skipIf(server === null || sshdPath === null)("vmcrawl sync through an SSH host with an unexpected key", () => {
  let sshd: SshServer;
  beforeAll(async () => {
    sshd = await startSshd(sshdPath!);
  });
  afterAll(async () => {
    await sshd?.destroy();
  });

  it("refuses to connect (exit 2), names the key's fingerprint, and keeps everything staged", async () => {
    const pg = await freshDatabase(server!, "cli");
    const home = tempHome();
    await stage(home, ["a.example"]);
    const env = {
      ...fleetEnv(pg),
      VMCRAWL_SSH_HOST: sshd.host,
      VMCRAWL_SSH_PORT: String(sshd.port),
      VMCRAWL_SSH_USER: sshd.user,
      VMCRAWL_SSH_KEY: sshd.keyFile,
      VMCRAWL_SSH_KEY_PASS: sshd.keyPassphrase,
      VMCRAWL_SSH_KNOWN_HOSTS: sshd.wrongKnownHostsFile,
    };
    const refused = await cli(["sync"], { home, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`refusing the SSH host key of 127.0.0.1 (${sshd.fingerprint})`);
    expect(refused.stderr).toMatch(/^vmcrawl: 1 staged change is left in /);
    expect(refused.stderr).not.toContain(sshd.keyPassphrase);
    expect(refused.stderr).not.toContain(server!.password);
    // With the right fingerprint configured instead, the same sync goes through.
    const pushed = await cli(["sync"], { home, env: { ...env, VMCRAWL_SSH_HOST_FINGERPRINT: sshd.fingerprint } });
    expect(pushed.stdout).toMatch(/^Pushed 1 staged change to PostgreSQL .* through SSH /);
  });
});
