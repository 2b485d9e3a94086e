/**
 * Lets a benchmark run src/ directly under Node: migrations are imported as
 * text (`.sql`), as esbuild's text loader (build.ts) and vitest.config.ts do.
 * Import this first, then the modules that need it with a dynamic import().
 */
import { readFileSync } from "node:fs";
import { registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

registerHooks({
  load(url, context, nextLoad) {
    if (!url.endsWith(".sql")) return nextLoad(url, context);
    return { format: "module", source: `export default ${JSON.stringify(readFileSync(fileURLToPath(url), "utf8"))};`, shortCircuit: true };
  },
});
