/**
 * A real OpenSSH server on loopback for tunnel tests: its own host key, a
 * client key with a passphrase, one authorized user (the one running the
 * tests), port forwarding allowed. It can be stopped, restarted on the same
 * port, and have its open connections cut (a dropped tunnel).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort, waitForPort } from "./ports.ts";

export interface SshServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly keyFile: string;
  readonly keyPassphrase: string;
  readonly knownHostsFile: string;
  /** The host key's SHA256 fingerprint, as ssh-keygen -lf prints it. */
  readonly fingerprint: string;
  /** A known_hosts file that lists a different key for this host. */
  readonly wrongKnownHostsFile: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Cuts every open SSH connection; the server keeps listening. */
  dropConnections(): void;
  destroy(): Promise<void>;
}

export function findSshd(): string | undefined {
  return existsSync("/usr/sbin/sshd") && existsSync("/usr/bin/ssh-keygen") ? "/usr/sbin/sshd" : undefined;
}

export async function startSshd(sshd: string): Promise<SshServer> {
  const dir = mkdtempSync(join(tmpdir(), "vmcrawl-sshd-"));
  const keygen = (file: string, passphrase: string) => execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-f", file, "-C", "vmcrawl-test"]);
  keygen(join(dir, "host_ed25519"), "");
  keygen(join(dir, "other_host_ed25519"), "");
  const keyPassphrase = "tunnel passphrase";
  keygen(join(dir, "client_ed25519"), keyPassphrase);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client_ed25519.pub")), { mode: 0o600 });
  const hostPub = readFileSync(join(dir, "host_ed25519.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
  const otherPub = readFileSync(join(dir, "other_host_ed25519.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
  const fingerprint = execFileSync("ssh-keygen", ["-lf", join(dir, "host_ed25519.pub")], { encoding: "utf8" }).split(" ")[1]!;
  // Privilege separation needs this directory on Debian.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  let port = 0;
  const configure = (chosen: number) => {
    port = chosen;
    writeFileSync(join(dir, "known_hosts"), `[127.0.0.1]:${port} ${hostPub}\n`);
    writeFileSync(join(dir, "wrong_known_hosts"), `[127.0.0.1]:${port} ${otherPub}\n`);
    writeFileSync(
      join(dir, "sshd_config"),
      [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${join(dir, "host_ed25519")}`,
        `PidFile ${join(dir, "sshd.pid")}`,
        `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "AllowTcpForwarding yes",
        "X11Forwarding no",
        "LogLevel ERROR",
        "",
      ].join("\n"),
    );
  };
  let child: ChildProcess | undefined;
  const start = async () => {
    const running = spawn(sshd, ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
    child = running;
    let stderr = "";
    running.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<never>((_, reject) => running.once("exit", () => reject(new Error(`sshd exited: ${stderr.trim()}`))));
    exited.catch(() => {});
    // The port answering is not enough (another process may hold it): sshd must still be running.
    await Promise.race([waitForPort(port, "sshd"), exited]);
    await new Promise((r) => setTimeout(r, 50));
    if (running.exitCode !== null) await exited;
  };
  for (let attempt = 1; ; attempt++) {
    configure(await freePort());
    try {
      await start();
      break;
    } catch (err) {
      if (attempt >= 5 || !/Address already in use|Cannot bind/.test((err as Error).message)) throw err;
    }
  }
  // Connections are served by children of the listener; cutting them leaves it listening.
  const dropConnections = () => {
    if (child?.pid === undefined) return;
    try {
      execFileSync("pkill", ["-KILL", "-P", String(child.pid)], { stdio: "ignore" });
    } catch {
      // none open
    }
  };
  const stop = async () => {
    dropConnections();
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      running.kill("SIGTERM");
    });
  };
  return {
    host: "127.0.0.1",
    port,
    user: userInfo().username,
    keyFile: join(dir, "client_ed25519"),
    keyPassphrase,
    knownHostsFile: join(dir, "known_hosts"),
    wrongKnownHostsFile: join(dir, "wrong_known_hosts"),
    fingerprint,
    stop,
    start,
    dropConnections,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
