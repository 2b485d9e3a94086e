/**
 * Starts the real servers tests need, once per run. Under CI=true a missing
 * server fails the run; elsewhere the tests that need it are skipped with a
 * notice, so a fresh machine without PostgreSQL can still run the rest.
 */
import type { TestProject } from "vitest/node";
import { findPostgresBin, type PostgresServer, startPostgres } from "./postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    postgres: PostgresServer | null;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const bin = findPostgresBin();
  if (bin === undefined) {
    if (process.env.CI === "true") throw new Error("PostgreSQL server binaries are missing (CI=true): install the Debian package postgresql (.ci/run does)");
    console.warn("\n[vmcrawl tests] PostgreSQL is not installed: PostgreSQL tests are skipped (apt-get install postgresql to run them)\n");
    project.provide("postgres", null);
    return () => {};
  }
  const { server, stop } = await startPostgres(bin);
  project.provide("postgres", server);
  return stop;
}
