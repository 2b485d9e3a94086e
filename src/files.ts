/** Writing a file so that a reader never sees half of it: a temporary file beside it, then a rename. */
import { randomBytes } from "node:crypto";
import { chmodSync, renameSync, unlinkSync, writeFileSync } from "node:fs";

export function writeFileAtomically(file: string, data: string | Buffer, mode = 0o644): void {
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    writeFileSync(temp, data, { mode });
    // The umask may have narrowed the mode; the caller's is the one meant.
    chmodSync(temp, mode);
    renameSync(temp, file);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // nothing to clean up
    }
    throw err;
  }
}
