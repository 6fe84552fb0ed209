import { SHARD_VIEW } from '../../engine/query/query-decomposition';
import { assertReadOnlySelect } from '../../engine/query/read-only-select';
import { duckDbMessage, runSqlOverTable } from './sql-over-arrow';

/** What running a subquery on one shard here gave: Arrow IPC bytes, or why not (and whether another holder could do better). */
export type SubqueryOutcome = { readonly ok: true; readonly bytes: Uint8Array; readonly ms: number } | { readonly ok: false; readonly retryable: boolean; readonly error: string; readonly ms: number };

/** What a holder needs to run subqueries: its own copies, as DuckDB tables. */
export interface ShardSource {
  holds(shard: string): boolean;
  /** The DuckDB table holding the shard's rows (loaded from the verifying store on first use). */
  tableFor(shard: string): Promise<string>;
}

/**
 * The holder's side of a federated query: runs the asker's SQL over one local shard, seen as
 * `__shard`. Only a read-only SELECT runs, and only over shards this tab holds. A missing copy
 * or a failed read is the asker's cue to try another replica; an SQL error is final.
 */
export async function runSubquery(source: ShardSource, shard: string, sql: string, now: () => number): Promise<SubqueryOutcome> {
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
    return { ok: true, bytes: result.bytes, ms: now() - started };
  } catch (error) {
    return { ok: false, retryable: false, error: duckDbMessage(error), ms: now() - started };
  }
}
