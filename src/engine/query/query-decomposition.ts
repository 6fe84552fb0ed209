import { DECOMPOSABLE_AGGREGATES, isAggregateName } from './aggregate-functions';
import { selectShape, type SelectShape, type SqlExpression } from './select-shape';
import { identifierKey, quoteIdentifier, tokenizeSql, type SqlToken } from './sql-tokens';

/** A dataset as queries see it: the table name they use and its columns. */
export interface DatasetTable {
  readonly name: string;
  readonly columns: readonly string[];
}

/** The view a holder registers its shard under for the shard SQL. */
export const SHARD_VIEW = '__shard';
/** The view the asking tab registers the holders' partial results under for the merge SQL. */
export const PARTS_VIEW = '__parts';

/**
 * How a query over one dataset runs across the swarm.
 * - `aggregate`: every holder computes group keys and partial aggregates of its shard
 *   (`shardSql`); the asking tab combines them (`mergeSql` over `__parts`).
 * - `gather`: every holder returns only the needed columns of the rows that pass the pushed
 *   filter (and, for ORDER BY ... LIMIT, only its own top rows); the asking tab runs the
 *   original query over them (`finishSql`, with the rows registered under the dataset's name).
 * `filter` is the WHERE clause the holders apply, for pruning shards by their stats.
 */
export type QueryDecomposition =
  | { readonly kind: 'aggregate'; readonly shardSql: string; readonly mergeSql: string; readonly filter: SqlExpression | undefined }
  | { readonly kind: 'gather'; readonly shardSql: string; readonly finishSql: string; readonly filter: SqlExpression | undefined };

/**
 * Splits a query over `table` into holder and asker parts. `outputNames` are the column names
 * DuckDB gives the query's result (learned by running it over an empty table), so a merged
 * result is named exactly as a local one.
 */
export function decomposeQuery(sql: string, table: DatasetTable, outputNames: readonly string[]): QueryDecomposition {
  const shape = singleTableShape(sql, table);
  return (shape && aggregatePlan(shape, table, outputNames)) ?? gatherPlan(sql, table, shape);
}

/** The gather plan alone: for a query the merge could not run, or one of several datasets in a join. */
export function gatherQuery(sql: string, table: DatasetTable): QueryDecomposition {
  return gatherPlan(sql, table, singleTableShape(sql, table));
}

/** The query's shape when it reads `table` alone, with no subquery that could read it again. */
export function singleTableShape(sql: string, table: DatasetTable): SelectShape | undefined {
  const shape = selectShape(sql);
  return shape && shape.table === table.name.toLowerCase() && !shape.tokens.slice(1).some((t) => t.value === 'SELECT') ? shape : undefined;
}

function gatherPlan(sql: string, table: DatasetTable, shape: SelectShape | undefined): QueryDecomposition {
  const columns = neededColumns(tokenizeSql(sql), table);
  const list = columns.length > 0 ? columns.map(quoteIdentifier).join(', ') : '1 AS __row';
  if (!shape) return { kind: 'gather', shardSql: `SELECT ${list} FROM ${SHARD_VIEW}`, finishSql: sql, filter: undefined };
  const where = shape.where ? ` WHERE ${shape.where.text}` : '';
  return { kind: 'gather', shardSql: `SELECT ${list} FROM ${SHARD_VIEW} AS ${shape.tableAlias}${where}${topRows(shape, table)}`, finishSql: sql, filter: shape.where };
}

/**
 * A plain ORDER BY ... LIMIT over rows (no grouping, no DISTINCT) needs at most LIMIT + OFFSET
 * rows from each shard: the global top rows are among the shards' top rows.
 */
function topRows(shape: SelectShape, table: DatasetTable): string {
  if (!shape.orderBy || shape.distinct || shape.groupBy.length > 0 || shape.groupByAll || shape.having || shape.hasOtherClauses) return '';
  if (shape.items.some((item) => item.tokens.some((t, i) => isCall(item.tokens, i) && isAggregateName(t.value)))) return '';
  const limit = /^LIMIT\s+(\d+)(?:\s+OFFSET\s+(\d+))?$/i.exec(shape.tail);
  if (!limit) return '';
  // Only columns of the table may appear (no select aliases, no ordinals: they mean something else in the shard SQL).
  const columns = new Set(table.columns.map((c) => c.toLowerCase()));
  const keywords = new Set(['ASC', 'DESC', 'NULLS', 'FIRST', 'LAST']);
  for (const token of shape.orderBy.tokens) {
    if (token.kind === 'number' || token.kind === 'string') return '';
    const key = identifierKey(token);
    if (token.kind === 'word' && (keywords.has(token.value) || token.text === shape.tableAlias)) continue;
    if (key !== undefined && !columns.has(key) && !isCall(shape.orderBy.tokens, shape.orderBy.tokens.indexOf(token))) return '';
  }
  return ` ORDER BY ${shape.orderBy.text} LIMIT ${Number(limit[1]) + Number(limit[2] ?? 0)}`;
}

