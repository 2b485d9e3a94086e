/** Helpers every command uses: the runtime from citty's context, and a store that is always closed. */
import type { Runtime } from "../cli.ts";
import { openStore, type Store } from "../store/index.ts";

export function runtimeOf(context: { data?: unknown }): Runtime {
  return context.data as Runtime;
}

export function println(runtime: Runtime, text = ""): void {
  runtime.io.stdout.write(`${text}\n`);
}

/** Opens the configured store (migrating it on first use), runs `work`, and closes the store whatever happens. */
export async function withStore<T>(runtime: Runtime, work: (store: Store) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  const store = await openStore(runtime.config(), options);
  let result: T;
  try {
    result = await work(store);
  } catch (err) {
    // The work's error is the one to report; a failing close must not hide it.
    await store.close().catch(() => {});
    throw err;
  }
  await store.close();
  return result;
}
