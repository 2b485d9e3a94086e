import { describe, expect, it } from "vitest";
import { guardDay } from "../../src/stats/guard.ts";

describe("the publish guard", () => {
  const yesterday = { date: "2026-11-22", instances: 10_000, mau: 1_000_000 };

  it.each([
    [{ instances: 5000, mau: 500_000 }, false], // exactly half: allowed at 50%
    [{ instances: 4999, mau: 1_000_000 }, true],
    [{ instances: 10_000, mau: 499_999 }, true],
    [{ instances: 12_000, mau: 2_000_000 }, false], // growth is never suspect
  ])("%j against 10,000 servers and 1,000,000 users: suspect %s", (today, suspect) => {
    expect(guardDay(today, yesterday, 0.5).suspect).toBe(suspect);
  });

  it("says what fell, by how much, since when, against which limit", () => {
    expect(guardDay({ instances: 3000, mau: 400_000 }, yesterday, 0.5)).toEqual({
      suspect: true,
      reason: "publish guard: instances fell 70% (10000 → 3000), monthly active users fell 60% (1000000 → 400000) since 2026-11-22, more than 50%",
    });
  });

  it("has nothing to compare on the first day, or against an empty one", () => {
    expect(guardDay({ instances: 0, mau: 0 }, undefined, 0.5)).toEqual({ suspect: false });
    expect(guardDay({ instances: 0, mau: 0 }, { date: "2026-11-22", instances: 0, mau: 0 }, 0.5)).toEqual({ suspect: false });
  });
});
