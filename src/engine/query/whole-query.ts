import { SHARD_VIEW } from './query-decomposition';
import { quoteIdentifier, tokenizeSql } from './sql-tokens';

/**
 * The user's SQL as one holder runs it when it holds every shard the query needs: the dataset's
 * name is bound, by a leading CTE, to the union of those shards (`__shard`), so the holder's
 * answer is the whole result and nothing is merged. Undefined when the statement does not begin
 * as this rewrite expects (it must start with SELECT, FROM or WITH); the caller then plans the
 * query the usual way.
 */
export function wholeQueryOverShards(sql: string, table: string): string | undefined {
  let tokens;
  try {
    tokens = tokenizeSql(sql);
  } catch {
    return undefined;
  }
  const [first, second] = tokens;
  if (!first || first.kind !== 'word') return undefined;
  const binding = `${quoteIdentifier(table)} AS (SELECT * FROM ${SHARD_VIEW})`;
  if (first.value === 'SELECT' || first.value === 'FROM') return `WITH ${binding} ${sql.slice(first.start)}`;
  if (first.value !== 'WITH') return undefined;
  // WITH [RECURSIVE] a AS (...): the binding goes first in the list.
  const after = second?.kind === 'word' && second.value === 'RECURSIVE' ? second : first;
  return `${sql.slice(first.start, after.end)} ${binding}, ${sql.slice(after.end).trimStart()}`;
}
