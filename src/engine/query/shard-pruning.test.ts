import { describe, expect, it } from 'vitest';
import { selectShape } from './select-shape';
import { prunableColumns, shardMayMatch, type ShardFacts } from './shard-pruning';

const prunable = prunableColumns([
  { name: 'fare', type: 'Float64' },
  { name: 'City', type: 'Utf8' },
  { name: 'day', type: 'Date32<DAY>' },
  { name: 'note', type: 'Utf8' },
]);
const shard: ShardFacts = {
  rows: 100,
  stats: {
    fare: { min: 10, max: 20, nulls: 0 },
    City: { min: 'Bergen', max: 'Oslo', nulls: 5 },
    day: { min: 19000, max: 19010, nulls: 0 },
    note: { min: null, max: null, nulls: 100 },
  },
};

function mayMatch(where: string): boolean {
  const shape = selectShape(`SELECT * FROM t WHERE ${where}`);
  return shardMayMatch(shape?.where, shard, shape?.tableAlias ?? 't', prunable);
}

describe('shardMayMatch', () => {
  it('prunes a shard only when a conjunct is false for every row', () => {
    const cases: [string, boolean][] = [
      ['fare > 20', false],
      ['fare >= 20', true],
      ['20 < fare', false],
      ['fare < 10', false],
      ['fare = 15 AND city = \'Tromso\'', false],
      ['fare = 15 AND City >= \'Oslo\'', true],
      ['fare BETWEEN 21 AND 30', false],
      ['fare BETWEEN 0 AND 10 AND t.fare < 100', true],
      ['fare IN (1, 2, 30)', false],
      ['fare IN (1, 15)', true],
      ['fare < -1', false],
      ['note IS NOT NULL', false],
      ['note = \'x\'', false],
      ['fare IS NULL', false],
      ['City IS NULL', true],
      ['fare > 30 OR fare < 5', true],
      ['fare + 1 > 100', true],
      ['day > 20000', true],
      ['unknown_column > 5', true],
    ];
    for (const [where, expected] of cases) expect(mayMatch(where), where).toBe(expected);
  });

  it('compares strings by code point, as DuckDB does', () => {
    const emoji: ShardFacts = { rows: 2, stats: { s: { min: '\u{1F600}', max: '\u{1F600}', nulls: 0 } } };
    const shape = selectShape("SELECT * FROM t WHERE s > '\uFFFF'");
    // U+1F600 sorts after U+FFFF by code point, though its first UTF-16 unit (0xD83D) is smaller.
    expect(shardMayMatch(shape?.where, emoji, 't', new Set(['s']))).toBe(true);
  });
});
