import { describe, expect, it } from "vitest";
import { FetchProgress, renderFetchHeartbeat, renderFetchLive } from "../../src/peers/progress.ts";

describe("fetch progress", () => {
  it("counts entries of finished lists and of lists in flight, new names, and each list's time", () => {
    let now = 0;
    const progress = new FetchProgress(3, () => now);
    progress.read("a.social", 0);
    now = 1000;
    progress.read("b.social", 0);
    progress.read("a.social", 20_000);
    progress.addedNames(1500);
    now = 3000;
    const s = progress.snapshot();
    expect(s).toMatchObject({ total: 3, done: 0, entries: 20_000, added: 1500, elapsedMs: 3000 });
    expect(s.reading).toEqual([
      { source: "a.social", entries: 20_000, ms: 3000 },
      { source: "b.social", entries: 0, ms: 2000 },
    ]);
    progress.finished("a.social", 25_000);
    progress.read("b.social", 10_000);
    expect(progress.snapshot()).toMatchObject({ done: 1, entries: 35_000, reading: [{ source: "b.social", entries: 10_000 }] });
  });

  it("renders a live block and a heartbeat line", () => {
    let now = 0;
    const progress = new FetchProgress(2, () => now);
    progress.read("big.social", 1_234_567);
    progress.addedNames(1000);
    now = 65_000;
    const lines = renderFetchLive(progress.snapshot(), { width: 200 });
    expect(lines[0]).toBe("vmcrawl fetching peers: 0 / 2 servers  1,234,567 entries read  1,000 new  elapsed 1m05s");
    expect(lines[1]).toBe("  reading: 1");
    expect(lines[2]).toMatch(/^ {4}big\.social +1,234,567 entries {2}65\.0s$/);
    expect(renderFetchHeartbeat(progress.snapshot())).toBe("heartbeat: fetch 0/2 servers, 1,234,567 entries read, 1,000 new, 1 list being read, elapsed 1m05s");
    // Narrow terminals get cut lines, never wrapped ones.
    expect(renderFetchLive(progress.snapshot(), { width: 30 }).every((l) => l.length <= 30)).toBe(true);
  });

  it("shows at most the lists that fit, and says how many more", () => {
    const progress = new FetchProgress(20, () => 0);
    for (let i = 0; i < 12; i++) progress.read(`s${i}.social`, i);
    const lines = renderFetchLive(progress.snapshot(), { width: 200, maxReading: 5 });
    expect(lines).toHaveLength(2 + 5 + 1);
    expect(lines.at(-1)).toBe("    … and 7 more");
  });
});
