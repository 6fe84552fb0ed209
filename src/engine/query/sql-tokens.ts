// A lexer for the SQL the planner reads: enough of DuckDB's dialect to find clauses, column
// names, aggregate calls and simple predicates. It never decides what a query means; DuckDB
// does, on the holders and in the merge. When the lexer cannot be sure, the planner falls
// back to the always-correct path (gather the needed columns, finish locally).

export type SqlTokenKind = 'word' | 'quoted' | 'string' | 'number' | 'symbol';

export interface SqlToken {
  readonly kind: SqlTokenKind;
  /** The token as written. */
  readonly text: string;
  /** For words, the upper-cased text; for quoted identifiers and strings, the unescaped value. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
  /** Parenthesis depth the token sits at (0 = the statement's top level). */
  readonly depth: number;
}

const TWO_CHAR_SYMBOLS = new Set(['<=', '>=', '<>', '!=', '::', '||', '->', '==', '**', '//']);

/** Statements tokenized lately: one query is tokenized by each step (checks, planning, rewriting), and repeated queries are common. */
const recentTokens = new Map<string, readonly SqlToken[]>();
const RECENT_STATEMENTS = 64;

/** Splits SQL into tokens, dropping whitespace and comments; throws on an unterminated string or quote. */
export function tokenizeSql(sql: string): readonly SqlToken[] {
  const known = recentTokens.get(sql);
  if (known) return known;
  const tokens = tokenize(sql);
  recentTokens.set(sql, tokens);
  if (recentTokens.size > RECENT_STATEMENTS) recentTokens.delete(recentTokens.keys().next().value ?? '');
  return tokens;
}

function tokenize(sql: string): readonly SqlToken[] {
  const tokens: SqlToken[] = [];
  let depth = 0;
  let at = 0;
  const push = (kind: SqlTokenKind, start: number, end: number, value: string): void => {
    tokens.push({ kind, text: sql.slice(start, end), value, start, end, depth });
  };
  while (at < sql.length) {
    const char = sql[at] ?? '';
    if (/\s/.test(char)) {
      at++;
    } else if (sql.startsWith('--', at)) {
      const newline = sql.indexOf('\n', at);
      at = newline < 0 ? sql.length : newline + 1;
    } else if (sql.startsWith('/*', at)) {
      const close = sql.indexOf('*/', at + 2);
      if (close < 0) throw new SyntaxError('unterminated /* comment');
      at = close + 2;
    } else if (char === "'" || char === '"') {
      const end = closingQuote(sql, at, char);
      push(char === "'" ? 'string' : 'quoted', at, end, sql.slice(at + 1, end - 1).replaceAll(char + char, char));
      at = end;
    } else if (/[0-9]/.test(char) || (char === '.' && /[0-9]/.test(sql[at + 1] ?? ''))) {
      const match = /^(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][+-]?[0-9]+)?/.exec(sql.slice(at));
      const end = at + (match?.[0].length ?? 1);
      push('number', at, end, sql.slice(at, end).replaceAll('_', ''));
      at = end;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(char)) {
      const match = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(at));
      const end = at + (match?.[0].length ?? 1);
      push('word', at, end, sql.slice(at, end).toUpperCase());
      at = end;
    } else {
      const pair = sql.slice(at, at + 2);
      const end = at + (TWO_CHAR_SYMBOLS.has(pair) ? 2 : 1);
      if (char === ')') depth--;
      push('symbol', at, end, sql.slice(at, end));
      if (char === '(') depth++;
      at = end;
    }
  }
  return tokens;
}

function closingQuote(sql: string, start: number, quote: string): number {
  let at = start + 1;
  for (;;) {
    const next = sql.indexOf(quote, at);
    if (next < 0) throw new SyntaxError(`unterminated ${quote === "'" ? 'string' : 'quoted identifier'} starting at ${start}`);
    if (sql[next + 1] === quote) {
      at = next + 2;
      continue;
    }
    return next + 1;
  }
}

/** An identifier as DuckDB resolves it: unquoted names are case-insensitive, quoted ones exact. */
export function identifierKey(token: SqlToken): string | undefined {
  if (token.kind === 'word') return token.text.toLowerCase();
  if (token.kind === 'quoted') return token.value.toLowerCase();
  return undefined;
}

/** Quotes a name as an SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a value as an SQL string literal. */
export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** `sql` with every identifier `name` (unquoted or quoted, any case) replaced by `replacement` text. */
export function replaceIdentifier(sql: string, name: string, replacement: string): string {
  let out = '';
  let at = 0;
  for (const token of tokenizeSql(sql)) {
    if (identifierKey(token) !== name.toLowerCase()) continue;
    out += sql.slice(at, token.start) + replacement;
    at = token.end;
  }
  return out + sql.slice(at);
}
