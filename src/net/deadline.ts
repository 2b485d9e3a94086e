/**
 * A time limit that can be called off. AbortSignal.timeout() cannot be
 * cancelled: every request's timer would still fire seconds after the request
 * finished, each firing an abort with a fresh DOMException (measured: 5% of
 * the crawler's CPU at 256 domains at a time). This one is cleared when the
 * work is done.
 *
 * When the timer fires, the abort waits for one pass of the event loop's I/O
 * (setImmediate runs after the poll phase, timers before it). A busy or
 * starved process runs its overdue timers before it reads the sockets that
 * became readable meanwhile: without that pass, an answer that arrived in
 * time but was not yet read would be blamed on the server as a timeout.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** True once the time ran out (as opposed to the parent aborting). */
  readonly expired: boolean;
  /** Stops the timer and lets go of the parent; call when the work is done. */
  dispose(): void;
}

export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  let expired = false;
  let pending: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    pending = setImmediate(() => {
      expired = true;
      controller.abort(new DOMException(`timed out after ${ms} ms`, "TimeoutError"));
    });
  }, ms);
  const follow = () => controller.abort(parent?.reason);
  if (parent?.aborted) follow();
  else parent?.addEventListener("abort", follow, { once: true });
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    dispose() {
      clearTimeout(timer);
      clearImmediate(pending);
      parent?.removeEventListener("abort", follow);
    },
  };
}
