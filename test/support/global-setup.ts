/**
 * Starts the real servers tests need, once per run, and finds the ones test
 * files start for themselves (PostgreSQL clusters they crash, sshd they cut).
 * Under CI=true a missing server fails the run; elsewhere the tests that need
 * it are skipped with a notice, so a fresh machine can still run the rest.
 */
import type { TestProject } from "vitest/node";
import { findPostgresBin, type PostgresServer, startPostgres } from "./postgres.ts";
import { findSshd } from "./sshd.ts";

declare module "vitest" {
  export interface ProvidedContext {
    postgres: PostgresServer | null;
    /** Directory of the PostgreSQL server binaries (initdb, pg_ctl), for files that run their own cluster. */
    postgresBin: string | null;
    /** Path of sshd, for tunnel tests. */
    sshd: string | null;
  }
}

function missing(what: string, pkg: string, skipped: string): void {
  if (process.env.CI === "true") throw new Error(`${what} is missing (CI=true): install the Debian package ${pkg} (.ci/run does)`);
  console.warn(`\n[vmcrawl tests] ${what} is not installed: ${skipped} are skipped (apt-get install ${pkg} to run them)\n`);
}

export default async function setup(project: TestProject): Promise<() => void> {
  const sshd = findSshd() ?? null;
  if (sshd === null) missing("OpenSSH server (sshd, ssh-keygen)", "openssh-server", "SSH tunnel tests");
  project.provide("sshd", sshd);
  const bin = findPostgresBin();
  project.provide("postgresBin", bin ?? null);
  if (bin === undefined) {
    missing("PostgreSQL server binaries", "postgresql", "PostgreSQL tests");
    project.provide("postgres", null);
    return () => {};
  }
  const { server, stop } = await startPostgres(bin);
  project.provide("postgres", server);
  return stop;
}
