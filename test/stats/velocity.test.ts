import { describe, expect, it } from "vitest";
import { adoptionCurve, exposure, type VersionDay } from "../../src/stats/velocity.ts";
import { branchOf } from "../../src/versions/patch.ts";

/** Day `n` of January 2026. */
const jan = (n: number) => `2026-01-${String(n).padStart(2, "0")}`;
/** One recorded day: `counts` maps versions to servers, each server with `usersEach` monthly users. */
const day = (n: number, counts: Record<string, number>, usersEach = 10): VersionDay[] =>
  Object.entries(counts).map(([version, servers]) => ({ date: jan(n), version, servers, users: servers * usersEach }));

const shares = (curve: ReturnType<typeof adoptionCurve>) => curve.points.map((p) => [p.date, p.serverShare]);

describe("adoptionCurve", () => {
  it("follows a release through its branch: shares of the branch's servers, and the days to 25/50/75/90 %", () => {
    const days = [
      ...day(1, { "4.5.2": 10, "4.4.9": 50 }),
      ...day(2, { "4.5.2": 7, "4.5.3": 3, "4.4.9": 50 }),
      ...day(3, { "4.5.2": 4, "4.5.3": 6, "4.4.9": 50 }),
      ...day(5, { "4.5.2": 1, "4.5.3": 9, "4.4.9": 50 }),
    ];
    const curve = adoptionCurve({ version: "4.5.3", publishedOn: jan(1) }, days);
    expect(curve.branch).toBe("4.5");
    expect(curve.partial).toBe(false);
    // Other branches never count; day 4 was not recorded and has no point.
    expect(shares(curve)).toEqual([[jan(1), 0], [jan(2), 0.3], [jan(3), 0.6], [jan(5), 0.9]]);
    expect(curve.servers).toEqual([{ days: 1, atMost: false }, { days: 2, atMost: false }, { days: 4, atMost: false }, { days: 4, atMost: false }]);
  });

  it.each([
    ["a server that skips the release has adopted it", day(2, { "4.5.2": 1, "4.5.4": 1 }), 0.5],
    ["a later patch's pre-release counts", day(2, { "4.5.2": 1, "4.5.4-nightly.20260102": 1 }), 0.5],
    ["the release's own pre-release does not", day(2, { "4.5.2": 1, "4.5.3-rc.1": 1 }), 0],
  ])("%s", (_what, days, expected) => {
    expect(adoptionCurve({ version: "4.5.3", publishedOn: jan(1) }, days).points[0]!.serverShare).toBe(expected);
  });

  it("counts the first day a threshold was reached, even when a downgrade takes the share back under it", () => {
    const days = [...day(1, { "4.5.2": 2 }), ...day(2, { "4.5.3": 2 }), ...day(3, { "4.5.2": 1, "4.5.3": 1 })];
    const curve = adoptionCurve({ version: "4.5.3", publishedOn: jan(1) }, days);
    expect(shares(curve)).toEqual([[jan(1), 0], [jan(2), 1], [jan(3), 0.5]]);
    expect(curve.servers[3]).toEqual({ days: 1, atMost: false });
  });

  it("has no share on a day the branch has no servers left (gone end-of-life), and leaves what it has not reached undefined", () => {
    const days = [...day(1, { "4.3.5": 4 }), ...day(2, { "4.3.5": 3, "4.3.6": 1, "4.4.0": 2 }), ...day(3, { "4.4.1": 6 })];
    const curve = adoptionCurve({ version: "4.3.6", publishedOn: jan(1) }, days);
    expect(shares(curve)).toEqual([[jan(1), 0], [jan(2), 0.25], [jan(3), undefined]]);
    expect(curve.servers).toEqual([{ days: 1, atMost: false }, undefined, undefined, undefined]);
  });

  it("weights users apart from servers", () => {
    const days = [...day(1, { "4.5.2": 3 }, 1), ...day(1, { "4.5.3": 1 }, 9)];
    const point = adoptionCurve({ version: "4.5.3", publishedOn: jan(1) }, days).points[0]!;
    expect([point.serverShare, point.userShare]).toEqual([0.25, 0.75]);
  });

  it("starts a release published before recording began at the first recorded day, partial, and never extrapolates", () => {
    const days = [...day(10, { "4.5.2": 1, "4.5.3": 3 }), ...day(11, { "4.5.3": 4 })];
    const curve = adoptionCurve({ version: "4.5.3", publishedOn: jan(1) }, days);
    expect(curve.partial).toBe(true);
    expect(curve.points.map((p) => p.days)).toEqual([9, 10]);
    // 75 % was already reached when recording began: somewhere in the first 9 days.
    expect(curve.servers).toEqual([{ days: 9, atMost: true }, { days: 9, atMost: true }, { days: 9, atMost: true }, { days: 10, atMost: false }]);
  });

  it("refuses a release that is not a version", () => {
    expect(() => adoptionCurve({ version: "latest", publishedOn: jan(1) }, [])).toThrow(/"latest" is not a version/);
    expect(branchOf("4.5.3-alpha.1")).toBe("4.5");
  });
});

describe("exposure", () => {
  it("counts the servers and users on an affected version each recorded day since publication, and the server-days so far", () => {
    const days = [...day(1, { "4.5.1": 5, "4.5.3": 1 }), ...day(2, { "4.5.1": 4, "4.5.3": 2 }), ...day(4, { "4.5.1": 1, "4.5.3": 5, "4.4.9": 2 })];
    const result = exposure(">=4.5.0-0 <4.5.3 || >=4.4.0-0 <4.4.10", jan(2), days);
    expect(result.partial).toBe(false);
    expect(result.points).toEqual([
      { date: jan(2), days: 0, servers: 4, users: 40 },
      { date: jan(4), days: 2, servers: 3, users: 30 },
    ]);
    expect(result.serverDays).toBe(7);
  });

  it("is partial when published before recording began", () => {
    expect(exposure("<4.5.3", "2025-12-01", day(1, { "4.5.1": 1 })).partial).toBe(true);
  });
});
