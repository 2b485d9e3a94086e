import { describe, expect, it } from "vitest";
import { classOfMode, ERROR_CLASS_TABLE, ERROR_CLASSES, isOptOut } from "../../src/core/outcome.ts";
import { findCrawlMode } from "../../src/crawl/modes.ts";

describe("the one table of failure classes", () => {
  it.each([
    [20, { errorClass: "DNS", terminal: false }],
    [24, { errorClass: "SIZE", terminal: false }],
    [32, { errorClass: "ROBOT", terminal: false }],
    [60, { errorClass: "DNS", terminal: true }],
    [64, { errorClass: "SIZE", terminal: true }],
    [72, { errorClass: "ROBOT", terminal: true }],
    [19, undefined],
    [33, undefined],
    [59, undefined],
    [73, undefined],
    [20.5, undefined],
  ])("crawl mode %s selects by %j", (mode, expected) => {
    expect(classOfMode(mode)).toEqual(expected);
  });

  it("gives both menus their labels from it, SIZE's terminal state as the seed's File", () => {
    expect(findCrawlMode(24)?.label).toBe("Size (response size errors)");
    expect(findCrawlMode(64)?.label).toBe("File (bad_file)");
    for (const [i, c] of ERROR_CLASS_TABLE.entries()) {
      expect(findCrawlMode(20 + i)?.label).toBe(c.retry);
      expect(findCrawlMode(60 + i)?.label).toBe(c.terminal);
    }
  });

  it("names each class once, and only HARD and ROBOT are opt-outs", () => {
    expect(new Set(ERROR_CLASSES).size).toBe(13);
    expect(ERROR_CLASSES.filter(isOptOut)).toEqual(["HARD", "ROBOT"]);
  });
});
