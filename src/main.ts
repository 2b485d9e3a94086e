/** Entry point of the binary: wires the process to the CLI shell, nothing else. */
import { runCli } from "./cli.ts";
import { rootCommand } from "./commands/root.ts";
import { loadProcessConfig } from "./config.ts";

runCli(rootCommand, process.argv.slice(2), {
  io: { stdout: process.stdout, stderr: process.stderr },
  loadConfig: loadProcessConfig,
}).then((code) => {
  // exitCode, not exit(): pending writes to stdout and stderr are flushed before the process ends.
  process.exitCode = code;
});
