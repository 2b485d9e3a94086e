/**
 * What ships for servers: the systemd unit passes systemd's own checker and starts a command
 * the binary has; the Dockerfile copies files that exist and runs a command the binary has.
 * (No container engine runs here, so the image itself is not built by the tests.)
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const binary = join(root, "dist", "vmcrawl");
const unit = readFileSync(join(root, "deploy", "vmcrawl.service"), "utf8");
const dockerfile = readFileSync(join(root, "deploy", "Dockerfile"), "utf8");
const analyze = "/usr/bin/systemd-analyze";
if (!existsSync(analyze) && process.env.CI === "true") throw new Error("systemd-analyze is missing (CI=true): install the Debian package systemd (.ci/run does)");

function runs(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string } {
  const result = spawnSync(binary, args, { encoding: "utf8", env: { HOME: mkdtempSync(join(tmpdir(), "vmcrawl-deploy-")), ...env } });
  return { code: result.status, stdout: result.stdout };
}

describe("deploy/vmcrawl.service", () => {
  it.skipIf(!existsSync(analyze))("passes systemd-analyze verify without a warning", () => {
    const dir = mkdtempSync(join(tmpdir(), "vmcrawl-unit-"));
    writeFileSync(join(dir, "vmcrawl.service"), unit.replaceAll("/usr/local/bin/vmcrawl", binary));
    const result = spawnSync(analyze, ["verify", join(dir, "vmcrawl.service")], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("runs vmcrawl daemon, which the binary has, stopped by SIGTERM with time to push", () => {
    const exec = /^ExecStart=\/usr\/local\/bin\/vmcrawl (.+)$/m.exec(unit)?.[1];
    expect(exec).toBe("daemon");
    expect(runs([exec!, "--help"]).code).toBe(0);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1])).toBeGreaterThanOrEqual(60);
  });

  it("limits glibc to two malloc arenas, which the benchmark found saves memory", () => {
    expect(unit.split("\n")).toContain("Environment=MALLOC_ARENA_MAX=2");
    expect(runs(["--version"], { MALLOC_ARENA_MAX: "2" }).code).toBe(0);
  });

  it("is hardened: no privileges, read-only system, only its own directories writable", () => {
    for (const line of ["NoNewPrivileges=yes", "CapabilityBoundingSet=", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "DynamicUser=yes", "StateDirectory=vmcrawl", "CacheDirectory=vmcrawl", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"]) {
      expect(unit.split("\n")).toContain(line);
    }
  });
});

describe("deploy/Dockerfile", () => {
  it("copies only files that exist in the repository", () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(" "));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) expect(existsSync(join(root, source)), source).toBe(true);
  });

  it("starts the daemon by default, as an unprivileged user, stopped by SIGTERM", () => {
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/local\/bin\/vmcrawl"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["daemon"\]$/m);
    expect(dockerfile).toMatch(/^USER 65532:65532$/m);
    expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(dockerfile).toMatch(/^\s+MALLOC_ARENA_MAX=2$/m);
  });
});
