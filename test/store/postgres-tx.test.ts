/**
 * Transactions whose connection dies under them fail like any other error and leave the
 * process and the pool working (postgres.js's own begin() would crash the process here).
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { PostgresStore } from "../../src/store/postgres.ts";
import { transaction } from "../../src/store/postgres-tx.ts";
import { freshDatabase } from "../support/postgres.ts";

const server = inject("postgres");
const open: PostgresStore[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function twoStores(): Promise<[PostgresStore, PostgresStore]> {
  const settings = await freshDatabase(server!, "tx");
  const stores: [PostgresStore, PostgresStore] = [new PostgresStore(settings), new PostgresStore(settings)];
  open.push(...stores);
  await stores[0].sql`CREATE TABLE t (n int PRIMARY KEY)`;
  return stores;
}

describe.skipIf(server === null)("transaction()", () => {
  it("commits the work, or rolls all of it back on an SQL error and keeps the connection", async () => {
    const [{ sql }] = await twoStores();
    await transaction(sql, async (tx) => {
      await tx`INSERT INTO t VALUES (1)`;
    });
    await expect(
      transaction(sql, async (tx) => {
        await tx`INSERT INTO t VALUES (2)`;
        await tx`INSERT INTO t VALUES (1)`; // duplicate key
      }),
    ).rejects.toMatchObject({ code: "23505" });
    expect(await sql`SELECT n FROM t ORDER BY n`).toEqual([{ n: 1 }]);
    // Not left inside the failed transaction: the next statement on the pool works.
    expect(await sql`SELECT count(*)::int AS n FROM t`).toEqual([{ n: 1 }]);
  });

  it("rolls back when the work itself throws, and gives the connection back (a pool of one goes on)", async () => {
    const settings = await freshDatabase(server!, "tx");
    const store = new PostgresStore(settings, { maxConnections: 1 });
    open.push(store);
    await store.sql`CREATE TABLE t (n int PRIMARY KEY)`;
    await expect(
      transaction(store.sql, async (tx) => {
        await tx`INSERT INTO t VALUES (1)`;
        throw new RangeError("Invalid time value");
      }),
    ).rejects.toThrow("Invalid time value");
    // With the only connection still held by the failed transaction this would never answer.
    const answer = await Promise.race([store.sql`SELECT n FROM t`, new Promise((r) => setTimeout(() => r("no connection came back"), 5000))]);
    expect(answer).toEqual([]);
  });

  it("fails cleanly when its backend is terminated mid-statement, and the pool recovers", async () => {
    const [store, killer] = await twoStores();
    let pid: number | undefined;
    const running = transaction(store.sql, async (tx) => {
      await tx`INSERT INTO t VALUES (7)`;
      [{ pid }] = (await tx`SELECT pg_backend_pid() AS pid`) as unknown as [{ pid: number }];
      await tx`SELECT pg_sleep(5)`;
    });
    const deadline = Date.now() + 5000;
    while (pid === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await killer.sql`SELECT pg_terminate_backend(${pid!})`;
    await expect(running).rejects.toThrow();
    // Nothing from the dead transaction was committed, and new work goes through.
    expect(await store.sql`SELECT n FROM t`).toEqual([]);
    await transaction(store.sql, async (tx) => {
      await tx`INSERT INTO t VALUES (8)`;
    });
    expect(await store.sql`SELECT n FROM t`).toEqual([{ n: 8 }]);
  });
});