/** The dataset's columns the SQL mentions (all of them for `*` or COLUMNS(...)), in table order. */
export function neededColumns(tokens: readonly SqlToken[], table: DatasetTable): string[] {
  const star = tokens.some((t, i) => (t.text === '*' && isStarExpansion(tokens, i)) || (t.value === 'COLUMNS' && tokens[i + 1]?.text === '('));
  if (star) return [...table.columns];
  const mentioned = new Set(tokens.map(identifierKey).filter((key) => key !== undefined));
  return table.columns.filter((column) => mentioned.has(column.toLowerCase()));
}

function isStarExpansion(tokens: readonly SqlToken[], at: number): boolean {
  const before = tokens[at - 1];
  if (!before) return false;
  if (before.text === '(' && tokens[at + 1]?.text === ')') return false; // count(*)
  return before.value === 'SELECT' || before.value === 'DISTINCT' || before.value === 'ALL' || before.text === ',' || before.text === '.' || before.text === '(';
}

function isCall(tokens: readonly SqlToken[], at: number): boolean {
  return tokens[at]?.kind === 'word' && tokens[at + 1]?.text === '(';
}

/** Index of the `)` that closes the `(` at `open`. */
function closing(tokens: readonly SqlToken[], open: number): number {
  const depth = tokens[open]?.depth ?? 0;
  for (let i = open + 1; i < tokens.length; i++) if (tokens[i]?.text === ')' && tokens[i]?.depth === depth) return i;
  return tokens.length - 1;
}

interface Partial {
  readonly shardSql: string;
  readonly mergeSql: string;
}

/** Plans partial aggregation, or returns undefined when the query is not a decomposable aggregate. */
function aggregatePlan(shape: SelectShape, table: DatasetTable, outputNames: readonly string[]): QueryDecomposition | undefined {
  if (shape.distinct || shape.hasOtherClauses || outputNames.length !== shape.items.length) return undefined;
  if (shape.items.some((item) => item.tokens.some((t) => t.text === '*' && isStarExpansion(item.tokens, item.tokens.indexOf(t))))) return undefined;
  const keys = groupKeys(shape);
  if (!keys) return undefined;
  const hasAggregate = shape.items.some((item) => item.tokens.some((t, i) => isCall(item.tokens, i) && isAggregateName(t.value)));
  if (!hasAggregate && keys.length === 0) return undefined;
  const columns = new Set(table.columns.map((c) => c.toLowerCase()));
  const partials: string[] = keys.map((key, i) => `${key.text} AS __k${i}`);
  const calls = new Map<string, string>();
  const rewrite = (expression: SqlExpression): string | undefined => rewriteForMerge(shape.sql, expression.tokens, keys, columns, shape.tableAlias, calls, partials);
  const select: string[] = [];
  for (const [i, item] of shape.items.entries()) {
    const merged = rewrite(item);
    if (merged === undefined) return undefined;
    select.push(`${merged} AS ${quoteIdentifier(outputNames[i] ?? `column${i}`)}`);
  }
  const having = shape.having ? rewrite(shape.having) : '';
  const orderBy = shape.orderBy ? rewrite(shape.orderBy) : '';
  if (having === undefined || orderBy === undefined) return undefined;
  const where = shape.where ? ` WHERE ${shape.where.text}` : '';
  const groupShard = keys.length > 0 ? ` GROUP BY ${keys.map((_, i) => i + 1).join(', ')}` : '';
  const groupMerge = keys.length > 0 ? ` GROUP BY ${keys.map((_, i) => `__k${i}`).join(', ')}` : '';
  const plan: Partial = {
    shardSql: `SELECT ${partials.join(', ')} FROM ${SHARD_VIEW} AS ${shape.tableAlias}${where}${groupShard}`,
    mergeSql: `SELECT ${select.join(', ')} FROM ${PARTS_VIEW}${groupMerge}${having ? ` HAVING ${having}` : ''}${orderBy ? ` ORDER BY ${orderBy}` : ''}${shape.tail ? ` ${shape.tail}` : ''}`,
  };
  return { kind: 'aggregate', ...plan, filter: shape.where };
}

