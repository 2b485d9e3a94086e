/**
 * The SSH tunnel against a real OpenSSH server on loopback: host keys are checked the way
 * OpenSSH checks them (plain, hashed and [host]:port entries, @revoked, a replaced key),
 * database connections go through it, and a dropped tunnel is re-established.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { SshSettings } from "../../src/config.ts";
import { PostgresStore } from "../../src/store/postgres.ts";
import { fingerprintOf, hostKeyCheck, openTunnel } from "../../src/store/ssh-tunnel.ts";
import { freshDatabase } from "../support/postgres.ts";
import { type SshServer, startSshd } from "../support/sshd.ts";

const sshdPath = inject("sshd");
const postgresServer = inject("postgres");
let sshd: SshServer;
let dir: string;

beforeAll(async () => {
  if (sshdPath === null) return;
  sshd = await startSshd(sshdPath);
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-known-hosts-"));
});

afterAll(async () => {
  await sshd?.destroy();
});

function settings(overrides: Partial<SshSettings> = {}): SshSettings {
  return {
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    keyFile: sshd.keyFile,
    keyPassphrase: sshd.keyPassphrase,
    knownHostsFile: sshd.knownHostsFile,
    hostFingerprint: undefined,
    ...overrides,
  };
}

/** The server's host key blob, as ssh2 hands it to the verifier. */
function hostKeyBlob(): Buffer {
  const line = readFileSync(sshd.knownHostsFile, "utf8").trim();
  return Buffer.from(line.split(" ")[2]!, "base64");
}

