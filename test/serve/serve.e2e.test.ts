/** `vmcrawl serve` as a user runs it: the built binary on a loopback port, real HTTP, a clean stop. */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { binary, requireBinary } from "../crawl/e2e.ts";
import { freePort } from "../support/ports.ts";

describe("vmcrawl serve", () => {
  it("answers on the port it was given, keeps the key, and stops cleanly on SIGTERM", async () => {
    requireBinary();
    const port = await freePort();
    const home = mkdtempSync(`${tmpdir()}/vmcrawl-serve-`);
    const child = spawn(binary, ["serve", "--listen", `127.0.0.1:${port}`], { env: { HOME: home, PATH: "/usr/bin:/bin", VMCRAWL_API_KEY: "serve-test-key-0123456789" } });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 15_000;
      while (!stderr.includes("serving the API on") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(stderr).toContain(`vmcrawl: serving the API on http://127.0.0.1:${port} from embedded SQLite at ${home}/.local/share/vmcrawl/vmcrawl.db`);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok", database: "sqlite" });
      expect((await (await fetch(`http://127.0.0.1:${port}/summary`)).json()) as object).toMatchObject({ instances: 0, mau: 0 });
      expect((await fetch(`http://127.0.0.1:${port}/instances`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/instances`, { headers: { "x-api-key": "serve-test-key-0123456789" } })).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  }, 30_000);
});
