import { describe, expect, it } from "vitest";
import { isIsoDate } from "../src/dates.ts";

describe("isIsoDate", () => {
  it.each([
    ["2026-11-23", true],
    ["2024-02-29", true],
    ["2026-02-29", false],
    ["2026-02-30", false],
    ["2026-13-01", false],
    ["2026-00-10", false],
    ["2026-1-5", false],
    ["23.11.2026", false],
    ["", false],
  ])("%j: %s", (text, valid) => {
    expect(isIsoDate(text)).toBe(valid);
  });
});
