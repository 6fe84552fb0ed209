import { tokenizeSql } from './sql-tokens';

// Holders run SQL that peers send them, in the DuckDB that also keeps their cached shard
// tables: only one plain SELECT is allowed, with nothing that writes, loads, attaches or reads
// files. A refusal is the asker's SQL error, not a retry on another replica.

const FORBIDDEN = new Set([
  'INSERT', 'UPDATE', 'DELETE', 'DROP', 'CREATE', 'ALTER', 'ATTACH', 'DETACH', 'COPY', 'PRAGMA', 'SET', 'RESET', 'INSTALL',
  'LOAD', 'CALL', 'EXPORT', 'IMPORT', 'CHECKPOINT', 'VACUUM', 'TRUNCATE', 'USE', 'BEGIN', 'COMMIT', 'ROLLBACK', 'GLOB',
]);

/** Throws an Error saying why, unless `sql` is a single read-only SELECT (or WITH ... SELECT). */
export function assertReadOnlySelect(sql: string): void {
  const tokens = tokenizeSql(sql.trim().replace(/;\s*$/, ''));
  const first = tokens[0]?.value;
  if (first !== 'SELECT' && first !== 'WITH' && first !== 'FROM') throw new Error('only SELECT queries run across the swarm');
  if (tokens.some((token) => token.kind === 'symbol' && token.text === ';')) throw new Error('one statement at a time: remove the ";"');
  for (const token of tokens) {
    if (token.kind !== 'word') continue;
    if (FORBIDDEN.has(token.value)) throw new Error(`${token.value} is not allowed in a swarm query (read-only SELECT only)`);
    if (/^(READ_|PARQUET_|SNIFF_CSV|QUERY_TABLE|QUERY$)/.test(token.value)) throw new Error(`${token.text} reads files or runs SQL text: not allowed in a swarm query`);
  }
}
