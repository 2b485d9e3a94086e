/**
 * Retention on both dialects: published servers not heard from in 7 days leave the list,
 * error_log keeps its configured days, and nothing else is touched.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { pruneExpired } from "../../src/store/retention.ts";

import { PostgresStore } from "../../src/store/postgres.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { freshDatabase } from "../support/postgres.ts";

const server = inject("postgres");
const NOW = new Date("2026-11-23T12:00:00.000Z");
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

const dialects: [string, () => Promise<SqliteStore | PostgresStore>][] = [
  [
    "sqlite",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "vmcrawl-retention-"));
      return new SqliteStore(join(dir, "vmcrawl.db"), { cacheDir: dir });
    },
  ],
  ["postgres", async () => new PostgresStore(await freshDatabase(server!, "retention"))],
];

describe.each(dialects)("retention (%s)", (name, open) => {
  it.skipIf(name === "postgres" && server === null)("removes what is past its time, and only that", async () => {
    const store = await open();
    try {
      await store.migrate();
      for (const [domain, days] of [["old.example", 7.01], ["edge.example", 6.99], ["fresh.example", 1]] as const) {
        await store.query("INSERT INTO raw_domains (domain) VALUES (?)", [domain]);
        await store.query("INSERT INTO mastodon_domains (domain, software_version, timestamp) VALUES (?, '4.5.2', ?)", [domain, daysAgo(days)]);
      }
      for (const days of [45, 30.5, 29.5, 0]) await store.query("INSERT INTO error_log (timestamp, domain, error) VALUES (?, 'old.example', 'DNS')", [daysAgo(days)]);

      expect(await pruneExpired(store.query, NOW, 30)).toEqual({ published: 1, errors: 2 });
      expect((await store.query("SELECT domain FROM mastodon_domains ORDER BY domain", [])).map((r) => r.domain)).toEqual(["edge.example", "fresh.example"]);
      expect((await store.query("SELECT timestamp FROM error_log ORDER BY timestamp", [])).map((r) => r.timestamp)).toEqual([daysAgo(29.5), daysAgo(0)]);
      // raw_domains is the list of everything known: never pruned.
      expect(await store.query("SELECT count(*) AS n FROM raw_domains", [])).toEqual([{ n: 3 }]);
      expect(await pruneExpired(store.query, NOW, 30)).toEqual({ published: 0, errors: 0 });
    } finally {
      await store.close();
    }
  });
});
