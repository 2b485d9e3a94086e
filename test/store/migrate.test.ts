import { describe, expect, it } from "vitest";
import { planMigrations } from "../../src/store/migrate.ts";
import type { Migration } from "../../src/store/migrations.ts";

const m = (version: number, checksum = `sum${version}`): Migration => ({ version, name: `m${version}`, sql: "", checksum });
const known = [m(1), m(2), m(3)];

describe("planMigrations", () => {
  it("plans every migration for a fresh database, oldest first", () => {
    expect(planMigrations(known, []).map((x) => x.version)).toEqual([1, 2, 3]);
  });

  it("plans only what is missing", () => {
    expect(planMigrations(known, [m(1), m(2)]).map((x) => x.version)).toEqual([3]);
    expect(planMigrations(known, [m(1), m(2), m(3)])).toEqual([]);
  });

  it("refuses a database that has a migration this binary does not know", () => {
    expect(() => planMigrations(known, [m(1), m(2), m(3), m(4)])).toThrow(
      "the database has schema migration 4 (m4), which this vmcrawl does not know (it knows up to 3); use a newer vmcrawl with this database",
    );
  });

  it("refuses a migration whose text changed after it was applied", () => {
    let err: { code?: string; message?: string } | undefined;
    try {
      planMigrations(known, [m(1), m(2, "edited")]);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.code).toBe("MIGRATION");
    expect(err?.message).toMatch(/schema migration 2 \(m2\) was applied from a different text/);
  });
});
