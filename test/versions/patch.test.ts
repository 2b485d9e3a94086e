import { describe, expect, it } from "vitest";
import { placeVersion, type ReleaseBranch } from "../../src/versions/patch.ts";

// The seeded branches, with a 4.10 release added to check that 4.1 and 4.10 never meet.
const branches: ReleaseBranch[] = [
  { nLevel: -1, branch: "4.6", status: "main", latest: "4.6.0-alpha.4" },
  { nLevel: 0, branch: "4.5", status: "release", latest: "4.5.6" },
  { nLevel: 1, branch: "4.4", status: "release", latest: "4.4.13" },
  { nLevel: 2, branch: "4.3", status: "release", latest: "4.3.19" },
  { nLevel: 3, branch: "4.2", status: "eol", latest: "4.2.29" },
  { nLevel: 4, branch: "4.1", status: "eol", latest: "4.1.22" },
  { nLevel: 5, branch: "4.0", status: "eol", latest: "4.0.15" },
];

describe("placeVersion", () => {
  it.each([
    // Patched iff at least the branch's latest.
    ["4.5.6", "latest", "4.5", true],
    ["4.5.7", "latest", "4.5", true],
    ["4.5.5", "latest", "4.5", false],
    ["4.5.60", "latest", "4.5", true], // a number, not a prefix: 4.5.60 > 4.5.6
    ["4.4.13", "previous", "4.4", true],
    ["4.4.2", "previous", "4.4", false], // 4.4.2 < 4.4.13, though "4.4.13" does not start with it
    ["4.3.19", "deprecated", "4.3", true],
    ["4.3.1", "deprecated", "4.3", false],
    // Pre-releases come before their release.
    ["4.5.0-rc.1", "latest", "4.5", false],
    ["4.6.0-alpha.4", "main", "4.6", true],
    ["4.6.0-alpha.3", "main", "4.6", false],
    ["4.6.0-alpha.10", "main", "4.6", true], // numeric identifiers compare as numbers
    ["4.6.0-beta.1", "main", "4.6", true],
    ["4.6.0-rc.1", "main", "4.6", true],
    // End of life: never patched, also branches older than every tracked one.
    ["4.2.29", "eol", "4.2", false],
    ["4.1.22", "eol", "4.1", false],
    ["3.5.17", "eol", "3.5", false],
    // Branches matched exactly: 4.10 is not 4.1, and unknown newer branches are not placed.
    ["4.10.0", undefined, "4.10", false],
    ["5.0.0", undefined, "5.0", false],
  ])("%s: %s branch %s, patched %s", (version, role, branch, patched) => {
    expect(placeVersion(version, branches)).toEqual({ role, branch, patched });
  });

  it("does not place what is not a version", () => {
    expect(placeVersion("4.5", branches)).toEqual({ role: undefined, branch: undefined, patched: false });
  });

  it("counts an EOL branch as EOL wherever it sits in the order", () => {
    const reordered = branches.map((b) => (b.branch === "4.4" ? { ...b, status: "eol" as const } : b));
    expect(placeVersion("4.4.13", reordered)).toEqual({ role: "eol", branch: "4.4", patched: false });
  });
});
