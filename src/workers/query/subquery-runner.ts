import { SHARD_VIEW } from '../../engine/query/query-decomposition';
import { duckDbMessage, runSqlOverArrow } from './sql-over-arrow';

/** What running a subquery on one shard here gave: Arrow IPC bytes, or why not (and whether another holder could do better). */
export type SubqueryOutcome = { readonly ok: true; readonly bytes: Uint8Array; readonly ms: number } | { readonly ok: false; readonly retryable: boolean; readonly error: string; readonly ms: number };

/** What a holder needs to run subqueries: its own copies, verified on read. */
export interface ShardSource {
  holds(shard: string): boolean;
  /** The shard's bytes (an Arrow IPC stream), checked against its content id. */
  read(shard: string): Promise<Uint8Array>;
}

/**
 * The holder's side of a federated query: runs the asker's SQL over one local shard, registered
 * as `__shard`. Only shards this tab holds are read, through the verifying store. A missing
 * copy or a failed read is the asker's cue to try another replica; an SQL error is final.
 */
export async function runSubquery(source: ShardSource, shard: string, sql: string, now: () => number): Promise<SubqueryOutcome> {
  const started = now();
  if (!source.holds(shard)) return { ok: false, retryable: true, error: 'shard not held here', ms: 0 };
  let bytes: Uint8Array;
  try {
    bytes = await source.read(shard);
  } catch (error) {
    return { ok: false, retryable: true, error: `reading the shard failed: ${error instanceof Error ? error.message : String(error)}`, ms: now() - started };
  }
  try {
    const result = await runSqlOverArrow(sql, [{ view: SHARD_VIEW, streams: [bytes] }]);
    return { ok: true, bytes: result.bytes, ms: now() - started };
  } catch (error) {
    return { ok: false, retryable: false, error: duckDbMessage(error), ms: now() - started };
  }
}
