import type { ColumnStats } from '../catalog/manifest';
import type { SqlExpression } from './select-shape';
import { identifierKey, type SqlToken } from './sql-tokens';

// Shard pruning by column stats: a shard is skipped only when some top-level conjunct of the
// WHERE clause is provably false for every row, judged from its min, max and null count.
// Anything the pruner does not understand keeps the shard (pruning is an optimisation; the
// holders apply the full filter anyway).

type Literal = number | string;

interface Bound {
  readonly column: string;
  readonly test: (stats: ColumnStats, rows: number) => boolean;
}

/** What a shard knows about itself: rows and per-column stats, by column name. */
export interface ShardFacts {
  readonly rows: number;
  readonly stats: Readonly<Record<string, ColumnStats>>;
}

/**
 * Columns whose stats are the values themselves, by Arrow type name: plain integers and floats
 * (numbers), and strings. Dates, timestamps and decimals keep raw encodings in their stats, so
 * they never prune.
 */
export function prunableColumns(columns: readonly { name: string; type: string }[]): Set<string> {
  return new Set(columns.filter((column) => /^(u?int(8|16|32|64)|float(16|32|64)?|utf8|largeutf8)$/i.test(column.type)).map((column) => column.name.toLowerCase()));
}

/** Whether a shard may hold rows passing `filter` (true when in doubt); only `prunable` columns are judged. */
export function shardMayMatch(filter: SqlExpression | undefined, shard: ShardFacts, alias: string, prunable: ReadonlySet<string>): boolean {
  if (!filter) return true;
  const byKey = new Map(Object.entries(shard.stats).filter(([name]) => prunable.has(name.toLowerCase())).map(([name, stats]) => [name.toLowerCase(), stats]));
  for (const conjunct of conjuncts(filter.tokens)) {
    const bound = boundOf(conjunct, alias);
    const stats = bound ? byKey.get(bound.column) : undefined;
    if (bound && stats && !bound.test(stats, shard.rows)) return false;
  }
  return true;
}

/** Splits at top-level AND (the AND of a BETWEEN stays with it); a top-level OR makes it one conjunct. */
function conjuncts(tokens: readonly SqlToken[]): SqlToken[][] {
  const level = Math.min(...tokens.map((t) => t.depth));
  if (tokens.some((t) => t.depth === level && t.value === 'OR')) return [[...tokens]];
  const parts: SqlToken[][] = [[]];
  let between = false;
  for (const token of tokens) {
    if (token.depth === level && token.value === 'BETWEEN') between = true;
    if (token.depth === level && token.value === 'AND' && token.kind === 'word') {
      if (between) between = false;
      else {
        parts.push([]);
        continue;
      }
    }
    parts.at(-1)?.push(token);
  }
  return parts.filter((part) => part.length > 0);
}

/** `col`, or `alias.col`: the column key and how many tokens it took. */
function columnAt(tokens: readonly SqlToken[], at: number, alias: string): { key: string; length: number } | undefined {
  const first = tokens[at];
  if (!first) return undefined;
  if (tokens[at + 1]?.text === '.' && first.text === alias) {
    const key = tokens[at + 2] ? identifierKey(tokens[at + 2] as SqlToken) : undefined;
    return key === undefined ? undefined : { key, length: 3 };
  }
  if (first.kind === 'word' && ['NULL', 'TRUE', 'FALSE', 'DATE', 'TIMESTAMP', 'INTERVAL'].includes(first.value)) return undefined;
  const key = identifierKey(first);
  return key === undefined ? undefined : { key, length: 1 };
}

/** A number or string literal (with an optional minus sign) and how many tokens it took. */
function literalAt(tokens: readonly SqlToken[], at: number): { value: Literal; length: number } | undefined {
  const first = tokens[at];
  if (first?.kind === 'number') return { value: Number(first.value), length: 1 };
  if (first?.kind === 'string') return { value: first.value, length: 1 };
  if (first?.text === '-' && tokens[at + 1]?.kind === 'number') return { value: -Number(tokens[at + 1]?.value), length: 2 };
  return undefined;
}

