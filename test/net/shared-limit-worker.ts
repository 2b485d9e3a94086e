/** A thread that takes per-host slots and records how many were held at once (for shared-limit.test.ts). */
import { parentPort, workerData } from "node:worker_threads";
import { SharedHostLimit } from "../../src/net/shared-limit.ts";

const { slots, gauge, limit, hosts, rounds } = workerData as { slots: SharedArrayBuffer; gauge: SharedArrayBuffer; limit: number; hosts: string[]; rounds: number };
const table = new SharedHostLimit(slots, limit);
// gauge[2 * i]: held now for hosts[i]; gauge[2 * i + 1]: the most ever held at once.
const counts = new Int32Array(gauge);

async function use(i: number): Promise<void> {
  const release = await table.acquire(hosts[i]!);
  const now = Atomics.add(counts, 2 * i, 1) + 1;
  for (let peak = Atomics.load(counts, 2 * i + 1); now > peak; peak = Atomics.load(counts, 2 * i + 1)) Atomics.compareExchange(counts, 2 * i + 1, peak, now);
  await new Promise((r) => setTimeout(r, Math.random() * 2));
  Atomics.sub(counts, 2 * i, 1);
  release();
}

await Promise.all(Array.from({ length: rounds }, (_, n) => use(n % hosts.length)));
parentPort!.postMessage("done");
