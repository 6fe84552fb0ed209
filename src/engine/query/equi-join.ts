import { selectShape } from './select-shape';
import { identifierKey, tokenizeSql, type SqlToken } from './sql-tokens';

/** `FROM a [AS] x [INNER] JOIN b [AS] y ON x.c = y.d`: the two tables (lower-cased) and the columns compared. */
export interface EquiJoin {
  readonly sides: readonly [{ readonly table: string; readonly column: string }, { readonly table: string; readonly column: string }];
}

const NOT_INNER = new Set(['LEFT', 'RIGHT', 'FULL', 'OUTER', 'CROSS', 'NATURAL', 'ASOF', 'POSITIONAL', 'ANTI', 'SEMI', 'LATERAL', 'USING']);
const CLAUSE_ENDS = new Set(['WHERE', 'GROUP', 'HAVING', 'WINDOW', 'QUALIFY', 'ORDER', 'LIMIT', 'OFFSET']);

/**
 * The one inner equi-join of a plain SELECT over two tables, or undefined for anything else
 * (outer, cross, natural or USING joins, more tables, set operations). Only an inner join may
 * drop the rows of one side that have no match on the other before joining.
 */
export function innerEquiJoin(sql: string): EquiJoin | undefined {
  const tokens = tokenizeSql(sql.trim().replace(/;\s*$/, ''));
  if (tokens[0]?.value !== 'SELECT' || selectShape(sql) !== undefined) return undefined;
  if (tokens.some((t) => t.depth === 0 && ['UNION', 'INTERSECT', 'EXCEPT', 'WITH'].includes(t.value))) return undefined;
  const from = tokens.findIndex((t) => t.depth === 0 && t.value === 'FROM');
  if (from < 0) return undefined;
  let end = tokens.findIndex((t, i) => i > from && t.depth === 0 && CLAUSE_ENDS.has(t.value));
  if (end < 0) end = tokens.length;
  const clause = tokens.slice(from + 1, end);
  if (clause.some((t) => t.depth !== 0 || NOT_INNER.has(t.value))) return undefined;
  const join = clause.findIndex((t) => t.value === 'JOIN');
  const on = clause.findIndex((t) => t.value === 'ON');
  if (join < 0 || on < join || clause.filter((t) => t.value === 'JOIN').length !== 1) return undefined;
  const left = tableRef(clause.slice(0, clause[join - 1]?.value === 'INNER' ? join - 1 : join));
  const right = tableRef(clause.slice(join + 1, on));
  const condition = clause.slice(on + 1);
  if (!left || !right || condition.length !== 7 || condition[1]?.text !== '.' || condition[3]?.text !== '=' || condition[5]?.text !== '.') return undefined;
  const [q1, , c1, , q2, , c2] = condition.map((t) => identifierKey(t));
  if (!q1 || !c1 || !q2 || !c2) return undefined;
  const sideOf = (qualifier: string): string | undefined => (qualifier === left.alias ? left.table : qualifier === right.alias ? right.table : undefined);
  const t1 = sideOf(q1);
  const t2 = sideOf(q2);
  if (!t1 || !t2 || t1 === t2) return undefined;
  return { sides: [{ table: t1, column: c1 }, { table: t2, column: c2 }] };
}

function tableRef(tokens: readonly SqlToken[]): { table: string; alias: string } | undefined {
  const [name, ...rest] = tokens;
  const table = name ? identifierKey(name) : undefined;
  if (!table) return undefined;
  const aliasTokens = rest[0]?.value === 'AS' ? rest.slice(1) : rest;
  if (aliasTokens.length > 1) return undefined;
  const alias = aliasTokens[0] ? identifierKey(aliasTokens[0]) : table;
  return alias ? { table, alias } : undefined;
}
