import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MAX_CSV_COMMAS, MAX_CSV_ROW, MAX_CSV_ROWS, parseCsv } from "../../src/manage/csv.ts";
import { DNI_MAX_BYTES } from "../../src/manage/dni.ts";
import { spend } from "../support/budget.ts";

describe("parseCsv", () => {
  it("reads RFC 4180 with any line ending and a byte order mark, each row with the line it starts on", () => {
    expect(parseCsv('\uFEFF#domain,#severity\r\n"a.example","say ""no"""\n\n"multi\nline",x\rlast.example')).toEqual({
      rows: [
        { line: 1, fields: ["#domain", "#severity"] },
        { line: 2, fields: ["a.example", 'say "no"'] },
        { line: 4, fields: ["multi\nline", "x"] },
        { line: 6, fields: ["last.example"] },
      ],
    });
  });

  it("reports a quote left open with the row it starts on, keeping the rows before", () => {
    expect(parseCsv('#domain\r\nok.example\r\n"open.example,suspend\r\nmore\r\n')).toEqual({
      rows: [
        { line: 1, fields: ["#domain"] },
        { line: 2, fields: ["ok.example"] },
      ],
      error: "the row starting on line 3 has a quoted field that is never closed",
    });
  });

  it("refuses a row longer than its cap, more commas than its cap, and stops at the row cap", () => {
    expect(parseCsv(",".repeat(MAX_CSV_COMMAS + 1))).toEqual({ rows: [], error: `more than ${MAX_CSV_COMMAS} commas` });
    expect(parseCsv(",".repeat(MAX_CSV_COMMAS)).rows[0]!.fields).toHaveLength(MAX_CSV_COMMAS + 1);
    expect(parseCsv(`a\n${"x".repeat(MAX_CSV_ROW + 100)}\n`).error).toBe(`the row after line 1 is longer than ${MAX_CSV_ROW} characters`);
    const many = parseCsv("x\n".repeat(MAX_CSV_ROWS + 10));
    expect(many.rows).toHaveLength(MAX_CSV_ROWS);
    expect(many.error).toBe(`more than ${MAX_CSV_ROWS} rows`);
  });
});

/** Generous for a loaded 2-core machine; csv-parse reads these in a few hundred ms. */
const BUDGET_MS = 2000;

describe("a DNI list from a hostile server", () => {
  const TARGETS = fileURLToPath(new URL("../support/budget-targets.ts", import.meta.url));
  /** As large as `manage dni import` reads one. */
  const SIZE = DNI_MAX_BYTES;
  const fill = (head: string, unit: string) => head + unit.repeat(Math.floor((SIZE - head.length) / unit.length));

  it.each([
    ["one quote that never closes", fill('#domain\n"', "a")],
    ["doubled quotes without end", fill('#domain\n"', '""')],
    ["commas only", fill("#domain\n", ",")],
    ["as many commas as allowed, in one row", `#domain\n${",".repeat(MAX_CSV_COMMAS)}`],
    ["a million short rows", fill("#domain\n", "a.example\n")],
    ["line breaks only", fill("#domain\n", "\r\n")],
  ])("%s: parsed or refused within the time and memory budget", async (_name, text) => {
    const spent = await spend({ module: TARGETS, name: "dniVerdict", args: [text], heapMb: 128 });
    expect(spent.ms).toBeLessThan(BUDGET_MS);
    expect(spent.result).toEqual(expect.objectContaining(typeof spent.result === "object" && spent.result !== null && "refused" in spent.result ? { refused: expect.stringMatching(/^the DNI list/) } : { domains: expect.any(Number) }));
  });
});
