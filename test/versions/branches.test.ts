/**
 * The branch model's operations on both dialects, each from the seeded tables: promote, EOL,
 * reorder, latest versions, nightly ranges; a refusal says why and changes nothing.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { PostgresStore } from "../../src/store/postgres.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { addNightly, markEol, promoteMain, readBranches, reorderReleases, setLatest, setNightlyEnd, versionInfo } from "../../src/versions/branches.ts";
import { freshDatabase } from "../support/postgres.ts";

const server = inject("postgres");
const open: (SqliteStore | PostgresStore)[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const dialects: [string, () => Promise<SqliteStore | PostgresStore>][] = [
  [
    "sqlite",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "vmcrawl-branches-"));
      return new SqliteStore(join(dir, "vmcrawl.db"), { cacheDir: dir });
    },
  ],
  ["postgres", async () => new PostgresStore(await freshDatabase(server!, "branches"))],
];

/** "level branch status latest" lines, in level order. */
async function table(store: SqliteStore | PostgresStore): Promise<string[]> {
  return (await readBranches(store.query)).map((b) => `${b.nLevel} ${b.branch} ${b.status} ${b.latest}`);
}

const SEEDED = ["-1 4.6 main 4.6.0-alpha.4", "0 4.5 release 4.5.6", "1 4.4 release 4.4.13", "2 4.3 release 4.3.19", "3 4.2 eol 4.2.29", "4 4.1 eol 4.1.22", "5 4.0 eol 4.0.15"];