const FLIPPED: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '==': '=', '<>': '<>', '!=': '<>' };

function boundOf(tokens: readonly SqlToken[], alias: string): Bound | undefined {
  const column = columnAt(tokens, 0, alias);
  if (column) {
    const rest = tokens.slice(column.length);
    const op = rest[0]?.text ?? '';
    if (op in FLIPPED) {
      const literal = literalAt(rest, 1);
      if (literal && literal.length === rest.length - 1) return compare(column.key, FLIPPED[FLIPPED[op] ?? ''] ?? op, literal.value);
    }
    if (rest[0]?.value === 'IS' && rest[1]?.value === 'NULL' && rest.length === 2) return { column: column.key, test: (stats) => stats.nulls > 0 };
    if (rest[0]?.value === 'IS' && rest[1]?.value === 'NOT' && rest[2]?.value === 'NULL' && rest.length === 3) {
      return { column: column.key, test: (stats, rows) => stats.nulls < rows };
    }
    if (rest[0]?.value === 'BETWEEN') {
      const low = literalAt(rest, 1);
      const high = low && rest[1 + low.length]?.value === 'AND' ? literalAt(rest, 2 + low.length) : undefined;
      if (low && high && 2 + low.length + high.length === rest.length) {
        const atLeast = compare(column.key, '>=', low.value);
        const atMost = compare(column.key, '<=', high.value);
        return { column: column.key, test: (stats, rows) => atLeast.test(stats, rows) && atMost.test(stats, rows) };
      }
    }
    if (rest[0]?.value === 'IN' && rest[1]?.text === '(' && rest.at(-1)?.text === ')') {
      const values: Literal[] = [];
      for (let i = 2; i < rest.length - 1; i++) {
        const literal = literalAt(rest, i);
        if (!literal) return undefined;
        values.push(literal.value);
        i += literal.length;
        if (i < rest.length - 1 && rest[i]?.text !== ',') return undefined;
      }
      const equals = values.map((value) => compare(column.key, '=', value));
      return { column: column.key, test: (stats, rows) => equals.some((bound) => bound.test(stats, rows)) };
    }
    return undefined;
  }
  const literal = literalAt(tokens, 0);
  const op = literal ? (tokens[literal.length]?.text ?? '') : '';
  const flipped = FLIPPED[op];
  const right = literal && flipped ? columnAt(tokens, literal.length + 1, alias) : undefined;
  if (literal && flipped && right && literal.length + 1 + right.length === tokens.length) return compare(right.key, flipped, literal.value);
  return undefined;
}

/** `column op value` is possible for some row whose value lies in [min, max] (nulls never compare true). */
function compare(column: string, op: string, value: Literal): Bound {
  return {
    column,
    test: (stats, rows) => {
      const { min, max } = stats;
      if (min === null || max === null) return stats.nulls < rows; // all null: no comparison holds
      if (typeof min !== typeof value || typeof max !== typeof value) return true;
      const below = (a: Literal, b: Literal): boolean => order(a, b) < 0;
      switch (op) {
        case '=':
          return !below(value, min as Literal) && !below(max as Literal, value);
        case '<>':
          return !(order(min as Literal, value) === 0 && order(max as Literal, value) === 0);
        case '<':
          return below(min as Literal, value);
        case '<=':
          return !below(value, min as Literal);
        case '>':
          return below(value, max as Literal);
        case '>=':
          return !below(max as Literal, value);
        default:
          return true;
      }
    },
  };
}

/** DuckDB's order: numbers numerically, strings by code point (UTF-8 byte order). */
function order(a: Literal, b: Literal): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = [...String(a)];
  const right = [...String(b)];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = (left[i]?.codePointAt(0) ?? 0) - (right[i]?.codePointAt(0) ?? 0);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}
