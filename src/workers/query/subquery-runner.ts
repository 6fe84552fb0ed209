import { SHARD_VIEW } from '../../engine/query/query-decomposition';
import { assertReadOnlySelect } from '../../engine/query/read-only-select';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { quoteIdentifier } from '../../engine/query/sql-tokens';
import type { VectorJob } from '../../engine/query/query-messages';
import { topK } from '../../engine/query/vector-scoring';
import { duckDbMessage, runSqlOverTable } from './sql-over-arrow';
import { vectorRows } from './vector-column';
import type { VectorScorer } from './vector-scorer';

/** What running a subquery on one shard here gave: Arrow IPC bytes, or why not (and whether another holder could do better). */
export type SubqueryOutcome = { readonly ok: true; readonly bytes: Uint8Array; readonly ms: number } | { readonly ok: false; readonly retryable: boolean; readonly error: string; readonly ms: number };

/** What a holder needs to run subqueries: its own copies, as DuckDB tables, and its vector kernel. */
export interface ShardSource {
  holds(shard: string): boolean;
  /** The DuckDB table holding the shard's rows (loaded from the verifying store on first use). */
  tableFor(shard: string): Promise<string>;
  vectorScorer(): Promise<VectorScorer>;
}

/**
 * The holder's side of a federated query: runs the asker's SQL over one local shard, seen as
 * `__shard`. Only a read-only SELECT runs, and only over shards this tab holds. A missing copy
 * or a failed read is the asker's cue to try another replica; an SQL error is final.
 */
export async function runSubquery(source: ShardSource, shard: string, sql: string, now: () => number, vector?: VectorJob): Promise<SubqueryOutcome> {
  const started = now();
  try {
    assertReadOnlySelect(sql);
  } catch (error) {
    return { ok: false, retryable: false, error: error instanceof Error ? error.message : String(error), ms: 0 };
  }
  if (!source.holds(shard)) return { ok: false, retryable: true, error: 'shard not held here', ms: 0 };
  let table: string;
  try {
    table = await source.tableFor(shard);
  } catch (error) {
    return { ok: false, retryable: true, error: `reading the shard failed: ${error instanceof Error ? error.message : String(error)}`, ms: now() - started };
  }
  try {
    const result = await runSqlOverTable(sql, SHARD_VIEW, table);
    if (!vector) return { ok: true, bytes: result.bytes, ms: now() - started };
    const { vectors, rows } = vectorRows(result.table, vector.query.length);
    const scorer = await source.vectorScorer();
    const best = topK(await scorer.score(vectors, vector.query.length, Float32Array.from(vector.query), vector.metric), rows, vector.k, vector.metric);
    const answer = tableFromArrays({ row: Float64Array.from(best, (entry) => entry.row), score: Float64Array.from(best, (entry) => entry.score) });
    return { ok: true, bytes: tableToIPC(answer, 'stream'), ms: now() - started };
  } catch (error) {
    return { ok: false, retryable: false, error: duckDbMessage(error), ms: now() - started };
  }
}

/**
 * The same SQL over several shards of this tab at once: one DuckDB call over their union
 * instead of one per shard, since each call is mostly a round trip to DuckDB's worker. Partial
 * aggregates and gathered rows combine the same either way. Not for vector jobs, whose row
 * numbers are per shard.
 */
export async function runSubqueryOverShards(source: ShardSource, shards: readonly string[], sql: string, now: () => number): Promise<SubqueryOutcome> {
  const started = now();
  try {
    assertReadOnlySelect(sql);
  } catch (error) {
    return { ok: false, retryable: false, error: error instanceof Error ? error.message : String(error), ms: 0 };
  }
  const missing = shards.find((shard) => !source.holds(shard));
  if (missing !== undefined) return { ok: false, retryable: true, error: `shard ${missing.slice(0, 12)} not held here`, ms: 0 };
  let tables: string[];
  try {
    tables = await Promise.all(shards.map((shard) => source.tableFor(shard)));
  } catch (error) {
    return { ok: false, retryable: true, error: `reading a shard failed: ${error instanceof Error ? error.message : String(error)}`, ms: now() - started };
  }
  try {
    const union = `(${tables.map((table) => `SELECT * FROM ${quoteIdentifier(table)}`).join(' UNION ALL ')})`;
    const result = await runSqlOverTable(sql, SHARD_VIEW, union);
    return { ok: true, bytes: result.bytes, ms: now() - started };
  } catch (error) {
    return { ok: false, retryable: false, error: duckDbMessage(error), ms: now() - started };
  }
}
