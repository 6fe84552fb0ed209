import { SHARD_VIEW } from '../../engine/query/query-decomposition';
import { assertReadOnlySelect } from '../../engine/query/read-only-select';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { identifierKey, quoteIdentifier, tokenizeSql } from '../../engine/query/sql-tokens';
import { shardIndexOf } from '../../engine/query/whole-query';
import type { VectorJob } from '../../engine/query/query-messages';
import { topK } from '../../engine/query/vector-scoring';
import { duckDbMessage, runSqlOverTable } from './sql-over-arrow';
import { vectorRows } from './vector-column';
import type { VectorScorer } from './vector-scorer';

/** What running a subquery on one shard here gave: Arrow IPC bytes, or why not (and whether another holder could do better). */
export type SubqueryOutcome = { readonly ok: true; readonly bytes: Uint8Array; readonly ms: number } | { readonly ok: false; readonly retryable: boolean; readonly error: string; readonly ms: number };

/** What a holder needs to run subqueries: its copies (its own, or kept for its queries) as DuckDB tables, and its vector kernel. */
export interface ShardSource {
  holds(shard: string): boolean;
  /**
   * Runs `use` with the DuckDB tables holding these shards' rows (loaded on first use from a
   * verified read), none dropped meanwhile; rejects, without calling it, if a shard cannot be read.
   */
  withTables<T>(shards: readonly string[], use: (tables: readonly string[]) => Promise<T>): Promise<T>;
  vectorScorer(): Promise<VectorScorer>;
}

/**
 * The holder's side of a federated query: runs the asker's SQL over shards this tab holds,
 * their union seen as `__shard` and each one as `__shard_<i>` (its place in `shards`), in one
 * DuckDB call. Only a read-only SELECT runs, and only over shards this tab holds. A missing
 * copy or a failed read is the asker's cue to try another replica; an SQL error is final. A
 * vector job (one shard: its row numbers are per shard) scores the rows the SQL yields and
 * answers its top k.
 */
export async function runSubquery(source: ShardSource, shards: readonly string[], sql: string, now: () => number, vector?: VectorJob): Promise<SubqueryOutcome> {
  const started = now();
  try {
    assertReadOnlySelect(sql);
    if (vector && shards.length !== 1) throw new Error('a vector job runs on one shard');
  } catch (error) {
    return { ok: false, retryable: false, error: error instanceof Error ? error.message : String(error), ms: 0 };
  }
  const missing = shards.find((shard) => !source.holds(shard));
  if (missing !== undefined) return { ok: false, retryable: true, error: `shard ${missing.slice(0, 12)} not held here`, ms: 0 };
  try {
    return await source.withTables(shards, async (tables): Promise<SubqueryOutcome> => {
      try {
        const union = tables.length === 1 ? quoteIdentifier(tables[0] ?? '') : `(${tables.map((table) => `SELECT * FROM ${quoteIdentifier(table)}`).join(' UNION ALL ')})`;
        const result = await runSqlOverTable(withShardTables(sql, tables), SHARD_VIEW, union);
        if (!vector) return { ok: true, bytes: result.bytes, ms: now() - started };
        const { vectors, rows } = vectorRows(result.table, vector.query.length);
        const scorer = await source.vectorScorer();
        const best = topK(await scorer.score(vectors, vector.query.length, Float32Array.from(vector.query), vector.metric), rows, vector.k, vector.metric);
        const answer = tableFromArrays({ row: Float64Array.from(best, (entry) => entry.row), score: Float64Array.from(best, (entry) => entry.score) });
        return { ok: true, bytes: tableToIPC(answer, 'stream'), ms: now() - started };
      } catch (error) {
        return { ok: false, retryable: false, error: duckDbMessage(error), ms: now() - started };
      }
    });
  } catch (error) {
    // Only reading the shards fails out here: another replica may do better.
    return { ok: false, retryable: true, error: `reading a shard failed: ${error instanceof Error ? error.message : String(error)}`, ms: now() - started };
  }
}

/** `sql` with each `__shard_<i>` replaced by the table of the subquery's i-th shard; throws naming one it does not have. */
function withShardTables(sql: string, tables: readonly string[]): string {
  let out = '';
  let at = 0;
  for (const token of tokenizeSql(sql)) {
    const index = shardIndexOf(identifierKey(token) ?? '');
    if (index === undefined) continue;
    const table = tables[index];
    if (table === undefined) throw new Error(`the subquery names shard ${index} but sends ${tables.length}`);
    out += sql.slice(at, token.start) + quoteIdentifier(table);
    at = token.end;
  }
  return out + sql.slice(at);
}
