/**
 * Database connections through SSH (ssh2): one SSH connection, one
 * forwarded channel per database connection. The server's host key must be
 * in known_hosts (hashed entries and [host]:port included) or match the
 * configured fingerprint; anything else is refused. A dropped connection is
 * re-established on the next database connection.
 */
import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import type { Duplex } from "node:stream";
import { Client } from "ssh2";
import type { SshSettings } from "../config.ts";
import { VmcrawlError } from "../errors.ts";

export interface Tunnel {
  /** A new channel to the database, as a socket for postgres.js. */
  connect(): Promise<Duplex>;
  close(): Promise<void>;
}

export async function openTunnel(ssh: SshSettings, target: { host: string; port: number }, log: (line: string) => void, options: { readyTimeoutMs?: number } = {}): Promise<Tunnel> {
  let privateKey: Buffer;
  try {
    privateKey = readFileSync(ssh.keyFile);
  } catch (err) {
    throw new VmcrawlError("STORE", `cannot read the SSH key VMCRAWL_SSH_KEY=${ssh.keyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { exitCode: 2 });
  }
  const verify = hostKeyCheck(ssh);
  let client: Promise<Client> | undefined;
  let closed = false;
  let refused: Error | undefined;

  const open = (): Promise<Client> => {
    const opening: Promise<Client> = new Promise((resolve, reject) => {
      const socket = tcpConnect({ host: ssh.host, port: ssh.port });
      // Without this every query waits for Nagle: about 43 ms instead of 1 ms through the tunnel.
      socket.setNoDelay(true);
      const conn = new Client();
      let ready = false;
      // Gone (an error after ready always ends in close): the next database connection opens a new one.
      const forget = () => {
        if (client !== opening) return;
        client = undefined;
        if (ready && !closed) log(`tunnel: SSH connection to ${ssh.host}:${ssh.port} closed; it reopens with the next database connection`);
      };
      conn.on("ready", () => {
        ready = true;
        resolve(conn);
      });
      conn.on("error", (err) => {
        forget();
        if (!ready) reject(refused ?? new VmcrawlError("STORE", `SSH to ${ssh.user}@${ssh.host}:${ssh.port}: ${err.message}`, { cause: err }));
      });
      conn.on("close", () => {
        forget();
        if (!ready) reject(refused ?? new VmcrawlError("STORE", `SSH to ${ssh.user}@${ssh.host}:${ssh.port}: connection closed during the handshake`));
      });
      conn.connect({
        sock: socket,
        username: ssh.user,
        privateKey,
        ...(ssh.keyPassphrase === undefined ? {} : { passphrase: ssh.keyPassphrase }),
        readyTimeout: options.readyTimeoutMs ?? 15_000,
        keepaliveInterval: 15_000,
        hostVerifier: (key: Buffer) => {
          const why = verify(key);
          if (why !== undefined) refused = new VmcrawlError("STORE", why, { exitCode: 2 });
          return why === undefined;
        },
      });
    });
    return opening;
  };

  return {
    async connect() {
      if (closed) throw new VmcrawlError("STORE", "the SSH tunnel is closed");
      client ??= open();
      const conn = await client;
      return new Promise<Duplex>((resolve, reject) => {
        conn.forwardOut("127.0.0.1", 0, target.host, target.port, (err, channel) => {
          if (err) {
            client = undefined;
            return reject(new VmcrawlError("STORE", `SSH tunnel to ${target.host}:${target.port}: ${err.message}`, { cause: err }));
          }
          // postgres.js waits for readyState to leave "open" before it considers a socket closed.
          let state = "open";
          channel.on("close", () => (state = "closed"));
          Object.defineProperty(channel, "readyState", { get: () => state });
          Object.assign(channel, { setKeepAlive: () => channel, setNoDelay: () => channel });
          resolve(channel as unknown as Duplex);
        });
      });
    },
    async close() {
      closed = true;
      const pending = client;
      client = undefined;
      (await pending?.catch(() => undefined))?.end();
    },
  };
}

/**
 * The SSH server's host key and whether the configuration accepts it (`vmcrawl doctor`): the key
 * exchange only, ended before any login, within `timeoutMs`.
 */
export function checkHostKey(ssh: SshSettings, timeoutMs: number): Promise<{ fingerprint: string; refused: string | undefined }> {
  const verify = hostKeyCheck(ssh);
  return new Promise((resolve, reject) => {
    const conn = new Client();
    let seen: { fingerprint: string; refused: string | undefined } | undefined;
    const timer = setTimeout(() => {
      conn.end();
      reject(new Error(`no SSH handshake with ${ssh.host}:${ssh.port} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const settle = (err?: Error) => {
      clearTimeout(timer);
      if (seen !== undefined) resolve(seen);
      else reject(err ?? new Error(`SSH to ${ssh.host}:${ssh.port}: connection closed during the handshake`));
    };
    conn.on("error", (err) => settle(err));
    conn.on("close", () => settle());
    conn.connect({
      host: ssh.host,
      port: ssh.port,
      username: ssh.user,
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        seen = { fingerprint: fingerprintOf(key), refused: verify(key) };
        // Seen what was wanted: no login.
        return false;
      },
    });
  });
}

