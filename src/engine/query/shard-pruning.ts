import type { ColumnStats } from '../catalog/manifest';
import type { SqlExpression } from './select-shape';
import { identifierKey, type SqlToken } from './sql-tokens';

// Shard pruning by column stats: a shard is skipped only when some top-level conjunct of the
// WHERE clause is provably false for every row, judged from its min, max and null count.
// Anything the pruner does not understand keeps the shard (pruning is an optimisation; the
// holders apply the full filter anyway).

/** A literal as written: a number, a string, or a typed DATE/TIMESTAMP literal as epoch milliseconds. */
type Literal = number | string | { readonly epochMs: number };

/** How a column's stats compare: as the values themselves, or as epoch milliseconds (dates, timestamps). */
export type PrunableKind = 'value' | 'date' | 'timestamp';

interface Bound {
  readonly column: string;
  readonly test: (stats: ColumnStats, rows: number, kind: PrunableKind) => boolean;
}

/** What a shard knows about itself: rows and per-column stats, by column name. */
export interface ShardFacts {
  readonly rows: number;
  readonly stats: Readonly<Record<string, ColumnStats>>;
}

/**
 * Columns whose stats can prune, by Arrow type name: plain integers and floats (numbers) and
 * strings, whose stats are the values; dates and timestamps without a time zone, whose stats
 * are epoch milliseconds (compared with DATE and TIMESTAMP literals, or ISO strings). Not
 * nanosecond timestamps (milliseconds as a double lose nanoseconds), zoned timestamps (their
 * literals depend on the session's zone) or decimals (no stats).
 */
export function prunableColumns(columns: readonly { name: string; type: string }[]): Map<string, PrunableKind> {
  const kinds = new Map<string, PrunableKind>();
  for (const { name, type } of columns) {
    if (/^(u?int(8|16|32|64)|float(16|32|64)?|utf8|largeutf8)$/i.test(type)) kinds.set(name.toLowerCase(), 'value');
    else if (/^date(32|64)<(day|millisecond)>$/i.test(type)) kinds.set(name.toLowerCase(), 'date');
    else if (/^timestamp<(second|millisecond|microsecond)>$/i.test(type)) kinds.set(name.toLowerCase(), 'timestamp');
  }
  return kinds;
}

/** Whether a shard may hold rows passing `filter` (true when in doubt); only `prunable` columns are judged. */
export function shardMayMatch(filter: SqlExpression | undefined, shard: ShardFacts, alias: string, prunable: ReadonlyMap<string, PrunableKind>): boolean {
  if (!filter) return true;
  const byKey = new Map(Object.entries(shard.stats).map(([name, stats]) => [name.toLowerCase(), stats]));
  for (const conjunct of conjuncts(filter.tokens)) {
    const bound = boundOf(conjunct, alias);
    const kind = bound ? prunable.get(bound.column) : undefined;
    const stats = bound ? byKey.get(bound.column) : undefined;
    if (bound && kind && stats && !bound.test(stats, shard.rows, kind)) return false;
  }
  return true;
}

/** An ISO date or timestamp ('2014-01-31', '2014-01-31 12:30:00.250') as UTC epoch ms, or undefined. */
function epochMsOf(text: string): number | undefined {
  const match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, Number((match[7] ?? '').padEnd(3, '0')));
  const date = new Date(ms);
  // Date.UTC rolls 2014-02-30 over into March; DuckDB rejects it, so nothing is judged.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  return ms;
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

/** A number or string literal (with an optional minus sign), or DATE/TIMESTAMP 'text', and how many tokens it took. */
function literalAt(tokens: readonly SqlToken[], at: number): { value: Literal; length: number } | undefined {
  const first = tokens[at];
  if (first?.kind === 'number') return { value: Number(first.value), length: 1 };
  if (first?.kind === 'string') return { value: first.value, length: 1 };
  if (first?.kind === 'word' && (first.value === 'DATE' || first.value === 'TIMESTAMP') && tokens[at + 1]?.kind === 'string') {
    const epochMs = epochMsOf(tokens[at + 1]?.value ?? '');
    return epochMs === undefined ? undefined : { value: { epochMs }, length: 2 };
  }
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
        return { column: column.key, test: (stats, rows, kind) => atLeast.test(stats, rows, kind) && atMost.test(stats, rows, kind) };
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
      return { column: column.key, test: (stats, rows, kind) => equals.some((bound) => bound.test(stats, rows, kind)) };
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

/**
 * The literal as the column's stats compare: epoch ms for a date or timestamp column (from a
 * typed literal, which compares by promoting a date to midnight as DuckDB does, or an ISO
 * string), the literal itself otherwise; undefined if it cannot be judged.
 */
function comparableLiteral(literal: Literal, kind: PrunableKind): number | string | undefined {
  if (kind === 'value') return typeof literal === 'object' ? undefined : literal;
  if (typeof literal === 'object') return literal.epochMs;
  // A string is cast to the column's type: a date column would drop a time of day, which
  // milliseconds cannot: only a plain date string is judged there.
  if (typeof literal !== 'string' || (kind === 'date' && !/^\s*\d{4}-\d{1,2}-\d{1,2}\s*$/.test(literal))) return undefined;
  return epochMsOf(literal);
}

/** `column op value` is possible for some row whose value lies in [min, max] (nulls never compare true). */
function compare(column: string, op: string, literal: Literal): Bound {
  return {
    column,
    test: (stats, rows, kind) => {
      const { min, max } = stats;
      if (min === null || max === null) return stats.nulls < rows; // all null: no comparison holds
      const value = comparableLiteral(literal, kind);
      if (value === undefined || typeof min !== typeof value || typeof max !== typeof value) return true;
      const below = (a: number | string, b: number | string): boolean => order(a, b) < 0;
      switch (op) {
        case '=':
          return !below(value, min as number | string) && !below(max as number | string, value);
        case '<>':
          return !(order(min as number | string, value) === 0 && order(max as number | string, value) === 0);
        case '<':
          return below(min as number | string, value);
        case '<=':
          return !below(value, min as number | string);
        case '>':
          return below(value, max as number | string);
        case '>=':
          return !below(max as number | string, value);
        default:
          return true;
      }
    },
  };
}

/** DuckDB's order: numbers numerically, strings by code point (UTF-8 byte order). */
function order(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = [...String(a)];
  const right = [...String(b)];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = (left[i]?.codePointAt(0) ?? 0) - (right[i]?.codePointAt(0) ?? 0);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}
