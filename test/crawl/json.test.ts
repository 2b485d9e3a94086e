import { describe, expect, it } from "vitest";
import { parseLenientJson } from "../../src/crawl/json.ts";

describe("parseLenientJson", () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['\uFEFF{"a":1}', { a: 1 }],
    ['{"a":[1,2,],}', { a: [1, 2] }],
    ['{"a":"x,}", "b":[1 , ] , }', { a: "x,}", b: [1] }],
    ['{"a":1} trailing garbage', { a: 1 }],
    ['{"a":1}<!-- cache: hit -->', { a: 1 }],
    ['[1,2,3]\n\n', [1, 2, 3]],
    ['  "text"  ', "text"],
  ])("accepts %j", (input, value) => {
    expect(parseLenientJson(input)).toEqual({ ok: true, value });
  });

  it.each([
    ["", "EMPTY"],
    ["   \n", "EMPTY"],
    ["\uFEFF", "EMPTY"],
    ['{"links":[{"rel":', "INVALID"],
    ['{"version":"2.0","software":{"name":"mastodon"', "INVALID"],
    ["<<this is not json>> {", "INVALID"],
    ["<!DOCTYPE html><html></html>", "INVALID"],
    ["{'single': 'quotes'}", "INVALID"],
  ])("refuses %j as %s", (input, cause) => {
    expect(parseLenientJson(input)).toMatchObject({ ok: false, cause });
  });

  it("reads a Buffer as UTF-8", () => {
    expect(parseLenientJson(Buffer.from('{"name":"café"}'))).toEqual({ ok: true, value: { name: "café" } });
  });
});
