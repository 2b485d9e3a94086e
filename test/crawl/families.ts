/**
 * One simulated domain of every behaviour family, hostile ones included, the crawler's configuration for it, and the
 * seeded release and nightly tables read the way the crawler reads them: what the probe tests
 * (on this thread and in probe threads) start from.
 */
import { type Config, loadConfig } from "../../src/config.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import type { VersionContext } from "../../src/versions/clean.ts";
import { FAMILIES, HOSTILE_FAMILIES } from "../fedisim/families.ts";
import { type Fedisim, generateScenario, startFedisim } from "../fedisim/index.ts";

export async function startFamilies(deadlineMs: number): Promise<{ sim: Fedisim; config: Config; versions: VersionContext }> {
  const families = [...FAMILIES, ...HOSTILE_FAMILIES];
  const sim = await startFedisim(generateScenario({ domains: families.length, seed: 3, families: families.map((f) => f.name), latency: { medianMs: 0 } }));
  const { config } = loadConfig({ env: { HOME: sim.dir, ...sim.crawlerEnv, VMCRAWL_HTTP_TIMEOUT: "1", VMCRAWL_DOMAIN_TIMEOUT: String(deadlineMs / 1000) }, cwd: sim.dir });
  const store = new SqliteStore(":memory:", { cacheDir: sim.dir });
  try {
    await store.migrate();
    return { sim, config, versions: await store.versionContext() };
  } finally {
    await store.close();
  }
}