function knownHosts(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe.skipIf(sshdPath === null)("SSH host key check", () => {
  it("computes the fingerprint OpenSSH prints", () => {
    expect(fingerprintOf(hostKeyBlob())).toBe(sshd.fingerprint);
  });

  it("accepts the key listed for [host]:port, and refuses it listed for another port or host", () => {
    const line = readFileSync(sshd.knownHostsFile, "utf8");
    expect(hostKeyCheck(settings())(hostKeyBlob())).toBeUndefined();
    const otherPort = knownHosts("other-port", line.replace(`]:${sshd.port} `, `]:${sshd.port + 1} `));
    expect(hostKeyCheck(settings({ knownHostsFile: otherPort }))(hostKeyBlob())).toMatch(/^refusing the unknown SSH host key of 127\.0\.0\.1 \(SHA256:.+\): it is not in .*other-port; add it \(ssh-keyscan\), or set VMCRAWL_SSH_HOST_FINGERPRINT$/);
    // A bare host name only matches port 22, as in OpenSSH.
    const bare = knownHosts("bare", line.replace(`[127.0.0.1]:${sshd.port}`, "127.0.0.1"));
    expect(hostKeyCheck(settings({ knownHostsFile: bare }))(hostKeyBlob())).toMatch(/unknown SSH host key/);
    expect(hostKeyCheck(settings({ knownHostsFile: bare, port: 22 }))(hostKeyBlob())).toBeUndefined();
  });

  it("understands hashed entries written by ssh-keygen -H", () => {
    const hashed = knownHosts("hashed", readFileSync(sshd.knownHostsFile, "utf8"));
    execFileSync("ssh-keygen", ["-q", "-H", "-f", hashed], { stdio: "ignore" });
    expect(readFileSync(hashed, "utf8")).toMatch(/^\|1\|/);
    expect(hostKeyCheck(settings({ knownHostsFile: hashed }))(hostKeyBlob())).toBeUndefined();
    expect(hostKeyCheck(settings({ knownHostsFile: hashed, port: sshd.port + 1 }))(hostKeyBlob())).toMatch(/unknown SSH host key/);
  });

  it("refuses a replaced key and says someone may be in between", () => {
    expect(hostKeyCheck(settings({ knownHostsFile: sshd.wrongKnownHostsFile }))(hostKeyBlob())).toMatch(/lists a different key for this host; it may have been replaced, or someone is in between$/);
  });

  it("refuses a key marked @revoked even when it is also listed", () => {
    const line = readFileSync(sshd.knownHostsFile, "utf8").trim();
    const [, type, blob] = line.split(" ");
    const revoked = knownHosts("revoked", `${line}\n@revoked * ${type} ${blob}\n`);
    expect(hostKeyCheck(settings({ knownHostsFile: revoked }))(hostKeyBlob())).toMatch(/it is marked @revoked in /);
  });

  it("with a configured fingerprint, accepts exactly that key and ignores known_hosts", () => {
    expect(hostKeyCheck(settings({ hostFingerprint: sshd.fingerprint, knownHostsFile: join(dir, "missing") }))(hostKeyBlob())).toBeUndefined();
    expect(hostKeyCheck(settings({ hostFingerprint: "SHA256:AAAA" }))(hostKeyBlob())).toMatch(/its fingerprint is SHA256:.+, not VMCRAWL_SSH_HOST_FINGERPRINT SHA256:AAAA$/);
  });

  it("refuses when known_hosts cannot be read", () => {
    expect(hostKeyCheck(settings({ knownHostsFile: join(dir, "missing") }))(hostKeyBlob())).toMatch(/cannot be read; add the key there or set VMCRAWL_SSH_HOST_FINGERPRINT$/);
  });
});

describe.skipIf(sshdPath === null || postgresServer === null)("PostgreSQL through the SSH tunnel", () => {
  async function tunnelledStore(ssh: SshSettings, log: string[] = []): Promise<PostgresStore> {
    const pg = await freshDatabase(postgresServer!, "tunnel");
    const tunnel = await openTunnel(ssh, { host: pg.host, port: pg.port }, (line) => log.push(line));
    return new PostgresStore(pg, { tunnel, connectTimeoutSeconds: 5 });
  }

  it("carries database connections over SSH with a passphrase-protected key", async () => {
    const store = await tunnelledStore(settings());
    try {
      await store.migrate();
      // The server sees the connection coming from its own loopback end of the tunnel.
      const [row] = await store.query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'vmcrawl' AND client_addr = '127.0.0.1'", []);
      expect(Number(row!.n)).toBeGreaterThanOrEqual(1);
      expect(await store.query("SELECT count(*)::int AS n FROM release_versions", [])).not.toEqual([{ n: 0 }]);
    } finally {
      await store.close();
    }
  });

  it("refuses an unknown host key: no connection, a store error that says why", async () => {
    const store = await tunnelledStore(settings({ knownHostsFile: sshd.wrongKnownHostsFile }));
    try {
      const err = (await store.migrate().then(
        () => undefined,
        (e: unknown) => e,
      )) as { code?: string; message?: string } | undefined;
      expect(err?.code).toBe("STORE");
      expect(err?.message).toMatch(/refusing the SSH host key of 127\.0\.0\.1 .*lists a different key/);
    } finally {
      await store.close();
    }
  });

  it("says which key file it cannot read, and a wrong passphrase is an error, not a prompt", async () => {
    await expect(openTunnel(settings({ keyFile: join(dir, "no-such-key") }), { host: "127.0.0.1", port: 1 }, () => {})).rejects.toThrow(/cannot read the SSH key VMCRAWL_SSH_KEY=.*no-such-key: ENOENT/);
    const store = await tunnelledStore(settings({ keyPassphrase: "wrong" }));
    try {
      await expect(store.migrate()).rejects.toMatchObject({ code: "STORE" });
    } finally {
      await store.close();
    }
  });

  it("reconnects after the SSH connection drops", async () => {
    const log: string[] = [];
    const store = await tunnelledStore(settings(), log);
    try {
      await store.migrate();
      sshd.dropConnections();
      // The query on the dropped connection may fail; the ones after it go through a new tunnel.
      const deadline = Date.now() + 15_000;
      let answered = false;
      while (!answered && Date.now() < deadline) {
        answered = await store.query("SELECT 1 AS one", []).then(
          (rows) => rows[0]?.one === 1,
          () => false,
        );
        if (!answered) await new Promise((r) => setTimeout(r, 100));
      }
      expect(answered).toBe(true);
      expect(log.join("\n")).toMatch(/tunnel: SSH connection to 127\.0\.0\.1:\d+ closed; it reopens with the next database connection/);
    } finally {
      await store.close();
    }
  });
});
