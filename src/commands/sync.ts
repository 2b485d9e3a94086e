/** `vmcrawl sync`: push results staged in SQLite to PostgreSQL. */
import { unavailableCommand } from "./_shared.ts";

export default unavailableCommand("sync", "Push results staged in local SQLite to PostgreSQL now", "sync (fleet mode)", {
  status: { type: "boolean", description: "Show the backlog, its oldest entry and the last successful sync instead" },
});
