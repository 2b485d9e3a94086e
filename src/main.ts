/** Entry point of the binary: wires the process to the CLI shell, nothing else. */
import { runCli } from "./cli.ts";
import { rootCommand } from "./commands/root.ts";
import { loadProcessConfig } from "./config.ts";

// Output piped into `head` and the like: stop quietly when the reader goes away.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

runCli(rootCommand, process.argv.slice(2), {
  io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
  loadConfig: loadProcessConfig,
}).then((code) => {
  // exitCode, not exit(): pending writes to stdout and stderr are flushed before the process ends.
  process.exitCode = code;
});
