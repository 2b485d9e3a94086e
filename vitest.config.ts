import { readFileSync } from "node:fs";
import { defineConfig, type Plugin } from "vitest/config";

/** The same as esbuild's `loader: { ".sql": "text" }` in build.ts: migrations are imported as text. */
const sqlAsText: Plugin = {
  name: "sql-as-text",
  load(id) {
    if (!id.endsWith(".sql")) return null;
    return `export default ${JSON.stringify(readFileSync(id, "utf8"))};`;
  },
};

export default defineConfig({
  plugins: [sqlAsText],
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
