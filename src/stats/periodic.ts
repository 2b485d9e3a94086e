/**
 * Statistics recorded while a long crawl runs, not only when it ends: `record` runs every
 * `everyMs` (an hour in `vmcrawl`) until stopped. A failure goes to `onError` and the next turn
 * tries again; the run itself goes on either way.
 */
export interface Periodic {
  stop(): void;
}

export function recordPeriodically(everyMs: number, record: () => void, onError: (err: Error) => void): Periodic {
  const timer = setInterval(() => {
    try {
      record();
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
  }, everyMs);
  // Never the reason the process stays up: the run it belongs to is.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
