import { describe, expect, it } from "vitest";
import { cleanVersion, type VersionContext } from "../../src/versions/clean.ts";

// The seeded tables: main branch 4.6, and the nightly ranges that matter here.
const context: VersionContext = {
  mainBranch: { major: 4, minor: 6 },
  nightly: [
    { version: "4.6.0-alpha.3", start: "2026-01-21", end: "2099-12-31", isSecurity: false },
    { version: "4.6.0-alpha.2", start: "2026-01-08", end: "2026-01-20", isSecurity: false },
    { version: "4.5.0-alpha.2", start: "2025-08-06", end: "2025-10-13", isSecurity: false },
    { version: "4.5.0-alpha.3", start: "2025-10-14", end: "2025-10-15", isSecurity: false },
    { version: "4.6.0-alpha.1", start: "2025-12-20", end: "2025-12-20", isSecurity: true },
  ],
};

describe("cleanVersion", () => {
  it.each([
    ["4.5.6", "4.5.6"],
    ["4.5.6+glitch", "4.5.6"],
    ["4.3.19+hometown-1.1.2", "4.3.19"],
    ["4.4.13+kmyblue.21.2", "4.4.13"],
    ["v4.5.6", "4.5.6"],
    ["  4.5.6  ", "4.5.6"],
    ["3.4.6ht", "3.4.6"],
    ["4.2.10kb10", "4.2.10"],
    ["4.3.0alpha1", "4.3.0-alpha.1"],
    ["4.3.0-rc1", "4.3.0-rc.1"],
    ["4.5.0-rc.1", "4.5.0-rc.1"],
    ["4.6.0-alpha.4", "4.6.0-alpha.4"],
    ["4.6.0-beta2", "4.6.0-beta.2"],
    ["4.5.4.0.5", "4.5.4"],
    ["4.3.0.1-alpha.1", "4.3.0-alpha.1"],
    // A pre-release tag on a patch release is a fork's: Mastodon tags pre-releases of x.y.0 only.
    ["4.3.4alpha1", "4.3.4"],
    ["4.5.6-beta.1", "4.5.6"],
    ["4.4.2-rc.3", "4.4.2"],
    ["4.4.0-pre", "4.4.0"],
    ["4.1.2-260115", "4.1.2"],
    ["4.6.0-alpha.4+nightly-20260215", "4.6.0-alpha.4"],
    ["4.6.0-nightly.2026-02-10", "4.6.0-alpha.3"],
    ["4.6.0-nightly.2026-01-19", "4.6.0-alpha.2"],
    ["4.6.0-nightly.2026-01-20", "4.6.0-alpha.3"],
    ["4.5.0-nightly.2025-09-01", "4.5.0-alpha.2"],
    ["4.6.0-nightly.2025-12-20-security", "4.6.0-alpha.1"],
    ["4.2.0-nightly.2020-01-01", "4.2.0-nightly.20200101"],
    // Newer than the seeded latest of its branch, or of an unknown older branch: kept, never moved (upstream §22.12).
    ["4.5.9", "4.5.9"],
    ["4.5.66", "4.5.66"],
    ["4.6.0", "4.6.0"],
    ["2.9.4", "2.9.4"],
  ])("%j → %s", (reported, cleaned) => {
    expect(cleanVersion(reported, context)).toEqual({ ok: true, version: cleaned });
  });

  it.each([
    ["", /is empty/],
    ["   ", /is empty/],
    ["latest", /"latest" is not a version/],
    ["4.x", /is not a version/],
    ["4.5", /is not a version/],
    ["not-a-version", /is not a version/],
    ["4.7.1", /4\.7\.1 is newer than the main branch 4\.6/],
    ["4.7.0-alpha.1", /newer than the main branch/],
    ["5.0.0", /newer than the main branch/],
    ["4.6.3", /4\.6\.3 is newer than the main branch 4\.6/],
    ["4.6.1-alpha.1", /newer than the main branch/],
  ])("refuses %j", (reported, reason) => {
    const result = cleanVersion(reported, context);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.reason).toMatch(reason);
  });

  it("has no upper bound when the main branch is unknown", () => {
    expect(cleanVersion("9.0.0", { nightly: [] })).toEqual({ ok: true, version: "9.0.0" });
  });
});
