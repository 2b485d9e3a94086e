import { describe, expect, it } from "vitest";
import { type ArrayEntry, JsonArrayError, JsonArrayStream } from "../../src/peers/json-stream.ts";

/** Reads `body` split into the given chunks; returns the entries or the error. */
function read(chunks: Buffer[], maxStringBytes?: number): ArrayEntry[] | JsonArrayError {
  const entries: ArrayEntry[] = [];
  const stream = new JsonArrayStream((e) => entries.push(e), maxStringBytes);
  try {
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
    return entries;
  } catch (err) {
    if (err instanceof JsonArrayError) return err;
    throw err;
  }
}

/** What the entries must be, from JSON.parse of the whole body. */
function expected(body: string): ArrayEntry[] {
  return (JSON.parse(body) as unknown[]).map((v) =>
    typeof v === "string"
      ? { kind: "string", value: v }
      : { kind: "other", type: v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "object" ? "object" : (typeof v as "number" | "boolean") },
  );
}

const VALID = [
  "[]",
  " [ ] ",
  '["a.example","b.example"]',
  '[ "mas.to" ,\n\t"🍕.ws" , "Bücher.Example" ]',
  '["quote\\"d", "back\\\\slash", "\\u00e9t\\u00e9.example", "\\ud83c\\udf55.ws", "tab\\there", "slash\\/"]',
  '[12345, -1.5e3, 0, true, false, null, {"domain": "x.example", "n": [1, "]", "}"]}, [[], ["a"]], "after.example"]',
  '["[not", "an]", "{object}", ",", ":"]',
];

describe("JsonArrayStream", () => {
  it.each(VALID)("reads %j like JSON.parse, whole or split anywhere", (body) => {
    const bytes = Buffer.from(body);
    const want = expected(body);
    expect(read([bytes])).toEqual(want);
    expect(read([...bytes].map((b) => Buffer.from([b])))).toEqual(want);
    for (let cut = 0; cut <= bytes.length; cut++) expect(read([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(want);
  });

  it("skips a UTF-8 byte order mark", () => {
    expect(read([Buffer.from("\ufeff[\"a.example\"]")])).toEqual([{ kind: "string", value: "a.example" }]);
  });

  it("reports a string over the limit without keeping it, whole or split", () => {
    const long = "x".repeat(5000);
    const body = Buffer.from(`["${long}","ok.example"]`);
    const want = [{ kind: "long-string" }, { kind: "string", value: "ok.example" }];
    expect(read([body], 100)).toEqual(want);
    expect(read([body.subarray(0, 50), body.subarray(50, 3000), body.subarray(3000)], 100)).toEqual(want);
  });

  it.each([
    ["", /the body is empty, not a JSON array/],
    ['{"peers": []}', /expected a JSON array \('\['\), found '\{'/],
    ["<!DOCTYPE html><html>", /expected a JSON array \('\['\), found '<'/],
    ['"a.example"', /expected a JSON array/],
    ['["a.example"', /the body ends before the array does/],
    ['["a.exam', /the body ends before the array does/],
    ['["a.example",]', /expected a value, found '\]'/],
    ['[,"a.example"]', /expected a value, found ','/],
    ['["a" "b"]', /expected ',' or '\]' after a value, found '"'/],
    ['["a"] x', /unexpected 'x' after the end of the array/],
    ['["a\nb"]', /a control character inside a string/],
    ['["\\x41"]', /a string with an invalid escape/],
    ["[nope]", /"nope" is not a JSON value/],
    ["[12", /the body ends inside a value/],
  ])("refuses %j", (body, message) => {
    const result = read([Buffer.from(body)]);
    expect(result).toBeInstanceOf(JsonArrayError);
    expect((result as JsonArrayError).message).toMatch(message);
  });

  it("says where the body stops being an array, across chunks", () => {
    const result = read([Buffer.from('["a.example", '), Buffer.from('"b.example" ;')]);
    expect(result).toBeInstanceOf(JsonArrayError);
    expect((result as JsonArrayError).offset).toBe(26);
  });

  it("hands out entries as they end, before the body does", () => {
    const seen: string[] = [];
    const stream = new JsonArrayStream((e) => seen.push(e.kind === "string" ? e.value : e.kind));
    stream.write(Buffer.from('["a.example", "b.ex'));
    expect(seen).toEqual(["a.example"]);
    stream.write(Buffer.from('ample"'));
    expect(seen).toEqual(["a.example", "b.example"]);
  });
});
