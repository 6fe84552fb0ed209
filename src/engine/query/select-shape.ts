import { identifierKey, tokenizeSql, type SqlToken } from './sql-tokens';

/** One expression of a list (select items, GROUP BY keys), as tokens and text. */
export interface SqlExpression {
  readonly tokens: readonly SqlToken[];
  readonly text: string;
}

export interface SelectItem extends SqlExpression {
  /** The `AS name` given, if any. */
  readonly alias: string | undefined;
}

/**
 * The top-level clauses of a plain `SELECT ... FROM one_table ...` statement. Anything else
 * (WITH, set operations, joins, several tables, a subquery in FROM) has no shape: the planner
 * then gathers and finishes locally.
 */
export interface SelectShape {
  readonly sql: string;
  readonly tokens: readonly SqlToken[];
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  /** The table named in FROM (lower-cased key) and the name it is referred to by in the query. */
  readonly table: string;
  readonly tableAlias: string;
  readonly where: SqlExpression | undefined;
  /** GROUP BY keys as written; `groupByAll` for GROUP BY ALL. */
  readonly groupBy: readonly SqlExpression[];
  readonly groupByAll: boolean;
  readonly having: SqlExpression | undefined;
  readonly orderBy: SqlExpression | undefined;
  /** LIMIT and OFFSET clauses as written, to be appended to the merge unchanged. */
  readonly tail: string;
  /** Windows, QUALIFY, SAMPLE and the like: clauses the planner does not decompose. */
  readonly hasOtherClauses: boolean;
}

const CLAUSES = ['SELECT', 'FROM', 'WHERE', 'GROUP', 'HAVING', 'WINDOW', 'QUALIFY', 'ORDER', 'LIMIT', 'OFFSET', 'USING'] as const;
const SET_OPERATIONS = new Set(['UNION', 'INTERSECT', 'EXCEPT']);
const NOT_A_PLAIN_TABLE = new Set(['JOIN', 'ON', 'LATERAL', 'PIVOT', 'UNPIVOT', 'TABLESAMPLE', 'POSITIONAL', 'ASOF', 'NATURAL', 'CROSS']);

/** Parses the top level of a plain single-table SELECT; undefined when the statement is anything else. */
export function selectShape(sql: string): SelectShape | undefined {
  const trimmed = sql.trim().replace(/;\s*$/, '');
  const tokens = tokenizeSql(trimmed);
  if (tokens[0]?.value !== 'SELECT' || tokens.some((t) => t.depth === 0 && t.text === ';')) return undefined;
  if (tokens.some((t) => t.depth === 0 && t.kind === 'word' && SET_OPERATIONS.has(t.value))) return undefined;
  const clauses = new Map<string, SqlToken[]>();
  let current: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as SqlToken;
    const clause = token.depth === 0 && token.kind === 'word' ? (CLAUSES as readonly string[]).find((name) => name === token.value) : undefined;
    if (clause && !clauses.has(clause)) {
      current = clause;
      clauses.set(clause, []);
      // GROUP BY / ORDER BY: the BY belongs to the keyword.
      if ((clause === 'GROUP' || clause === 'ORDER') && tokens[i + 1]?.value === 'BY') i++;
      continue;
    }
    if (clause || !current) return undefined;
    clauses.get(current)?.push(token);
  }
  const from = clauses.get('FROM') ?? [];
  const table = singleTable(from);
  if (!table) return undefined;
  let select = clauses.get('SELECT') ?? [];
  const distinct = select[0]?.value === 'DISTINCT';
  if (distinct || select[0]?.value === 'ALL') select = select.slice(1);
  if (select[0]?.value === 'ON') return undefined; // DISTINCT ON
  const groupTokens = clauses.get('GROUP') ?? [];
  const groupByAll = groupTokens.length === 1 && groupTokens[0]?.value === 'ALL';
  const tail = [clauses.has('LIMIT') ? `LIMIT ${textOf(trimmed, clauses.get('LIMIT') ?? [])}` : '', clauses.has('OFFSET') ? `OFFSET ${textOf(trimmed, clauses.get('OFFSET') ?? [])}` : '']
    .filter(Boolean)
    .join(' ');
  return {
    sql: trimmed,
    tokens,
    distinct,
    items: splitList(trimmed, select).map((expression) => withAlias(trimmed, expression)),
    table: table.key,
    tableAlias: table.alias,
    where: expressionOf(trimmed, clauses.get('WHERE')),
    groupBy: groupByAll ? [] : splitList(trimmed, groupTokens),
    groupByAll,
    having: expressionOf(trimmed, clauses.get('HAVING')),
    orderBy: expressionOf(trimmed, clauses.get('ORDER')),
    tail,
    hasOtherClauses: clauses.has('WINDOW') || clauses.has('QUALIFY') || clauses.has('USING') || (groupTokens.length > 0 && groupTokens.some((t) => t.depth === 0 && ['ROLLUP', 'CUBE', 'GROUPING'].includes(t.value))),
  };
}

/** `name`, `name alias`, `name AS alias`, `schema.name ...`: a single table and what the query calls it. */
function singleTable(from: readonly SqlToken[]): { key: string; alias: string } | undefined {
  if (from.length === 0 || from.some((t) => t.text === ',' || t.text === '(' || (t.kind === 'word' && NOT_A_PLAIN_TABLE.has(t.value)))) return undefined;
  const name = from[0];
  if (!name) return undefined;
  const key = identifierKey(name);
  if (key === undefined) return undefined;
  const rest = from.slice(1);
  if (rest.length === 0) return { key, alias: name.text };
  const aliasToken = rest[0]?.value === 'AS' ? rest[1] : rest[0];
  if (rest.length !== (rest[0]?.value === 'AS' ? 2 : 1) || !aliasToken || identifierKey(aliasToken) === undefined) return undefined;
  return { key, alias: aliasToken.text };
}

function textOf(sql: string, tokens: readonly SqlToken[]): string {
  const first = tokens[0];
  const last = tokens.at(-1);
  return first && last ? sql.slice(first.start, last.end) : '';
}

function expressionOf(sql: string, tokens: readonly SqlToken[] | undefined): SqlExpression | undefined {
  return tokens && tokens.length > 0 ? { tokens, text: textOf(sql, tokens) } : undefined;
}

/** Splits a comma-separated list at the clause's own level. */
export function splitList(sql: string, tokens: readonly SqlToken[]): SqlExpression[] {
  const level = tokens[0]?.depth ?? 0;
  const parts: SqlToken[][] = [[]];
  for (const token of tokens) {
    if (token.depth === level && token.text === ',') parts.push([]);
    else parts.at(-1)?.push(token);
  }
  return parts.filter((part) => part.length > 0).map((part) => ({ tokens: part, text: textOf(sql, part) }));
}

function withAlias(sql: string, expression: SqlExpression): SelectItem {
  const tokens = expression.tokens;
  const last = tokens.at(-1);
  const beforeLast = tokens.at(-2);
  if (last && beforeLast?.value === 'AS' && beforeLast.depth === last.depth && tokens.length > 2) {
    const body = tokens.slice(0, -2);
    return { tokens: body, text: textOf(sql, body), alias: last.kind === 'quoted' ? last.value : last.text };
  }
  return { ...expression, alias: undefined };
}
