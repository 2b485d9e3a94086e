import { describe, expect, it } from "vitest";
import type { Instance } from "../../src/serve/data.ts";
import { parseInstanceQuery, selectInstances } from "../../src/serve/instances.ts";

const instance = (domain: string, mau: number, extra: Partial<Instance> = {}): Instance => ({
  domain, version: "4.5.6", fullVersion: null, mau, branch: "4.5", role: "latest", patched: true, eol: false, lastSeen: "2026-11-23T00:00:00.000Z", failing: null, ...extra,
});

describe("selectInstances", () => {
  // In the snapshot's order (loadSnapshot): largest first, ties by domain.
  const listed = Array.from({ length: 3000 }, (_, i) => instance(`s${i}.example`, (i * 7919) % 1000, { patched: i % 3 !== 0, eol: i % 5 === 0 })).sort(
    (a, b) => b.mau - a.mau || (a.domain < b.domain ? -1 : 1),
  );

  it("finds exactly what a plain scan finds, in the same order, for any text and filter", () => {
    for (const q of ["s1", "99", ".ex", "s2999.example", "0.e", "xyz", "e\u00e9"]) {
      for (const filter of ["all", "unpatched", "eol"] as const) {
        const query = parseInstanceQuery({ q, filter, per_page: "200" });
        const got = selectInstances(listed, query);
        const sorted = [...listed].sort((a, b) => b.mau - a.mau || (a.domain < b.domain ? -1 : 1));
        const want = sorted.filter((i) => i.domain.includes(q) && (filter === "all" || (filter === "eol" ? i.eol : !i.patched)));
        expect(got.total, `${q} ${filter}`).toBe(want.length);
        expect(got.instances.map((i) => i.domain)).toEqual(want.slice(0, 200).map((i) => i.domain));
      }
    }
  });

  it("pages every other order from its own sort", () => {
    const byDomain = selectInstances(listed, parseInstanceQuery({ sort: "domain", per_page: "5" }));
    expect(byDomain.instances.map((i) => i.domain)).toEqual(listed.map((i) => i.domain).sort().slice(0, 5));
    const leastFirst = selectInstances(listed, parseInstanceQuery({ sort: "mau", order: "asc", per_page: "3" }));
    expect(leastFirst.instances.map((i) => i.mau)).toEqual([0, 0, 0]);
  });

  it("never matches across two domains", () => {
    const two = [instance("ab.example", 2), instance("cd.example", 1)];
    expect(selectInstances(two, parseInstanceQuery({ q: "examplecd" })).total).toBe(0);
    expect(selectInstances(two, parseInstanceQuery({ q: "example" })).total).toBe(2);
  });
});
