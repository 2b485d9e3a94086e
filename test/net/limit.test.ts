import { describe, expect, it } from "vitest";
import { PerHostLimit } from "../../src/net/limit.ts";

describe("PerHostLimit", () => {
  it("lets at most N requests per host run, others wait in order; hosts are independent", async () => {
    const limit = new PerHostLimit(2);
    const order: string[] = [];
    const r1 = await limit.acquire("a");
    const r2 = await limit.acquire("a");
    const other = await limit.acquire("b");
    const third = limit.acquire("a").then((release) => {
      order.push("third");
      return release;
    });
    const fourth = limit.acquire("a").then((release) => {
      order.push("fourth");
      return release;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    r1();
    (await third)();
    r2();
    (await fourth)();
    expect(order).toEqual(["third", "fourth"]);
    other();
    expect(limit.busyHosts).toBe(0);
  });

  it("hands a freed slot to a waiter so no newcomer slips past the limit", async () => {
    const limit = new PerHostLimit(1);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const release = await limit.acquire("h");
        peak = Math.max(peak, ++active);
        await new Promise((r) => setTimeout(r, Math.random() * 2));
        active--;
        release();
      }),
    );
    expect(peak).toBe(1);
    expect(limit.busyHosts).toBe(0);
  });

  it("stops waiting when the domain's deadline passes, leaves the queue, and the next waiter still gets the slot", async () => {
    const limit = new PerHostLimit(1);
    const held = await limit.acquire("slow.example");
    const deadline = new AbortController();
    const late = limit.acquire("slow.example", deadline.signal);
    const next = limit.acquire("slow.example");
    deadline.abort(new Error("the domain's time ran out"));
    await expect(late).rejects.toThrow("the domain's time ran out");
    held();
    (await next)();
    expect(limit.busyHosts).toBe(0);
    await expect(limit.acquire("slow.example", deadline.signal)).rejects.toThrow("the domain's time ran out");
  });

  it("refuses a limit below 1", () => {
    expect(() => new PerHostLimit(0)).toThrow(RangeError);
  });
});
