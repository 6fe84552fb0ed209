import { SHARD_VIEW } from './query-decomposition';
import { quoteIdentifier, tokenizeSql } from './sql-tokens';

/** How a holder's SQL names one shard of its subquery: `__shard_<i>`, its place in the subquery's shard list. */
export function shardAt(index: number): string {
  return `${SHARD_VIEW}_${index}`;
}

/** The place a `__shard_<i>` name stands for, or undefined for any other name. */
export function shardIndexOf(name: string): number | undefined {
  const match = /^__shard_(\d{1,6})$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** One dataset of a query run whole: its name in the SQL and its shards' places in the subquery. */
export interface WholeBinding {
  readonly table: string;
  readonly shards: readonly number[];
}

/**
 * The user's SQL as one holder runs it when it holds every shard the query needs: each dataset's
 * name is bound, by leading CTEs, to the union of its shards (`__shard_<i>`; a query over one
 * dataset uses `__shard`, the union of all), so the holder's answer is the whole result and
 * nothing is merged. Undefined when the statement does not begin as this rewrite expects (it
 * must start with SELECT, FROM or WITH); the caller then plans the query the usual way.
 */
export function wholeQueryOverShards(sql: string, datasets: readonly WholeBinding[]): string | undefined {
  let tokens;
  try {
    tokens = tokenizeSql(sql);
  } catch {
    return undefined;
  }
  const [first, second] = tokens;
  if (!first || first.kind !== 'word' || datasets.length === 0) return undefined;
  const rowsOf = ({ shards }: WholeBinding): string => (datasets.length === 1 ? `SELECT * FROM ${SHARD_VIEW}` : shards.map((index) => `SELECT * FROM ${shardAt(index)}`).join(' UNION ALL '));
  const bindings = datasets.map((dataset) => `${quoteIdentifier(dataset.table)} AS (${rowsOf(dataset)})`).join(', ');
  if (first.value === 'SELECT' || first.value === 'FROM') return `WITH ${bindings} ${sql.slice(first.start)}`;
  if (first.value !== 'WITH') return undefined;
  // WITH [RECURSIVE] a AS (...): the bindings go first in the list.
  const after = second?.kind === 'word' && second.value === 'RECURSIVE' ? second : first;
  return `${sql.slice(first.start, after.end)} ${bindings}, ${sql.slice(after.end).trimStart()}`;
}
