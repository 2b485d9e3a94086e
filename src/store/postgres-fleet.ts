/**
 * PostgreSQL's side of fleet mode: applying staged changes exactly once,
 * the states of leased domains, the reference tables nodes copy, and elected
 * maintenance. Set-based SQL (one statement per kind of change
 * per batch), so a batch of a thousand outcomes is a handful of statements.
 */
import type postgres from "postgres";
import { transaction, type TxSql } from "./postgres-tx.ts";
import { columnArrays, ERROR_LOG_COLUMNS, errorLogRow, insertErrorLog, PUBLISHED_COLUMNS, publishedRow, RAW_COLUMNS, rawRow, unnestSource, upsertPublished, upsertRaw, withdrawable, type Columns, type RowOf } from "./effects.ts";
import type { ReleaseBranch } from "../versions/patch.ts";
import { STATE_COLUMNS, toState } from "./leases.ts";
import { sanitizeStaged } from "./sanitize.ts";
import type { ApplyResult, DomainState, ReferenceData, StagedChange, StagedEntry } from "./types.ts";

export type { ApplyResult, DomainState, ReferenceData, StagedEntry };

/**
 * How far ahead of PostgreSQL's clock a node's timestamps may be. A node whose clock runs ahead
 * would otherwise stamp outcomes that no later outcome may overwrite (older never overwrites
 * newer), freezing its domains until the world catches up.
 */
export const CLOCK_TOLERANCE_MS = 5 * 60 * 1000;

/** pg_try_advisory_lock key for maintenance ("vmcrawl-m"): one node at a time. */
const MAINTENANCE_LOCK = "8534118711958237549";

/**
 * Applies a node's staged entries in one transaction, recording the node's receipt in the same
 * transaction: entries at or below the receipt were applied before (an acknowledgement that got
 * lost) and are skipped. Older outcomes never overwrite newer ones.
 */
export async function applyStaged(sql: postgres.Sql, nodeId: string, entries: readonly StagedEntry[]): Promise<ApplyResult> {
  return transaction(sql, async (tx) => {
    // Creates the receipt or locks it (the no-op update), and reads it with PostgreSQL's clock: one round trip.
    const [receipt] = await tx`
      INSERT INTO sync_receipts (node_id, last_seq) VALUES (${nodeId}, 0)
      ON CONFLICT (node_id) DO UPDATE SET node_id = EXCLUDED.node_id RETURNING last_seq, now() AS now`;
    const before = Number(receipt!.last_seq);
    const now = (receipt!.now as Date).getTime();
    // Through the sanitize boundary again: an outbox staged by an older build may hold anything.
    const fresh = entries.filter((e) => e.seq > before).map((e) => ({ seq: e.seq, change: onTime(sanitizeStaged(e.change), now) }));
    if (fresh.length === 0) return { applied: 0, lastSeq: before };

    const newDomains = new Set<string>();
    const outcomes: Extract<StagedChange, { kind: "outcome" }>[] = [];
    // Whether fetch still asks a server for peers: the last word in the batch counts.
    const peers = new Map<string, boolean>();
    for (const { change } of fresh) {
      if (change.kind === "domains") for (const d of change.domains) newDomains.add(d);
      else if (change.kind === "peers") peers.set(change.domain, change.polled);
      else {
        outcomes.push(change);
        if (change.addDomain !== undefined) newDomains.add(change.addDomain);
      }
    }
    // Within a batch a domain may have several outcomes: its state and publication come from the latest.
    const latest = new Map<string, Extract<StagedChange, { kind: "outcome" }>>();
    for (const o of outcomes) {
      const seen = latest.get(o.domain);
      if (seen === undefined || seen.at <= o.at) latest.set(o.domain, o);
    }
    const last = [...latest.values()];
    // Domains with an outcome are inserted by the outcome upsert.
    for (const o of last) newDomains.delete(o.domain);
    const lastSeq = fresh.at(-1)!.seq;

    // Independent statements, sent together (pipelined) and run in this order by PostgreSQL.
    const statements: PromiseLike<unknown>[] = [];
    if (newDomains.size > 0) {
      statements.push(tx`INSERT INTO raw_domains (domain) SELECT unnest(${[...newDomains]}::text[]) ON CONFLICT (domain) DO NOTHING`);
    }
    if (last.length > 0) statements.push(...outcomeStatements(tx, last, nodeId));
    if (peers.size > 0) {
      statements.push(
        // The server may be new to PostgreSQL (fetch --target). Booleans travel as text: postgres.js sends a JS boolean[] as one bool.
        tx`INSERT INTO raw_domains (domain, peers)
           SELECT domain, polled::boolean FROM unnest(${[...peers.keys()]}::text[], ${[...peers.values()].map(String)}::text[]) AS x(domain, polled)
           ON CONFLICT (domain) DO UPDATE SET peers = excluded.peers`,
      );
    }
    // Every failure is logged, not only each domain's latest.
    const errors = outcomes.flatMap((o) => errorLogRow(o) ?? []);
    if (errors.length > 0) statements.push(insertRows(tx, ERROR_LOG_COLUMNS, errors, insertErrorLog));
    statements.push(tx`UPDATE sync_receipts SET last_seq = ${lastSeq}, updated_at = now() WHERE node_id = ${nodeId}`);
    await Promise.all(statements);
    return { applied: fresh.length, lastSeq };
  });
}

