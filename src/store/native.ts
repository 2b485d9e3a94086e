/**
 * better-sqlite3's native addon inside the single executable.
 *
 * Inside a Node SEA, `require()` loads built-in modules only, so the addon
 * travels as an SEA asset. On first use it is written to the per-user cache
 * as `<sha256>.node` (temp name, then rename, so a crash never leaves half a
 * file under the final name), verified by hash on every load, and loaded with
 * `process.dlopen`; the exports object goes to better-sqlite3 as
 * `nativeBinding`. Outside an SEA (tests, development) this returns
 * undefined and better-sqlite3 loads its own prebuild, so both run the same
 * code above this module.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import * as sea from "node:sea";
import { VmcrawlError } from "../errors.ts";
import { writeFileAtomically } from "../files.ts";

/** The SEA asset key; build.ts uses the same name. */
export const SQLITE_ADDON_ASSET = "better_sqlite3.node";

let loaded: object | undefined;

export function isSingleExecutable(): boolean {
  return sea.isSea();
}

export function sqliteNativeBinding(cacheDir: string): object | undefined {
  if (!sea.isSea()) return undefined;
  loaded ??= loadFromAsset(cacheDir);
  return loaded;
}

function loadFromAsset(cacheDir: string): object {
  const addon = Buffer.from(sea.getRawAsset(SQLITE_ADDON_ASSET));
  const hash = sha256(addon);
  const file = join(cacheDir, `better_sqlite3-${hash}.node`);
  ensurePrivateDir(cacheDir);
  if (!hasContent(file, hash)) writeAtomically(file, addon);
  if (!hasContent(file, hash)) {
    throw new VmcrawlError("NATIVE_ADDON", `the SQLite addon written to ${file} does not match the one in this binary; check the disk and that nothing else writes to ${cacheDir}`);
  }
  const module = { exports: {} as object };
  try {
    process.dlopen(module, file);
  } catch (err) {
    throw new VmcrawlError("NATIVE_ADDON", `cannot load the SQLite addon from ${file}: ${(err as Error).message}`, { cause: err });
  }
  return module.exports;
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function hasContent(file: string, hash: string): boolean {
  try {
    return sha256(readFileSync(file)) === hash;
  } catch {
    return false;
  }
}

/** The addon is executable code: its directory must be ours alone, or another user could swap it between check and load. */
function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new VmcrawlError("NATIVE_ADDON", `cannot create the cache directory ${dir}: ${(err as Error).message}; set XDG_CACHE_HOME to a writable directory`, { cause: err });
  }
  const info = statSync(dir);
  const uid = process.getuid?.();
  if ((uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0) {
    throw new VmcrawlError(
      "NATIVE_ADDON",
      `the cache directory ${dir} is writable by other users or owned by someone else; fix it (chmod 700) or set XDG_CACHE_HOME to a private directory`,
    );
  }
}

function writeAtomically(file: string, bytes: Buffer): void {
  try {
    writeFileAtomically(file, bytes, 0o500);
  } catch (err) {
    throw new VmcrawlError("NATIVE_ADDON", `cannot write the SQLite addon to ${file}: ${(err as Error).message}`, { cause: err });
  }
}
