/** `vmcrawl --version [--verbose]`. */
import type { Runtime } from "../cli.ts";
import { processDirs } from "../config.ts";
import { isSingleExecutable } from "../store/native.ts";
import { VERSION, bundledLibraries } from "../version.ts";
import { println } from "./_shared.ts";

export async function printVersion(runtime: Runtime, options: { verbose: boolean }): Promise<void> {
  println(runtime, `vmcrawl ${VERSION}`);
  if (!options.verbose) return;
  println(runtime, `node ${process.version} (${process.platform}-${process.arch})`);
  println(runtime, `single executable: ${isSingleExecutable() ? "yes" : "no (running from source)"}`);
  println(runtime, `sqlite ${await sqliteVersion()}`);
  for (const [name, version] of Object.entries(bundledLibraries())) println(runtime, `${name} ${version}`);
}

/** Loads the SQLite addon for real (from the binary's asset when packaged), so this line proves it works. */
async function sqliteVersion(): Promise<string> {
  const { SqliteStore } = await import("../store/sqlite.ts");
  const store = new SqliteStore(":memory:", { cacheDir: processDirs().cache });
  try {
    return store.engineVersion();
  } finally {
    await store.close();
  }
}
