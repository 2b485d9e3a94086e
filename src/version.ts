/** The version and what it is built from, for `--version` and bug reports. */
import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;

/** The pinned versions of the libraries bundled into the binary (exact pins in package.json). */
export function bundledLibraries(): Record<string, string> {
  return { ...pkg.dependencies };
}

/** `vmcrawl/<version> (+<contact URL>)`: what server admins see, and the token robots.txt rules name. */
export function userAgent(contactUrl: string): string {
  return `vmcrawl/${VERSION} (+${contactUrl})`;
}

/** The product token robots.txt groups are matched against. */
export const ROBOTS_TOKEN = "vmcrawl";
