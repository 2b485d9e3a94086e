import { describe, expect, it } from "vitest";
import { createResolver, type ResolverOptions } from "../../src/net/dns.ts";

function scripted(answers: Record<string, (string[] | string)[]>) {
  const calls: string[] = [];
  const query = async (hostname: string, family: 4 | 6) => {
    calls.push(`${hostname}/${family}`);
    const script = answers[`${hostname}/${family}`] ?? ["ENODATA"];
    const next = script.length > 1 ? script.shift()! : script[0]!;
    if (typeof next === "string") throw Object.assign(new Error(next), { code: next });
    return next;
  };
  return { query, calls };
}

function resolver(query: ResolverOptions["query"], overrides: Partial<ResolverOptions> = {}) {
  const sleeps: number[] = [];
  let clock = 0;
  const r = createResolver({
    servers: [],
    attempts: 3,
    baseDelayMs: 80,
    jitterMs: 40,
    maxTotalDelayMs: 500,
    attemptTimeoutMs: 1000,
    query,
    now: () => clock,
    random: () => 1, // +jitter every time: the largest delays
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
  return { r, sleeps, advance: (ms: number) => (clock += ms) };
}

describe("createResolver", () => {
  it("returns IPv4 and IPv6 addresses together", async () => {
    const { query } = scripted({ "a.example/4": [["1.2.3.4"]], "a.example/6": [["2001:db8::1"]] });
    expect(await resolver(query).r.resolve("a.example")).toEqual(["1.2.3.4", "2001:db8::1"]);
  });

  it("reports NXDOMAIN at once, without retrying", async () => {
    const { query, calls } = scripted({ "gone.example/4": ["ENOTFOUND"], "gone.example/6": ["ENOTFOUND"] });
    const { r, sleeps } = resolver(query);
    await expect(r.resolve("gone.example")).rejects.toMatchObject({ name: "DnsFailure", code: "NXDOMAIN" });
    expect(calls).toHaveLength(2);
    expect(sleeps).toEqual([]);
  });

  it("reports a name without addresses as NODATA", async () => {
    const { query } = scripted({});
    await expect(resolver(query).r.resolve("mx-only.example")).rejects.toMatchObject({ code: "NODATA" });
  });

  it("retries SERVFAIL with exponential backoff and jitter, inside the total budget", async () => {
    const { query, calls } = scripted({ "flaky.example/4": ["ESERVFAIL", "ESERVFAIL", ["5.6.7.8"]], "flaky.example/6": ["ESERVFAIL", "ESERVFAIL", "ENODATA"] });
    const { r, sleeps } = resolver(query);
    expect(await r.resolve("flaky.example")).toEqual(["5.6.7.8"]);
    expect(sleeps).toEqual([120, 200]); // 80·2⁰+40, 80·2¹+40
    expect(calls.filter((c) => c.endsWith("/4"))).toHaveLength(3);
  });

  it("gives up after the configured attempts with the last failure", async () => {
    const { query, calls } = scripted({ "down.example/4": ["ETIMEOUT"], "down.example/6": ["ETIMEOUT"] });
    const { r, sleeps } = resolver(query, { attempts: 4, maxTotalDelayMs: 300 });
    await expect(r.resolve("down.example")).rejects.toMatchObject({ code: "TIMEOUT" });
    expect(calls.filter((c) => c.endsWith("/4"))).toHaveLength(4);
    // 120 + 180 (budget left of 200) + 0 (budget spent): the total never exceeds 300.
    expect(sleeps).toEqual([120, 180]);
  });

  it("reports what the server answered over a query that went unanswered", async () => {
    // One family times out while the other gets SERVFAIL: the server is there and refuses.
    const mixed = scripted({ "m.example/4": ["ETIMEOUT"], "m.example/6": ["ESERVFAIL"] });
    await expect(resolver(mixed.query, { attempts: 1 }).r.resolve("m.example")).rejects.toMatchObject({ code: "SERVFAIL" });
    // SERVFAIL on earlier attempts, then a lost packet on the last: still SERVFAIL.
    const late = scripted({ "l.example/4": ["ESERVFAIL", "ESERVFAIL", "ETIMEOUT"], "l.example/6": ["ESERVFAIL", "ESERVFAIL", "ETIMEOUT"] });
    await expect(resolver(late.query).r.resolve("l.example")).rejects.toMatchObject({ code: "SERVFAIL" });
    expect(late.calls).toHaveLength(6);
  });

  it("never sleeps with a zero budget, but still retries", async () => {
    const { query, calls } = scripted({ "x.example/4": ["ESERVFAIL"], "x.example/6": ["ESERVFAIL"] });
    const { r, sleeps } = resolver(query, { maxTotalDelayMs: 0 });
    await expect(r.resolve("x.example")).rejects.toMatchObject({ code: "SERVFAIL" });
    expect(sleeps).toEqual([]);
    expect(calls).toHaveLength(6);
  });

  it("caches answers for five minutes, and only answers", async () => {
    const { query, calls } = scripted({ "c.example/4": [["1.1.1.1"]], "bad.example/4": ["ENOTFOUND"], "bad.example/6": ["ENOTFOUND"] });
    const { r, advance } = resolver(query);
    await r.resolve("c.example");
    await r.resolve("C.Example");
    expect(calls).toHaveLength(2);
    advance(299_999);
    await r.resolve("c.example");
    expect(calls).toHaveLength(2);
    advance(2);
    await r.resolve("c.example");
    expect(calls).toHaveLength(4);
    await expect(r.resolve("bad.example")).rejects.toThrow();
    await expect(r.resolve("bad.example")).rejects.toThrow();
    expect(calls).toHaveLength(8);
  });

  it("holds at most the configured number of names, dropping the least recently used", async () => {
    const { query, calls } = scripted({ "a.x/4": [["1.0.0.1"]], "b.x/4": [["1.0.0.2"]], "c.x/4": [["1.0.0.3"]] });
    const { r } = resolver(query, { cacheEntries: 2 });
    await r.resolve("a.x");
    await r.resolve("b.x");
    await r.resolve("a.x"); // a is now the most recent
    await r.resolve("c.x"); // b goes
    expect(r.cacheSize).toBe(2);
    const before = calls.length;
    await r.resolve("a.x");
    expect(calls.length).toBe(before);
    await r.resolve("b.x");
    expect(calls.length).toBe(before + 2);
  });

  it("shares one query between concurrent lookups of a name", async () => {
    const { query, calls } = scripted({ "s.example/4": [["9.9.9.9"]] });
    const { r } = resolver(query);
    const results = await Promise.all([r.resolve("s.example"), r.resolve("s.example"), r.resolve("s.example")]);
    expect(results).toEqual([["9.9.9.9"], ["9.9.9.9"], ["9.9.9.9"]]);
    expect(calls).toHaveLength(2);
  });
});