/** The GROUP BY keys as expressions (ordinals and select aliases resolved); undefined if unsupported. */
function groupKeys(shape: SelectShape): SqlExpression[] | undefined {
  const isAggregateItem = (item: SqlExpression): boolean => item.tokens.some((t, i) => isCall(item.tokens, i) && isAggregateName(t.value));
  if (shape.groupByAll) return shape.items.filter((item) => !isAggregateItem(item));
  const keys: SqlExpression[] = [];
  for (const key of shape.groupBy) {
    const only = key.tokens.length === 1 ? key.tokens[0] : undefined;
    if (only?.kind === 'number') {
      const item = shape.items[Number(only.value) - 1];
      if (!item || isAggregateItem(item)) return undefined;
      keys.push(item);
      continue;
    }
    const aliased = only ? shape.items.find((item) => item.alias !== undefined && item.alias.toLowerCase() === identifierKey(only)) : undefined;
    keys.push(aliased ?? key);
  }
  return keys;
}

const sameTokens = (a: readonly SqlToken[], b: readonly SqlToken[]): boolean =>
  a.length === b.length && a.every((token, i) => (identifierKey(token) ?? token.text) === (identifierKey(b[i] as SqlToken) ?? b[i]?.text));

/**
 * Rewrites an expression of the final result in terms of `__parts`: group keys become their
 * key columns, decomposable aggregate calls become merges of partial columns (added to
 * `partials`). Undefined if a column of the table is still referenced outside both, or an
 * aggregate cannot be merged.
 */
function rewriteForMerge(
  sql: string,
  tokens: readonly SqlToken[],
  keys: readonly SqlExpression[],
  columns: ReadonlySet<string>,
  alias: string,
  calls: Map<string, string>,
  partials: string[],
): string | undefined {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    const token = tokens[i] as SqlToken;
    const key = keys.findIndex((candidate) => sameTokens(candidate.tokens, tokens.slice(i, i + candidate.tokens.length)));
    if (key >= 0) {
      out.push(`__k${key}`);
      i += keys[key]?.tokens.length ?? 1;
      continue;
    }
    if (isCall(tokens, i) && isAggregateName(token.value)) {
      const close = closing(tokens, i + 1);
      const next = tokens[close + 1];
      if (!DECOMPOSABLE_AGGREGATES.has(token.value) || next?.value === 'OVER' || next?.value === 'FILTER') return undefined;
      const args = tokens.slice(i + 2, close);
      if (args.some((t, j) => t.value === 'DISTINCT' || t.value === 'ORDER' || (isCall(args, j) && isAggregateName(t.value)))) return undefined;
      const argText = args.length > 0 ? sql.slice(args[0]?.start, args.at(-1)?.end) : '';
      out.push(mergedCall(token.value, argText, calls, partials));
      i = close + 1;
      continue;
    }
    const id = identifierKey(token);
    const qualifier = token.text === alias && tokens[i + 1]?.text === '.';
    if (id !== undefined && columns.has(id) && !qualifier && tokens[i - 1]?.text !== '.' && !isCall(tokens, i)) return undefined;
    if (id !== undefined && tokens[i - 1]?.text === '.' && columns.has(id)) return undefined;
    out.push(token.text);
    i++;
  }
  return out.join(' ');
}

/** The merge of one aggregate call, registering its partial columns once per distinct call. */
function mergedCall(name: string, argText: string, calls: Map<string, string>, partials: string[]): string {
  const signature = `${name}(${argText})`;
  const known = calls.get(signature);
  if (known) return known;
  const column = (sqlText: string): string => {
    partials.push(`${sqlText} AS __p${partials.length}`);
    return `__p${partials.length - 1}`;
  };
  const arg = argText === '' || argText === '*' ? '*' : argText;
  let merged: string;
  if (name === 'COUNT') merged = `coalesce(sum(${column(`count(${arg})`)}), 0)::BIGINT`;
  else if (name === 'SUM') merged = `sum(${column(`sum(${arg})`)})`;
  else if (name === 'MIN') merged = `min(${column(`min(${arg})`)})`;
  else if (name === 'MAX') merged = `max(${column(`max(${arg})`)})`;
  else {
    const total = column(`sum(${arg})`);
    const count = column(`count(${arg})`);
    merged = `(sum(${total})::DOUBLE / nullif(sum(${count}), 0))`;
  }
  calls.set(signature, merged);
  return merged;
}