describe.each(dialects)("the branch model (%s)", (name, openStore) => {
  const seeded = async () => {
    const store = await openStore();
    open.push(store);
    await store.migrate();
    return store;
  };
  const run = it.skipIf(name === "postgres" && server === null);

  run("promotes main to the latest release, moves every branch down, and starts the next minor", async () => {
    const store = await seeded();
    expect(await promoteMain(store)).toEqual({ promoted: "4.6", main: "4.7" });
    expect(await table(store)).toEqual([
      "-1 4.7 main 4.7.0-alpha.0",
      "0 4.6 release 4.6.0",
      "1 4.5 release 4.5.6",
      "2 4.4 release 4.4.13",
      "3 4.3 release 4.3.19",
      "4 4.2 eol 4.2.29",
      "5 4.1 eol 4.1.22",
      "6 4.0 eol 4.0.15",
    ]);
  });

  run("marks a release branch end-of-life and moves it after the releases, so roles follow", async () => {
    const store = await seeded();
    await markEol(store, "4.4");
    expect(await table(store)).toEqual(["-1 4.6 main 4.6.0-alpha.4", "0 4.5 release 4.5.6", "1 4.3 release 4.3.19", "2 4.4 eol 4.4.13", "3 4.2 eol 4.2.29", "4 4.1 eol 4.1.22", "5 4.0 eol 4.0.15"]);
    await expect(markEol(store, "4.2")).rejects.toThrow("branch 4.2 is already end-of-life");
    await expect(markEol(store, "4.9")).rejects.toThrow("branch 4.9 is not a release branch (release branches: 4.5, 4.3)");
  });

  run("reorders release branches without colliding on the level; refuses an order that is not exactly them", async () => {
    const store = await seeded();
    await reorderReleases(store, ["4.3", "4.5", "4.4"]);
    expect((await table(store)).slice(1, 4)).toEqual(["0 4.3 release 4.3.19", "1 4.5 release 4.5.6", "2 4.4 release 4.4.13"]);
    const before = await table(store);
    await expect(reorderReleases(store, ["4.5", "4.5", "4.2"])).rejects.toThrow("the new order must list each release branch (4.3, 4.5, 4.4) once: missing 4.3, 4.4; not release branches: 4.2; given twice: 4.5");
    expect(await table(store)).toEqual(before);
  });

  run("updates the latest of tracked branches only, and says what changed", async () => {
    const store = await seeded();
    expect(await setLatest(store, new Map([["4.5", "4.5.7"], ["4.4", "4.4.13"], ["3.9", "3.9.1"], ["4.6", "4.6.0-alpha.5"]]))).toEqual([
      { branch: "4.6", from: "4.6.0-alpha.4", to: "4.6.0-alpha.5" },
      { branch: "4.5", from: "4.5.6", to: "4.5.7" },
    ]);
    await expect(setLatest(store, new Map([["4.5", "latest"]]))).rejects.toThrow('"latest" for branch 4.5 is not a version');
    expect((await table(store)).length).toBe(SEEDED.length);
  });

  run("adds a nightly range, ending the open one the day before; pins a security build; refuses what does not fit", async () => {
    const store = await seeded();
    expect(await addNightly(store, { version: "4.6.0-alpha.4", start: "2026-02-20" })).toEqual({ closed: ["4.6.0-alpha.3"] });
    const ranges = async () => (await store.query("SELECT version, start_date, end_date, is_security FROM nightly_versions WHERE version LIKE '4.6.%' ORDER BY start_date, version", [])).map((r) => `${r.version} ${r.start_date} ${r.end_date}${r.is_security ? " security" : ""}`);
    expect((await ranges()).slice(-2)).toEqual(["4.6.0-alpha.3 2026-01-21 2026-02-19", "4.6.0-alpha.4 2026-02-20 2099-12-31"]);
    await addNightly(store, { version: "4.6.0-alpha.4", start: "2026-03-02", isSecurity: true });
    expect((await ranges()).at(-1)).toBe("4.6.0-alpha.4 2026-03-02 2026-03-02 security");
    await expect(addNightly(store, { version: "4.6.0-alpha.4", start: "2026-03-05" })).rejects.toThrow("4.6.0-alpha.4 already has a range; change its end date instead");
    await expect(addNightly(store, { version: "4.6.1", start: "2026-03-05" })).rejects.toThrow('"4.6.1" is not a pre-release version');
    await expect(addNightly(store, { version: "4.6.0-alpha.5", start: "2026-02-30" })).rejects.toThrow('start date "2026-02-30" is not a date');
    await expect(addNightly(store, { version: "4.6.0-alpha.5", start: "2026-03-01", end: "2026-13-01" })).rejects.toThrow('end date "2026-13-01" is not a date');
    await expect(setNightlyEnd(store, "4.6.0-alpha.4", "2026-00-10")).rejects.toThrow('end date "2026-00-10" is not a date');
    await expect(addNightly(store, { version: "4.6.0-alpha.5", start: "2026-03-05", end: "2026-03-01" })).rejects.toThrow("the end date 2026-03-01 is before the start date 2026-03-05");
    await setNightlyEnd(store, "4.6.0-alpha.4", "2026-04-01");
    expect((await ranges()).find((r) => r.startsWith("4.6.0-alpha.4 2026-02-20"))).toBe("4.6.0-alpha.4 2026-02-20 2026-04-01");
    await expect(setNightlyEnd(store, "4.6.0-alpha.4", "2026-01-01")).rejects.toThrow("the end date 2026-01-01 is before the range's start 2026-02-20");
    await expect(setNightlyEnd(store, "9.9.9-alpha.1", "2026-01-01")).rejects.toThrow("no nightly range for 9.9.9-alpha.1");
  });

  run("starts from the seeded branches, and shows them by role with today's nightly", async () => {
    const store = await seeded();
    expect(await table(store)).toEqual(SEEDED);
    expect(await versionInfo(store.query, "2026-03-01")).toBe(
      [
        "Main development version:",
        "  Branch: 4.6  Status: main  n_level: -1  Latest: 4.6.0-alpha.4",
        "Active release branches:",
        "  Branch: 4.5  Status: release  n_level: 0  Latest: 4.5.6",
        "  Branch: 4.4  Status: release  n_level: 1  Latest: 4.4.13",
        "  Branch: 4.3  Status: release  n_level: 2  Latest: 4.3.19",
        "End-of-life branches:",
        "  Branch: 4.2  Status: eol  n_level: 3  Latest: 4.2.29",
        "  Branch: 4.1  Status: eol  n_level: 4  Latest: 4.1.22",
        "  Branch: 4.0  Status: eol  n_level: 5  Latest: 4.0.15",
        "Nightly builds of 2026-03-01: 4.6.0-alpha.3 (2026-01-21 to 2099-12-31)",
      ].join("\n"),
    );
  });
});
