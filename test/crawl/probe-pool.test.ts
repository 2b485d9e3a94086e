/**
 * Probes in worker threads (ProbePool), from src: one domain of every behaviour family gives
 * the same outcome as on the main thread; a stop reaches the probes in the threads; closing the
 * pool fails what it still holds. (The shipped binary with threads: crawl.e2e.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.ts";
import { ProbePool } from "../../src/crawl/probe-pool.ts";
import { type DomainName, parseDomain } from "../../src/net/domain.ts";
import { netConfigOf } from "../../src/net/index.ts";
import type { VersionContext } from "../../src/versions/clean.ts";
import type { Fedisim } from "../fedisim/index.ts";
import { startFamilies } from "./families.ts";
import { compareWithTruth } from "./truth.ts";

const DEADLINE_MS = 8000;
let sim: Fedisim;
let config: Config;
let versions: VersionContext;

function domain(name: string): DomainName {
  const parsed = parseDomain(name);
  if (!parsed.ok) throw new Error(name);
  return parsed.value;
}

function pool(threads = 2): ProbePool {
  return new ProbePool({ threads, net: netConfigOf(config), versions, deadlineMs: DEADLINE_MS, robotsToken: "vmcrawl" });
}

beforeAll(async () => {
  ({ sim, config, versions } = await startFamilies(DEADLINE_MS));
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

describe("ProbePool", () => {
  it("gives exactly the truth for one domain of every behaviour family, probed in two threads", async () => {
    const threads = pool();
    try {
      const outcomes = await Promise.all(sim.scenario.listed.map((spec) => threads.probe(domain(spec.name))));
      const mismatches = sim.scenario.listed.flatMap((spec, i) => compareWithTruth(outcomes[i], spec.truth, spec.family));
      expect(mismatches).toEqual([]);
    } finally {
      await threads.close();
    }
  }, 60_000);

  it("passes a stop on to the thread: a domain that never answers ends at once, not at its deadline", async () => {
    const stalled = sim.scenario.listed.find((spec) => spec.family === "slow-first-byte")!;
    const threads = pool(1);
    try {
      const stop = new AbortController();
      const started = performance.now();
      const outcome = threads.probe(domain(stalled.name), stop.signal);
      setTimeout(() => stop.abort(), 200);
      expect((await outcome).kind).toBe("error");
      expect(performance.now() - started).toBeLessThan(DEADLINE_MS / 2);
    } finally {
      await threads.close();
    }
  }, 30_000);

  it("fails the probes it still holds when closed, and every probe after", async () => {
    const stalled = sim.scenario.listed.find((spec) => spec.family === "slow-first-byte")!;
    const threads = pool(1);
    const held = expect(threads.probe(domain(stalled.name))).rejects.toThrow(/closed/);
    await new Promise((r) => setTimeout(r, 100));
    await threads.close();
    await held;
    await expect(threads.probe(domain(stalled.name))).rejects.toThrow(/closed/);
  }, 30_000);

  it("refuses fewer than one thread", () => {
    expect(() => pool(0)).toThrow(/at least 1 thread/);
  });
});

describe("ProbePool when a thread stops answering or dies", () => {
  const told: string[] = [];
  const standIn = (threads: number) =>
    new ProbePool({ threads, net: netConfigOf(config), versions, deadlineMs: 300, graceMs: 300, robotsToken: "vmcrawl", workerUrl: new URL("./stalling-worker.ts", import.meta.url), onReplace: (line) => told.push(line) });

  it("replaces a thread that holds a domain past its deadline and grace, records the domain as a timeout, and goes on", async () => {
    const probes = standIn(1);
    try {
      const stalled = probes.probe(domain("stall.example"));
      const queued = probes.probe(domain("behind.example")); // held by the same thread, behind the stalled one
      expect(await stalled).toMatchObject({ domain: "stall.example", kind: "error", error_class: "TCP", cause: "TIMEOUT", reason: expect.stringContaining("stopped answering") });
      expect(await queued).toMatchObject({ domain: "behind.example", kind: "error", error_class: "TCP", cause: "TIMEOUT" });
      expect(probes.replaced).toBe(1);
      expect(told.at(-1)).toBe("probe thread 1 replaced (it stopped answering); its 2 domains are recorded as TCP TIMEOUT");
      expect(await probes.probe(domain("after.example"))).toMatchObject({ domain: "after.example", kind: "other" });
    } finally {
      await probes.close();
    }
  });

  it("replaces a thread that dies while probing, records its domain as a failure, and goes on", async () => {
    const probes = standIn(2);
    try {
      expect(await probes.probe(domain("crash.example"))).toMatchObject({ kind: "error", error_class: "TCP", cause: "OTHER", reason: expect.stringContaining("crashed on crash.example") });
      const after = await Promise.all(["a.example", "b.example", "c.example"].map((name) => probes.probe(domain(name))));
      expect(after.map((o) => o.kind)).toEqual(["other", "other", "other"]);
      expect(probes.replaced).toBe(1);
    } finally {
      await probes.close();
    }
  });
});
