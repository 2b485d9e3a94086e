/**
 * A population that evolves over simulated days (issue 24's ground truth for patch velocity):
 * healthy Mastodon servers on two branches, releases published on known days, and each server
 * taking each release after a delay drawn from a known distribution, or never. A few roll back
 * their newest upgrade, a few leave the older branch for the newer one, and every server's
 * version on every day is known. The simulator serves `scenarioOn(day)`; `figures` are the
 * scenario's own answers (share of a branch on a release or later, days until it reached a
 * threshold), computed from the schedules alone, for a crawler's figures to equal.
 *
 * Days are numbered from the first one the crawler records (day 0); a release published on a
 * negative day came before recording began.
 */
import { Random } from "./random.ts";
import { generateScenario, type Scenario } from "./scenario.ts";
import type { DomainSpec } from "./spec.ts";

export interface PlannedRelease {
  readonly version: string;
  /** The day GitHub published it. */
  readonly day: number;
}

export interface PopulationOptions {
  readonly servers: number;
  readonly seed: number;
  /** Days the crawler records: 0 … days − 1. */
  readonly days: number;
  /** Every branch's releases; a branch's oldest is where its servers start. */
  readonly releases: readonly PlannedRelease[];
  /** The share of servers on each branch, by major.minor (the rest on the last). */
  readonly branchShares: Readonly<Record<string, number>>;
  /** The chance a server never takes a given release. */
  readonly never: number;
  /** The mean of the upgrade delay: whole days, geometric (P(delay = k) = p(1−p)^k, p = 1/(1+mean)). */
  readonly meanDelayDays: number;
  /** The chance a server that took its branch's newest release goes back to the one before, two days later. */
  readonly rollback: number;
  /** The chance a server of an older branch moves to the newest release of the newest branch, on a day drawn from the recorded ones. */
  readonly migrate: number;
}

/** One server's life: the version it runs from each day on (the first entry from the beginning of time). */
export interface ServerLife {
  readonly spec: DomainSpec;
  readonly mau: number;
  readonly changes: readonly { readonly day: number; readonly version: string }[];
}

export interface Population {
  readonly options: PopulationOptions;
  readonly servers: readonly ServerLife[];
  versionOn(server: ServerLife, day: number): string;
  /** What the simulator serves on `day`: every server answering with its version that day. */
  scenarioOn(day: number): Scenario;
  /** The scenario's own figures for a release, over the recorded days. */
  figures(release: string, thresholds: readonly number[]): ReleaseFigures;
}

/** When a threshold was first reached; `atMost` when it was by the first recorded day and the release came before it. */
export interface Reached {
  readonly days: number;
  readonly atMost: boolean;
}

export interface ReleaseFigures {
  readonly release: string;
  readonly publishedDay: number;
  readonly partial: boolean;
  /** Per threshold, for servers and for monthly users: null when not reached by the last recorded day. */
  readonly servers: readonly (Reached | null)[];
  readonly users: readonly (Reached | null)[];
  /** Per recorded day since publication: servers of the branch on the release or later, and of the branch. */
  readonly daily: readonly { readonly day: number; readonly adopted: number; readonly branch: number }[];
}

// Plain x.y.z only, compared here without semver: a bug in the crawler's ordering cannot hide in both.
const parts = (version: string) => version.split(".").map(Number) as [number, number, number];
const branchOf = (version: string) => parts(version).slice(0, 2).join(".");
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

