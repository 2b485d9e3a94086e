/**
 * Statistics recorded while a long crawl runs (src/stats/periodic.ts), as `vmcrawl` wires them,
 * with the crawl's own recording function on a real SQLite file: each turn records the day's
 * figures as they are then, a failed turn is reported and the next one records again, and
 * nothing is recorded once the run has stopped it.
 */
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { recordStatistics } from "../../src/stats/sqlite.ts";
import { recordPeriodically } from "../../src/stats/periodic.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { tempHome } from "../support/cli.ts";

let store: SqliteStore;
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  const home = tempHome();
  store = new SqliteStore(join(home, ".local/share/vmcrawl/vmcrawl.db"), { cacheDir: join(home, ".cache") });
  await store.migrate();
});
afterAll(async () => {
  await store?.close();
});

const addServer = (domain: string, mau: number) =>
  store.query("INSERT INTO mastodon_domains (domain, software_version, active_users_monthly, timestamp) VALUES (?, ?, ?, ?)", [domain, "4.5.6", mau, new Date().toISOString()]);
const recordedMau = async () => ((await store.query("SELECT mau FROM statistics WHERE date = ?", [today])) as { mau: number }[])[0]?.mau;

/** Waits for `check` to hold, for at most 3 s. */
async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 3000; ) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("not within 3 s");
}

it("records the day's statistics on every turn, reports a failed turn and records again on the next, and stops when told", async () => {
  const errors: string[] = [];
  let failNext = false;
  await addServer("a.example", 1000);
  const periodic = recordPeriodically(
    20,
    () => {
      if (failNext) {
        failNext = false;
        throw new Error("database is locked");
      }
      recordStatistics(store.crawl, 50);
    },
    (err) => errors.push(err.message),
  );
  try {
    await until(async () => (await recordedMau()) === 1000);
    await addServer("b.example", 500);
    failNext = true;
    await until(() => errors.length === 1);
    expect(errors).toEqual(["database is locked"]);
    await until(async () => (await recordedMau()) === 1500);
  } finally {
    periodic.stop();
  }
  await addServer("c.example", 200);
  await new Promise((resolve) => setTimeout(resolve, 150)); // seven turns, had it not stopped
  expect(await recordedMau()).toBe(1500);
  expect(errors).toHaveLength(1);
});