type StagedOutcome = Extract<StagedChange, { kind: "outcome" }>;

/** An outcome stamped more than CLOCK_TOLERANCE_MS past PostgreSQL's `now` (ms) is moved back to it, its next crawl with it. */
function onTime(change: StagedChange, now: number): StagedChange {
  if (change.kind !== "outcome") return change;
  const at = Date.parse(change.at);
  if (!(at > now + CLOCK_TOLERANCE_MS)) return change;
  const skew = at - now;
  const shift = (iso: string) => new Date(Date.parse(iso) - skew).toISOString();
  return { ...change, at: shift(change.at), raw: { ...change.raw, nextCrawlAt: shift(change.raw.nextCrawlAt) } };
}

/** The last seq PostgreSQL applied from this outbox (0 when it has none). */
export async function receiptOf(sql: postgres.Sql, nodeId: string): Promise<number> {
  const [row] = await sql`SELECT last_seq FROM sync_receipts WHERE node_id = ${nodeId}`;
  return row === undefined ? 0 : Number(row.last_seq);
}

/**
 * Many rows as one array parameter per column (unnest): one statement whatever the count, and
 * PostgreSQL reads arrays faster than the same rows as JSON. `statement` is one of effects.ts's
 * generators; every value is a parameter.
 */
function insertRows<C extends Columns>(tx: TxSql, columns: C, rows: readonly RowOf<C>[], statement: (source: string) => string, extra: readonly string[] = []): PromiseLike<unknown> {
  const parameters = [...columnArrays(columns, rows), ...extra];
  return tx.unsafe(statement(unnestSource(columns)), parameters as never[]);
}

/** raw_domains state, publication and withdrawal for each domain's latest outcome; older never overwrites newer. */
function outcomeStatements(tx: TxSql, last: readonly StagedOutcome[], nodeId: string): PromiseLike<unknown>[] {
  // A late outcome (its lease ran out and another node claimed the domain) leaves that node's claim.
  const node = `$${Object.keys(RAW_COLUMNS).length + 1}::text`;
  const lease = `claimed_by = CASE WHEN raw_domains.claimed_by = ${node} THEN NULL ELSE raw_domains.claimed_by END,
         claimed_until = CASE WHEN raw_domains.claimed_by = ${node} THEN NULL ELSE raw_domains.claimed_until END`;
  const statements: PromiseLike<unknown>[] = [insertRows(tx, RAW_COLUMNS, last.map(rawRow), (source) => upsertRaw(source, lease), [nodeId])];
  const published = last.flatMap((o) => publishedRow(o) ?? []);
  if (published.length > 0) statements.push(insertRows(tx, PUBLISHED_COLUMNS, published, upsertPublished));
  const withdrawn = last.filter((o) => o.publication.action === "unpublish");
  if (withdrawn.length > 0) {
    statements.push(
      tx.unsafe(`DELETE FROM mastodon_domains m USING unnest($1::text[], $2::timestamptz[]) AS x(domain, at) WHERE m.domain = x.domain AND ${withdrawable("x.at")}`, [
        withdrawn.map((w) => w.domain),
        withdrawn.map((w) => w.at),
      ] as never[]),
    );
  }
  return statements;
}

/** The current state of named domains (explicit runs: `--file`, `--target`). */
export async function statesOf(sql: postgres.Sql, domains: readonly string[]): Promise<DomainState[]> {
  if (domains.length === 0) return [];
  const rows = await sql.unsafe(`SELECT ${STATE_COLUMNS} FROM raw_domains WHERE domain = ANY($1::text[])`, [domains as string[]] as never[]);
  return rows.map(toState);
}

/** What a node copies to work offline: branches, nightly ranges, the DNI list, the TLD list. */
export async function referenceData(sql: postgres.Sql): Promise<ReferenceData> {
  const [releaseVersions, nightly, dni, tlds] = await Promise.all([
    sql`SELECT n_level AS "nLevel", branch, status, latest FROM release_versions ORDER BY n_level`,
    sql`SELECT version, start_date::text AS start_date, end_date::text AS end_date, is_security FROM nightly_versions`,
    sql`SELECT domain, comment, force FROM dni`,
    sql`SELECT tld, last_updated FROM tld_cache`,
  ]);
  const updatedAt = tlds.reduce<Date | undefined>((newest, r) => (newest === undefined || (r.last_updated as Date) > newest ? (r.last_updated as Date) : newest), undefined);
  return {
    releaseVersions: releaseVersions as unknown as ReleaseBranch[],
    nightly: nightly as unknown as ReferenceData["nightly"],
    dni: dni as unknown as ReferenceData["dni"],
    tlds: updatedAt === undefined ? undefined : { tlds: tlds.map((r) => String(r.tld)), updatedAt: updatedAt.toISOString() },
  };
}

/** Runs `work` if no other node is running maintenance now; false if one is. */
export async function asMaintainer(sql: postgres.Sql, work: (tx: TxSql) => Promise<void>): Promise<boolean> {
  return transaction(sql, async (tx) => {
    const [row] = await tx`SELECT pg_try_advisory_xact_lock(${MAINTENANCE_LOCK}::bigint) AS won`;
    if (row?.won !== true) return false;
    await work(tx);
    return true;
  });
}
