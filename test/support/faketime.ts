/**
 * The binary on another day: libfaketime (Debian's faketime package) preloaded, so everything the
 * crawler stamps and computes (crawl times, the statistics' day, certificate checks) sees the
 * simulated wall clock, and nothing in vmcrawl needs a clock seam for tests. Timers keep the real
 * monotonic clock. Under CI=true a missing library is a failure, not a skip.
 */
import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1", "/usr/lib/faketime/libfaketimeMT.so.1"];

export const LIBFAKETIME = CANDIDATES.find((path) => existsSync(path));

/** Whether tests on simulated days run here (skipped without libfaketime, except under CI=true). */
export function faketimeTestsRun(): boolean {
  if (LIBFAKETIME !== undefined) return true;
  if (process.env.CI === "true") throw new Error("libfaketime is missing (CI=true): install the Debian package faketime (.ci/run does)");
  return false;
}

/** The environment that starts the child's wall clock at `moment` (UTC); it runs on from there. */
export function clockAt(moment: Date): Record<string, string> {
  if (LIBFAKETIME === undefined) throw new Error("libfaketime is missing: install the Debian package faketime");
  const at = moment.toISOString().slice(0, 19).replace("T", " ");
  return { LD_PRELOAD: LIBFAKETIME, FAKETIME: `@${at}`, FAKETIME_DONT_FAKE_MONOTONIC: "1", TZ: "UTC" };
}
