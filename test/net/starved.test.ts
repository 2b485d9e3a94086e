/**
 * A busy process must not blame a server for its own lateness. The simulator
 * runs in a process of its own, so it answers on time while this one is
 * blocked; the answer waits in the socket, and the request's deadline passes
 * before the process can read it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import type { HttpClient } from "../../src/net/http.ts";
import { createHttpClient } from "../../src/net/index.ts";
import { type FedisimProcess, startFedisimProcess } from "../fedisim/process.ts";
import { generateScenario } from "../fedisim/scenario.ts";

const options = { domains: 20, seed: 3, latency: { medianMs: 300, p99Ms: 310 } };
const spec = generateScenario(options).listed.find((s) => s.family === "mastodon" && s.latencyMs >= 250)!;
const latency = spec.latencyMs;
const url = `https://${spec.ascii}/nodeinfo/2.0`;
let dir: string;
let sim: FedisimProcess;
let http: HttpClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vmcrawl-starved-"));
  sim = await startFedisimProcess({ ...options, dir });
  const { config } = loadConfig({ env: { HOME: dir, ...sim.env }, cwd: dir });
  http = createHttpClient(config);
  // DNS, TLS and the HTTP/2 session first, so the timed requests are one round trip each.
  expect((await http.fetch(url)).ok).toBe(true);
}, 60_000);
afterAll(async () => {
  await http?.close();
  await sim?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/**
 * Blocks this process from `from` ms until `until` ms after `start`, as a CPU-starved crawler
 * is. The block runs after the loop's I/O pass (setImmediate), as the callbacks of a busy crawler
 * do: the next pass of the loop then finds an overdue timer and a readable socket together.
 */
function blockBetween(start: number, from: number, until: number): void {
  setTimeout(
    () =>
      setImmediate(() => {
        while (performance.now() - start < until) {
          // busy: no timer, no socket is looked at
        }
      }),
    from,
  );
}

describe("a request's deadline in a busy process", () => {
  it("counts an answer that arrived in time but was read after the deadline", async () => {
    const start = performance.now();
    blockBetween(start, latency / 2, latency + 700);
    const result = await http.fetch(url, { timeoutMs: latency + 300 });
    expect(performance.now() - start).toBeGreaterThanOrEqual(latency + 700);
    expect(result.ok ? result.status : result.failure).toBe(200);
  });

  it("still times out an answer that was late", async () => {
    const start = performance.now();
    blockBetween(start, latency / 4, (latency * 3) / 4);
    const result = await http.fetch(url, { timeoutMs: latency / 2 });
    expect(result).toMatchObject({ ok: false, failure: { errorClass: "TCP", cause: "TIMEOUT" } });
    expect(performance.now() - start).toBeLessThan(latency);
  });
});
