import { describe, expect, inject, it } from "vitest";
import { PostgresStore } from "../../src/store/postgres.ts";
import type { StagedChange } from "../../src/store/types.ts";
import { freshDatabase } from "../support/postgres.ts";
import { postgresPauseSwitch } from "../../src/store/control.ts";
import { postgresLeases } from "../../src/store/leases.ts";
import { applyStaged, statesOf } from "../../src/store/postgres-fleet.ts";
import { storeContract } from "./contract.ts";
import { writePathContract } from "./write-contract.ts";

const server = inject("postgres");

async function freshStore(): Promise<{ store: PostgresStore; settings: ConstructorParameters<typeof PostgresStore>[0] }> {
  const settings = await freshDatabase(server!);
  return { store: new PostgresStore(settings), settings };
}

describe.skipIf(server === null)("postgres", () => {
  storeContract("postgres", async () => {
    const { store, settings } = await freshStore();
    return { store, query: (text, params = []) => store.query(text, params), another: async () => new PostgresStore(settings) };
  });

  writePathContract("postgres", async () => {
    const { store } = await freshStore();
    await store.migrate();
    // Each holder pushes as its own node, numbering its entries as an outbox would.
    const seqs = new Map<string, number>();
    const push = async (holder: string, changes: readonly StagedChange[]) => {
      const first = (seqs.get(holder) ?? 0) + 1;
      seqs.set(holder, first + changes.length - 1);
      await applyStaged(store.sql, holder, changes.map((change, i) => ({ seq: first + i, change })));
    };
    return {
      errorStates: async (domains) => new Map((await statesOf(store.sql, domains)).map(({ domain, lastCrawledAt: _, ...state }) => [domain, state])),
      apply: (effects, holder) => push(holder, effects.map((e) => ({ kind: "outcome", ...e }))),
      applyOutbox: (entries) => applyStaged(store.sql, "staging-node", entries).then(() => undefined),
      leases: postgresLeases(store.sql),
      pause: postgresPauseSwitch(store.sql),
      query: (text, params = []) => store.query(text, params),
      close: () => store.close(),
    };
  });

  it("connects with a password full of URL-special characters, passed as an option", async () => {
    expect(server!.password).toMatch(/[@:/%?#&'" ]/);
    const { store } = await freshStore();
    try {
      expect(await store.query("SELECT current_user AS who", [])).toEqual([{ who: server!.user }]);
    } finally {
      await store.close();
    }
  });

  it("stores timestamps as UTC instants whatever the server's time zone", async () => {
    const { store } = await freshStore();
    try {
      await store.migrate();
      await store.query("SET TIME ZONE 'Pacific/Auckland'", []);
      await store.query("INSERT INTO mastodon_domains (domain, timestamp) VALUES ('a.example', '2026-11-22T23:30:00.000Z')", []);
      expect(await store.query("SELECT timestamp FROM mastodon_domains", [])).toEqual([{ timestamp: "2026-11-22T23:30:00.000Z" }]);
    } finally {
      await store.close();
    }
  });

  it("reports an unreachable server as a store error naming the place, never the password", async () => {
    const store = new PostgresStore({ database: "x", user: "u", password: "hunter2-secret", host: "127.0.0.1", port: 1, sslMode: "disable" }, { connectTimeoutSeconds: 2 });
    try {
      const err = await store.migrate().then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err?.code).toBe("STORE");
      expect(err?.message).toMatch(/^PostgreSQL at 127\.0\.0\.1:1\/x: /);
      expect(err?.message).not.toContain("hunter2");
    } finally {
      await store.close();
    }
  });
});