/** Returns why a host key must be refused, or undefined to accept it. */
export function hostKeyCheck(ssh: Pick<SshSettings, "host" | "port" | "knownHostsFile" | "hostFingerprint">): (key: Buffer) => string | undefined {
  return (key) => {
    const fingerprint = fingerprintOf(key);
    if (ssh.hostFingerprint !== undefined) {
      return fingerprint === ssh.hostFingerprint ? undefined : `refusing the SSH host key of ${ssh.host}: its fingerprint is ${fingerprint}, not VMCRAWL_SSH_HOST_FINGERPRINT ${ssh.hostFingerprint}`;
    }
    let text = "";
    try {
      text = readFileSync(ssh.knownHostsFile, "utf8");
    } catch {
      return `refusing the SSH host key of ${ssh.host} (${fingerprint}): ${ssh.knownHostsFile} cannot be read; add the key there or set VMCRAWL_SSH_HOST_FINGERPRINT`;
    }
    const names = ssh.port === 22 ? [ssh.host, `[${ssh.host}]:22`] : [`[${ssh.host}]:${ssh.port}`];
    const blob = key.toString("base64");
    const entries = text.split("\n").flatMap((line) => {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 3 || fields[0]!.startsWith("#")) return [];
      const marker = fields[0]!.startsWith("@") ? fields[0]! : undefined;
      const [hosts, , keyText] = marker === undefined ? fields : fields.slice(1);
      return [{ marker, hosts: hosts!, keyText }];
    });
    // A revoked key is refused whatever else lists it.
    if (entries.some((e) => e.marker === "@revoked" && e.keyText === blob)) {
      return `refusing the SSH host key of ${ssh.host} (${fingerprint}): it is marked @revoked in ${ssh.knownHostsFile}`;
    }
    let knownOtherKey = false;
    for (const entry of entries) {
      if (entry.marker !== undefined || !hostsMatch(entry.hosts, names)) continue;
      if (entry.keyText === blob) return undefined;
      knownOtherKey = true;
    }
    return knownOtherKey
      ? `refusing the SSH host key of ${ssh.host} (${fingerprint}): ${ssh.knownHostsFile} lists a different key for this host; it may have been replaced, or someone is in between`
      : `refusing the unknown SSH host key of ${ssh.host} (${fingerprint}): it is not in ${ssh.knownHostsFile}; add it (ssh-keyscan), or set VMCRAWL_SSH_HOST_FINGERPRINT`;
  };
}

/** OpenSSH's SHA256 fingerprint: base64 of the key blob's digest, without padding. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

function hostsMatch(field: string, names: readonly string[]): boolean {
  if (field.startsWith("|1|")) {
    // Hashed: |1|base64(salt)|base64(HMAC-SHA1(salt, name))
    const [, , salt, hash] = field.split("|");
    if (salt === undefined || hash === undefined) return false;
    return names.some((name) => createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash);
  }
  const patterns = field.split(",");
  if (patterns.some((p) => p.startsWith("!") && names.includes(p.slice(1)))) return false;
  return patterns.some((p) => names.includes(p));
}
