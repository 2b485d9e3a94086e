/**
 * host-meta, webfinger, JSON and NodeInfo answers written by an attacker, each as large as the
 * crawler reads (SMALL_ANSWER_BYTES), parsed in a worker with a capped heap (test/support/budget.ts).
 * The code this replaced took about 25 s for 256 KiB of repeated `<Link` and 3 s and 335 MiB of
 * heap for one 10 MiB invalid JSON body.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FORGIVING_LIMIT } from "../../src/crawl/json.ts";
import { SMALL_ANSWER_BYTES } from "../../src/crawl/probe.ts";
import { spend } from "../support/budget.ts";

const TARGETS = fileURLToPath(new URL("../support/budget-targets.ts", import.meta.url));
const DISCOVERY = fileURLToPath(new URL("../../src/crawl/discovery.ts", import.meta.url));
/** Generous for a loaded 2-core machine (a 1 MiB JSON.parse in a small heap takes up to a few hundred ms), far below the seconds the old scans took. */
const BUDGET_MS = 1000;
const HEAP_MB = 64;

/** `unit` repeated to `size` characters, between `head` and `tail`. */
function fill(head: string, unit: string, tail = "", size = SMALL_ANSWER_BYTES): string {
  const room = size - head.length - tail.length;
  return head + unit.repeat(Math.floor(room / unit.length)) + tail;
}

describe("host-meta from a hostile server", () => {
  it.each([
    ["unclosed <Link, repeated", fill("", "<Link")],
    ["unclosed <Link with an attribute, repeated", fill("", '<Link rel="lrdd" ')],
    ["one element with endless attributes", fill("<XRD><Link ", "a='1' ", ">")],
    ["one attribute value that never closes", fill('<Link rel="lrdd" template="', "a")],
    ["namespaced Links, none lrdd", fill("<xrd:XRD>", '<xrd:Link rel="author" template="https://b.example/{uri}"/>')],
    ["only angle brackets", fill("", "<")],
    ["one 40,000-character element", `<Link rel="lrdd" ${"x ".repeat(20_000)}template="https://social.example.net/{uri}"/>`],
  ])("%s: within the time and memory budget", async (_name, xml) => {
    const spent = await spend({ module: DISCOVERY, name: "backendFromHostMeta", args: [xml, "example.net"], heapMb: HEAP_MB });
    expect(spent.ms).toBeLessThan(BUDGET_MS);
  });

  it("still finds the backend after a flood of junk inside the part it reads", async () => {
    const xml = `${"<Link".repeat(10_000)}<Link rel="lrdd" template="https://social.example.net/.well-known/webfinger?resource={uri}"/>`;
    const spent = await spend({ module: DISCOVERY, name: "backendFromHostMeta", args: [xml, "example.net"], heapMb: HEAP_MB });
    expect(spent.result).toBe("social.example.net");
  });
});

describe("webfinger from a hostile server", () => {
  it.each([
    ["a hundred thousand aliases", JSON.stringify({ aliases: Array.from({ length: 100_000 }, () => "https://a.example/x") }).slice(0, SMALL_ANSWER_BYTES)],
    ["aliases with trailing commas, too large to forgive", fill('{"aliases":[', '"https://a.example/",', "]}")],
    ["one alias as long as the answer", JSON.stringify({ aliases: [`https://${"a".repeat(SMALL_ANSWER_BYTES - 40)}.example/`] })],
  ])("%s: within the time and memory budget", async (_name, body) => {
    const spent = await spend({ module: DISCOVERY, name: "backendFromWebfinger", args: [body, "example.net"], heapMb: HEAP_MB });
    expect(spent.ms).toBeLessThan(BUDGET_MS);
  });
});

describe("JSON from a hostile server", () => {
  const forgivable = (unit: string, tail: string) => fill("[", unit, tail, FORGIVING_LIMIT);
  it.each([
    ["trailing commas at the forgiving limit", forgivable("1,", "1,]"), true],
    ["commas each followed by a run of spaces", forgivable(",          ", "]"), false],
    ["garbage after a value at the forgiving limit", `{"a":1}${"x".repeat(FORGIVING_LIMIT - 8)}`, true],
    ["an array that never closes", forgivable('"a",', ""), false],
    ["escapes inside one long string", `["${"\\\\".repeat(FORGIVING_LIMIT / 2 - 4)}",]`, true],
    ["trailing commas past the forgiving limit", fill("[", "1,", ",]"), false],
    // The size any JSON answer could have before the endpoint limits: the rewrites once took 335 MiB of heap for it.
    ["a trailing comma after a 10 MiB string", fill('{"a":"', "x", '",}', 10 * SMALL_ANSWER_BYTES), false],
    ["nesting a million levels deep", "[".repeat(SMALL_ANSWER_BYTES / 2) + "]".repeat(SMALL_ANSWER_BYTES / 2), false],
    ["nesting past the limit inside a valid document", `{"a":${"[".repeat(100)}${"]".repeat(100)}}`, false],
    ["a valid document of the largest size", JSON.stringify(Array.from({ length: SMALL_ANSWER_BYTES / 16 }, (_, i) => ({ n: i }))).slice(0, SMALL_ANSWER_BYTES - 2) + "]", undefined],
  ])("%s: within the time and memory budget", async (_name, text, ok) => {
    const spent = await spend({ module: TARGETS, name: "jsonVerdict", args: [text], heapMb: HEAP_MB });
    expect(spent.ms).toBeLessThan(BUDGET_MS);
    if (ok !== undefined) expect((spent.result as { ok: boolean }).ok).toBe(ok);
  });
});

describe("NodeInfo from a hostile server", () => {
  const document = (software: unknown, users: unknown) => JSON.stringify({ version: "2.0", software, usage: { users } });
  it.each([
    ["a version as long as the answer", document({ name: "mastodon", version: `4.3.2${"a".repeat(SMALL_ANSWER_BYTES - 200)}` }, { total: 2, activeMonth: 1 }), "JSON/VERSION"],
    ["a version of digits only", document({ name: "mastodon", version: "9".repeat(SMALL_ANSWER_BYTES - 200) }, { total: 2, activeMonth: 1 }), "JSON/VERSION"],
    ["a software name as long as the answer", document({ name: "m".repeat(SMALL_ANSWER_BYTES - 200), version: "1.0.0" }, { total: 2, activeMonth: 1 }), undefined],
    ["a user count nested deeper than any answer", document({ name: "mastodon", version: "4.3.2" }, { total: JSON.parse("[".repeat(60) + "]".repeat(60)), activeMonth: 1 }), "JSON/USERS"],
    ["user counts over PostgreSQL's int", document({ name: "mastodon", version: "4.3.2" }, { total: 2 ** 31, activeMonth: 2 ** 31 }), "JSON/USERS"],
    ["a hundred thousand links", JSON.stringify({ links: Array.from({ length: 100_000 }, () => ({ rel: "x", href: "https://a.example/nodeinfo/2.0" })) }).slice(0, SMALL_ANSWER_BYTES - 2) + "]}", undefined],
  ])("%s: within the time and memory budget", async (_name, text, verdict) => {
    const spent = await spend({ module: TARGETS, name: "nodeinfoVerdict", args: [text], heapMb: HEAP_MB });
    expect(spent.ms).toBeLessThan(BUDGET_MS);
    if (verdict !== undefined) expect(spent.result).toBe(verdict);
  });
});
