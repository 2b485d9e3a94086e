import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { hostSlotsBuffer, SharedHostLimit, slotOf } from "../../src/net/shared-limit.ts";

function thread(data: Record<string, unknown>): Promise<void> {
  const worker = new Worker(new URL("./shared-limit-worker.ts", import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    worker.once("message", () => resolve());
    worker.once("error", reject);
    worker.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
  });
}

describe("SharedHostLimit", () => {
  it("holds the per-host limit across threads: three threads, 600 requests for two hosts, never more than 2 at once each", async () => {
    const slots = hostSlotsBuffer();
    const hosts = ["a.example", "b.example"];
    expect(slotOf(hosts[0]!, 65_536)).not.toBe(slotOf(hosts[1]!, 65_536));
    const gauge = new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT);
    const data = { slots, gauge, limit: 2, hosts, rounds: 200 };
    await Promise.all([thread(data), thread(data), thread(data)]);
    const counts = new Int32Array(gauge);
    expect([counts[1], counts[3]]).toEqual([2, 2]);
    // Every slot was given back.
    const table = new SharedHostLimit(slots, 2);
    expect(hosts.map((h) => table.activeFor(h))).toEqual([0, 0]);
  }, 30_000);

  it("makes a full host wait until a slot is given back, in any thread; other hosts go on", async () => {
    const slots = hostSlotsBuffer();
    const here = new SharedHostLimit(slots, 1);
    const there = new SharedHostLimit(slots, 1);
    const held = await here.acquire("busy.example");
    let waited = false;
    const waiting = there.acquire("busy.example").then((release) => {
      waited = true;
      return release;
    });
    (await there.acquire("idle.example"))();
    await new Promise((r) => setTimeout(r, 20));
    expect(waited).toBe(false);
    held();
    held(); // giving back twice changes nothing
    (await waiting)();
    expect(here.activeFor("busy.example")).toBe(0);
  });

  it("stops waiting when the domain's deadline passes, without taking a slot", async () => {
    const table = new SharedHostLimit(hostSlotsBuffer(), 1);
    const held = await table.acquire("slow.example");
    const deadline = new AbortController();
    const waiting = table.acquire("slow.example", deadline.signal);
    setTimeout(() => deadline.abort(new Error("the domain's time ran out")), 10);
    await expect(waiting).rejects.toThrow("the domain's time ran out");
    expect(table.activeFor("slow.example")).toBe(1);
    held();
    expect(table.activeFor("slow.example")).toBe(0);
  });

  it("refuses a limit below 1", () => {
    expect(() => new SharedHostLimit(hostSlotsBuffer(16), 0)).toThrow(/at least 1/);
  });
});
