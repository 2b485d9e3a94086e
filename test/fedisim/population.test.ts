/**
 * The evolving population behind the patch velocity test: its schedules follow the plan
 * (a release is never taken before its day, skipping is taking), its own figures follow from
 * the versions it serves, and the simulator serves each day's versions when told to.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simClient, type SimClient } from "./client.ts";
import { type Fedisim, generateScenario, startFedisim } from "./index.ts";
import { generatePopulation, type PopulationOptions } from "./population.ts";

const PLAN: PopulationOptions = {
  servers: 300,
  seed: 7,
  days: 10,
  releases: [
    { version: "4.5.0", day: -30 },
    { version: "4.5.1", day: -2 },
    { version: "4.5.2", day: 3 },
    { version: "4.4.5", day: -50 },
    { version: "4.4.6", day: 3 },
  ],
  branchShares: { "4.5": 0.6, "4.4": 0.4 },
  never: 0.1,
  meanDelayDays: 2,
  rollback: 0.1,
  migrate: 0.3,
};

describe("an evolving population", () => {
  const population = generatePopulation(PLAN);
  const publishedOn = new Map(PLAN.releases.map((r) => [r.version, r.day]));

  it("is the same for a seed", () => {
    const again = generatePopulation(PLAN);
    expect(again.servers.map((s) => s.changes)).toEqual(population.servers.map((s) => s.changes));
  });

  it("never runs a release before GitHub published it, and has servers that never take one, roll back or change branch", () => {
    for (const server of population.servers) {
      for (const change of server.changes.slice(1)) expect(change.day).toBeGreaterThanOrEqual(publishedOn.get(change.version)!);
    }
    const last = (day: number) => population.servers.map((s) => population.versionOn(s, day));
    const first = last(0);
    const final = last(PLAN.days - 1);
    expect(final.filter((v) => v === "4.5.0" || v === "4.4.5").length).toBeGreaterThan(0);
    expect(population.servers.some((s) => s.changes.some((c, i) => i > 0 && c.version < s.changes[i - 1]!.version))).toBe(true);
    expect(first.filter((v, i) => v.startsWith("4.4.") && final[i]!.startsWith("4.5.")).length).toBeGreaterThan(0);
  });

  it("figures a release from the versions it serves: the share of the branch on it or later, each recorded day", () => {
    const figures = population.figures("4.5.2", [0.5]);
    expect(figures.daily.map((d) => d.day)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    for (const d of figures.daily) {
      const scenario = population.scenarioOn(d.day);
      const versions = scenario.listed.map((s) => s.software!.version);
      expect(d.branch).toBe(versions.filter((v) => v.startsWith("4.5.")).length);
      expect(d.adopted).toBe(versions.filter((v) => v === "4.5.2").length);
    }
    const half = figures.daily.find((d) => d.adopted / d.branch >= 0.5);
    expect(figures.servers[0]).toEqual(half === undefined ? null : { days: half.day - 3, atMost: false });
    // Published before recording: a threshold met on day 0 is "at most" that many days.
    const partial = population.figures("4.5.1", [0.01]);
    expect(partial.partial).toBe(true);
    expect(partial.servers[0]).toEqual({ days: 2, atMost: true });
  });
});

describe("fedisim serving a population day by day", () => {
  const population = generatePopulation({ ...PLAN, servers: 20 });
  let sim: Fedisim;
  let client: SimClient;

  beforeAll(async () => {
    sim = await startFedisim(population.scenarioOn(0));
    client = simClient(sim);
  });
  afterAll(async () => {
    await client?.close();
    await sim?.close();
  });

  it("answers with each server's version of the day it is told, and refuses a scenario of other domains", async () => {
    const changed = population.servers.find((s) => population.versionOn(s, 0) !== population.versionOn(s, PLAN.days - 1))!;
    const version = async () => JSON.parse((await client.get(changed.spec.ascii, "/nodeinfo/2.0")).body).software.version as string;
    expect(await version()).toBe(population.versionOn(changed, 0));
    sim.serve(population.scenarioOn(PLAN.days - 1));
    expect(await version()).toBe(population.versionOn(changed, PLAN.days - 1));
    expect(() => sim.serve(generateScenario({ domains: 20, seed: 1, families: ["mastodon"] }))).toThrow(/same domains/);
  });
});
