/**
 * Typed errors with stable codes. Code paths decide on `err.code`, never on
 * the message: `instanceof` breaks when two copies of a module meet, a string
 * code does not.
 *
 * Expected, user-facing failures carry the exit code they end the program
 * with; anything else reaching the CLI shell is a bug (exit 1, report hint).
 */

export const ExitCode = {
  ok: 0,
  /** A runtime failure the user can act on (store unreachable, file unreadable). */
  failure: 1,
  /** Bad command line or bad configuration: nothing was done. */
  usage: 2,
  /** Interrupted by SIGINT (128 + 2). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | "CONFIG"
  | "USAGE"
  | "MIGRATION"
  | "STORE"
  | "NATIVE_ADDON"
  | "VERSIONS"
  | "SOURCE"
  | "GITHUB"
  | "SERVE"
  /** A file the user asked for (--summary-json) could not be written. */
  | "OUTPUT"
  /** `vmcrawl doctor`: a check failed. */
  | "UNHEALTHY"
  /** `probe --expect`: a domain did not meet what was expected of it. */
  | "EXPECTATION"
  | "INTERRUPTED";

export class VmcrawlError extends Error {
  override name = "VmcrawlError";
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; exitCode?: ExitCode }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = options?.exitCode ?? ExitCode.failure;
  }
}

/** A configuration value that cannot be used. The message names the variable, the value and what was expected. */
export class ConfigError extends VmcrawlError {
  override name = "ConfigError";
  readonly variable: string;

  constructor(variable: string, message: string) {
    super("CONFIG", message, { exitCode: ExitCode.usage });
    this.variable = variable;
  }
}

/** Bad command-line arguments. The CLI shell prints the message and a pointer to --help. */
export class UsageError extends VmcrawlError {
  override name = "UsageError";

  constructor(message: string) {
    super("USAGE", message, { exitCode: ExitCode.usage });
  }
}

export function isVmcrawlError(err: unknown): err is VmcrawlError {
  return (
    typeof err === "object" &&
    err !== null &&
    typeof (err as { code?: unknown }).code === "string" &&
    typeof (err as { exitCode?: unknown }).exitCode === "number" &&
    err instanceof Error
  );
}
