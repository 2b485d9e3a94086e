/** `vmcrawl serve` as a user runs it: the built binary on a loopback port, real HTTP, a clean stop. */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { binary, requireBinary } from "../crawl/e2e.ts";
import { freePort } from "../support/ports.ts";

/** The binary serving on a free loopback port with `env`, until `work` is done; then SIGTERM, and the exit code. */
async function serving(env: Record<string, string>, work: (base: string, run: { home: string; stderr: () => string }) => Promise<void>): Promise<number | null> {
  const port = await freePort();
  const home = mkdtempSync(`${tmpdir()}/vmcrawl-serve-`);
  const child = spawn(binary, ["serve", "--listen", `127.0.0.1:${port}`], { env: { HOME: home, PATH: "/usr/bin:/bin", ...env } });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  try {
    const deadline = Date.now() + 15_000;
    while (!stderr.includes("serving the API on") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!stderr.includes("serving the API on")) throw new Error(`vmcrawl serve did not start: ${stderr}`);
    await work(`http://127.0.0.1:${port}`, { home, stderr: () => stderr });
  } finally {
    child.kill("SIGTERM");
  }
  return exited;
}

describe("vmcrawl serve's rate limit behind a reverse proxy", () => {
  const KEY = "serve-test-key-0123456789";
  const status = async (base: string, headers: Record<string, string> = {}) => (await fetch(`${base}/health`, { headers })).status;

  it("counts the client X-Forwarded-For names when the peer is a trusted proxy (an IPv6 client by its /64), and never a request with the key", async () => {
    requireBinary();
    const code = await serving({ VMCRAWL_API_KEY: KEY, VMCRAWL_API_RATE_LIMIT: "2", VMCRAWL_API_TRUSTED_PROXIES: "127.0.0.1" }, async (base) => {
      const a = { "x-forwarded-for": "198.51.100.1" };
      expect([await status(base, a), await status(base, a), await status(base, a)]).toEqual([200, 200, 429]);
      // Another client behind the same proxy has a budget of its own.
      expect(await status(base, { "x-forwarded-for": "198.51.100.2" })).toBe(200);
      // Two addresses of one IPv6 /64 share one.
      expect(await status(base, { "x-forwarded-for": "2001:db8:1:2::1" })).toBe(200);
      expect(await status(base, { "x-forwarded-for": "2001:db8:1:2::99" })).toBe(200);
      expect(await status(base, { "x-forwarded-for": "2001:db8:1:2:ffff::5" })).toBe(429);
      expect(await status(base, { "x-forwarded-for": "2001:db8:1:3::1" })).toBe(200);
      // The operator's own requests, with the key, are not held to the anonymous budget.
      for (let i = 0; i < 5; i++) expect(await status(base, { ...a, "x-api-key": KEY })).toBe(200);
      // A wrong key is anonymous.
      expect(await status(base, { ...a, "x-api-key": "wrong-key-0123456789" })).toBe(429);
    });
    expect(code).toBe(0);
  }, 30_000);

  it("ignores X-Forwarded-For from a peer that is no trusted proxy: a client cannot buy a fresh budget with a header", async () => {
    requireBinary();
    const code = await serving({ VMCRAWL_API_RATE_LIMIT: "2" }, async (base) => {
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await status(base, { "x-forwarded-for": `198.51.100.${i + 1}` }));
      expect(answers).toEqual([200, 200, 429]);
    });
    expect(code).toBe(0);
  }, 30_000);
});

describe("vmcrawl serve", () => {
  it("answers on the port it was given, keeps the key, and stops cleanly on SIGTERM", async () => {
    requireBinary();
    const code = await serving({ VMCRAWL_API_KEY: "serve-test-key-0123456789" }, async (base, { home, stderr }) => {
      expect(stderr()).toContain(`vmcrawl: serving the API on ${base} from embedded SQLite at ${home}/.local/share/vmcrawl/vmcrawl.db`);
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok", database: "sqlite" });
      expect((await (await fetch(`${base}/summary`)).json()) as object).toMatchObject({ instances: 0, mau: 0 });
      expect((await fetch(`${base}/instances`)).status).toBe(401);
      expect((await fetch(`${base}/instances`, { headers: { "x-api-key": "serve-test-key-0123456789" } })).status).toBe(200);
    });
    expect(code).toBe(0);
  }, 30_000);
});