export function generatePopulation(options: PopulationOptions): Population {
  const base = generateScenario({ domains: options.servers, seed: options.seed, families: ["mastodon"], latency: { medianMs: 0 } });
  const rng = new Random(options.seed).fork("population");
  const byBranch = new Map<string, PlannedRelease[]>();
  for (const r of [...options.releases].sort((a, b) => compareVersions(a.version, b.version))) {
    const list = byBranch.get(branchOf(r.version)) ?? [];
    list.push(r);
    byBranch.set(branchOf(r.version), list);
  }
  const branches = [...byBranch.keys()].sort((a, b) => compareVersions(`${b}.0`, `${a}.0`));
  const newest = branches[0]!;
  const delay = () => {
    // Inverse transform of the geometric distribution: a known law, whole days from 0 on.
    const p = 1 / (1 + options.meanDelayDays);
    return Math.floor(Math.log(1 - rng.next()) / Math.log(1 - p));
  };
  const pickBranch = () => {
    let x = rng.next();
    for (const b of branches) {
      x -= options.branchShares[b] ?? 0;
      if (x < 0) return b;
    }
    return branches.at(-1)!;
  };

  const servers = base.listed.map((spec): ServerLife => {
    const branch = pickBranch();
    const releases = byBranch.get(branch)!;
    // Each later release taken on its day plus a delay, or never; a server keeps the newest it took (skipping is adopting).
    const taken = releases
      .slice(1)
      .flatMap((r) => (rng.chance(options.never) ? [] : [{ day: r.day + delay(), version: r.version }]))
      .sort((a, b) => a.day - b.day);
    const changes = [{ day: -Infinity, version: releases[0]!.version }];
    for (const t of taken) if (compareVersions(t.version, changes.at(-1)!.version) > 0) changes.push(t);
    const last = changes.at(-1)!;
    if (changes.length > 1 && last.version === releases.at(-1)!.version && rng.chance(options.rollback)) {
      changes.push({ day: last.day + 2, version: changes.at(-2)!.version });
    }
    if (branch !== newest && rng.chance(options.migrate)) {
      const day = rng.int(0, options.days - 1);
      const target = byBranch
        .get(newest)!
        .filter((r) => r.day <= day)
        .at(-1)!;
      const before = changes.filter((c) => c.day < day);
      return { spec, mau: spec.truth.mau!, changes: [...before, { day, version: target.version }] };
    }
    return { spec, mau: spec.truth.mau!, changes };
  });

  const versionOn = (server: ServerLife, day: number) => server.changes.filter((c) => c.day <= day).at(-1)!.version;

  return {
    options,
    servers,
    versionOn,
    scenarioOn(day) {
      const specs = servers.map(({ spec }) => spec);
      const lives = new Map(servers.map((s) => [s.spec.ascii, s]));
      const served = specs.map((spec): DomainSpec => {
        const version = versionOn(lives.get(spec.ascii)!, day);
        return { ...spec, software: { name: "mastodon", version }, truth: { ...spec.truth, version, full_version: version } };
      });
      return { options: base.options, byAscii: new Map(served.map((s) => [s.ascii, s])), listed: served };
    },
    figures(version, thresholds) {
      const release = options.releases.find((r) => r.version === version);
      if (release === undefined) throw new Error(`population: no release ${version}`);
      const branch = branchOf(version);
      const daily: { day: number; adopted: number; branch: number; adoptedUsers: number; branchUsers: number }[] = [];
      for (let day = Math.max(0, release.day); day < options.days; day++) {
        const on = servers.map((s) => ({ s, v: versionOn(s, day) })).filter(({ v }) => branchOf(v) === branch);
        const adopted = on.filter(({ v }) => compareVersions(v, version) >= 0);
        const users = (list: typeof on) => list.reduce((n, { s }) => n + s.mau, 0);
        daily.push({ day, adopted: adopted.length, branch: on.length, adoptedUsers: users(adopted), branchUsers: users(on) });
      }
      const partial = release.day < 0;
      const reached = (share: (d: (typeof daily)[number]) => number) =>
        thresholds.map((t) => {
          const first = daily.find((d) => share(d) >= t);
          return first === undefined ? null : { days: first.day - release.day, atMost: partial && first === daily[0] };
        });
      return {
        release: version,
        publishedDay: release.day,
        partial,
        servers: reached((d) => (d.branch > 0 ? d.adopted / d.branch : 0)),
        users: reached((d) => (d.branchUsers > 0 ? d.adoptedUsers / d.branchUsers : 0)),
        daily: daily.map(({ day, adopted, branch }) => ({ day, adopted, branch })),
      };
    },
  };
}
