/**
 * Transactions that survive the connection dying under them.
 *
 * postgres.js's sql.begin() sends ROLLBACK when the callback fails; when the
 * failure is the connection closing, that write lands on a socket it has
 * already dropped and throws from a setImmediate, which no caller can catch:
 * the process dies (porsager/postgres#1208, #1154). A sync cut by a dropped
 * tunnel must fail and be retried, not take the crawler down. So the
 * transaction runs on a reserved connection and ROLLBACK is sent only when
 * PostgreSQL itself reported the error and the connection is still alive;
 * when the connection is lost, PostgreSQL rolls back on its own.
 */
import postgres from "postgres";
import { numberPlaceholders, type Query } from "./queries.ts";

/** A connection inside a transaction: run statements on it, nothing else. */
export type TxSql = postgres.ReservedSql;

export async function transaction<T>(sql: postgres.Sql, work: (tx: TxSql) => Promise<T>): Promise<T> {
  const tx = await sql.reserve();
  let usable = true;
  try {
    await tx`BEGIN`;
    const result = await work(tx);
    await tx`COMMIT`;
    return result;
  } catch (err) {
    usable = !connectionLost(err);
    if (usable) await tx`ROLLBACK`.catch(() => (usable = false));
    throw err;
  } finally {
    // A lost connection is never handed back: the pool replaces it when it sees the close.
    if (usable) tx.release();
  }
}

/** postgres.js's own codes for a connection that is gone. */
const LOST = new Set(["CONNECTION_CLOSED", "CONNECTION_DESTROYED", "CONNECTION_ENDED", "CONNECT_TIMEOUT"]);

/**
 * Whether the error means the connection is gone: closed or reset sockets, and FATAL or PANIC
 * from the server (it hangs up after those). SQL errors and errors of our own (a value that
 * cannot be encoded) leave it open, in a transaction that must be rolled back.
 */
function connectionLost(err: unknown): boolean {
  if (err instanceof postgres.PostgresError) return err.severity === "FATAL" || err.severity === "PANIC";
  const { code, syscall } = (err ?? {}) as { code?: unknown; syscall?: unknown };
  return (typeof code === "string" && LOST.has(code)) || typeof syscall === "string";
}

/** Shared query texts (`?` placeholders) run inside a transaction. */
export function queryOn(tx: TxSql): Query {
  return async (text, params) => (await tx.unsafe(numberPlaceholders(text), params as never[])) as never;
}
