/**
 * The load gate on a real event loop: the lag it measures is this process's,
 * made by blocking it, and the runner it gates runs probes that cost CPU.
 */
import { describe, expect, it } from "vitest";
import { LagMonitor, LoadGate } from "../../src/crawl/load-gate.ts";
import type { ProbeOutcome } from "../../src/crawl/probe.ts";
import { runCrawl, type RunEvents } from "../../src/crawl/runner.ts";
import type { DomainName } from "../../src/net/domain.ts";
import { parseDomain } from "../../src/net/domain.ts";
import type { Effect } from "../../src/core/decide.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // CPU work, as a TLS handshake is
  }
}

describe("LagMonitor", () => {
  it("sees a blocked event loop at once, and forgets it when the loop is free again", async () => {
    const monitor = new LagMonitor();
    try {
      await sleep(60);
      expect(monitor.lagMs).toBeLessThan(50);
      busy(300);
      // Overdue already, before any timer could run.
      expect(monitor.lagMs).toBeGreaterThanOrEqual(250);
      await sleep(30);
      expect(monitor.lagMs).toBeGreaterThanOrEqual(150); // the long pause still counts for a while
      for (let i = 0; i < 100 && monitor.lagMs >= 50; i++) await sleep(20);
      expect(monitor.lagMs).toBeLessThan(50);
    } finally {
      monitor.close();
    }
  });
});

describe("LoadGate", () => {
  it("lets domains in while the lag is low, holds them while it is high, always keeps the minimum running", async () => {
    let lag = 0;
    const gate = new LoadGate({ maxLagMs: 100, minInFlight: 2, lagMs: () => lag, retryMs: 5, releasePerLook: 2 });
    expect(gate.enter()).toBeUndefined();
    lag = 500;
    expect(gate.enter()).toBeUndefined(); // the second of the minimum two
    const started: number[] = [];
    const held = [1, 2, 3, 4, 5].map((n) => gate.enter()?.then(() => started.push(n)));
    expect(held.every((p) => p instanceof Promise)).toBe(true);
    await sleep(30);
    expect(started).toEqual([]);
    gate.leave(); // one of the two ends: below the minimum, one held domain starts
    await sleep(0);
    expect(started).toEqual([1]);
    lag = 0; // the rest start, two at a look, in order
    await Promise.all(held);
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(gate.inFlight).toBe(6);
  });

  it("lets every held domain go when closed, and holds none after", async () => {
    const gate = new LoadGate({ maxLagMs: 100, minInFlight: 1, lagMs: () => 1000 });
    gate.enter();
    const held = [gate.enter(), gate.enter()];
    gate.close();
    await Promise.all(held);
    expect(gate.enter()).toBeUndefined();
    expect(gate.inFlight).toBe(4);
  });
});

describe("a run behind the load gate", () => {
  const domains: DomainName[] = Array.from({ length: 60 }, (_, i) => {
    const parsed = parseDomain(`gate-${i}.example`);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.value;
  });
  const quiet: RunEvents = { start() {}, begin() {}, finish() {}, skip() {} };

  /** Runs 60 domains, 16 at a time, each costing 20 ms of CPU then 30 ms of waiting; returns how many were in flight as each started. */
  async function run(gate: LoadGate | undefined, signal = new AbortController().signal) {
    let inFlight = 0;
    const atStart: number[] = [];
    const recorded: Effect[] = [];
    const summary = await runCrawl(
      { total: domains.length, label: "test", domains: (async function* () { yield* domains; })() },
      {
        concurrency: 16,
        errorBuffer: 3,
        worker: "test",
        probe: async (domain) => {
          atStart.push(++inFlight);
          busy(20);
          await sleep(30);
          inFlight--;
          return { domain: domain.name, kind: "other", software: "test", requests: [], ms: 50 } satisfies ProbeOutcome;
        },
        store: { errorStates: () => new Map(), applyEffects: (effects) => void recorded.push(...effects) },
        hardDni: new Set(),
        schedule: { recrawlHours: 24, capHours: 24 },
        signal,
        events: quiet,
        ...(gate === undefined ? {} : { gate }),
      },
    );
    return { summary, atStart, recorded };
  }

  it("keeps fewer domains in flight when they overload the loop, and still crawls every one", async () => {
    // Without the gate: every start after the first 16 finds the other 15 running.
    const free = await run(undefined);
    expect(Math.min(...free.atStart.slice(16, -16))).toBe(16);
    expect(free.summary.held).toBe(0);

    const monitor = new LagMonitor();
    try {
      const gate = new LoadGate({ maxLagMs: 50, minInFlight: 2, lagMs: () => monitor.lagMs });
      const gated = await run(gate);
      expect(gated.recorded.map((r) => r.domain)).toEqual(expect.arrayContaining(domains.map((d) => d.name)));
      expect(gated.recorded).toHaveLength(domains.length);
      // Counted per domain probed: the first 16 never wait, nor do the workers that find the list done.
      expect(gated.summary.held).toBeGreaterThan(0);
      expect(gated.summary.held).toBeLessThanOrEqual(domains.length - 16);
      // After the first wave (16 at once, before any lag could be seen), far fewer at a time.
      const later = gated.atStart.slice(16);
      expect(later.reduce((a, b) => a + b, 0) / later.length).toBeLessThan(8);
    } finally {
      monitor.close();
    }
  });

  it("stops at once when interrupted while domains are held", async () => {
    const stop = new AbortController();
    const gate = new LoadGate({ maxLagMs: 50, minInFlight: 1, lagMs: () => 1000 });
    setTimeout(() => stop.abort(), 200);
    const started = performance.now();
    const { summary, recorded } = await run(gate, stop.signal);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(summary.interrupted).toBe(true);
    // One at a time while the lag is high: a handful done before the stop, none of the held ones started.
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.length).toBeLessThan(10);
  });
});
