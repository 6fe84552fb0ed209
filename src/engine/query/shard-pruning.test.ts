import { describe, expect, it } from 'vitest';
import { selectShape } from './select-shape';
import { prunableColumns, shardMayMatch, type ShardFacts } from './shard-pruning';

const prunable = prunableColumns([
  { name: 'fare', type: 'Float64' },
  { name: 'City', type: 'Utf8' },
  { name: 'day', type: 'Date32<DAY>' },
  { name: 'note', type: 'Utf8' },
  { name: 'at', type: 'Timestamp<MICROSECOND>' },
  { name: 'zoned', type: 'Timestamp<MICROSECOND, UTC>' },
  { name: 'ns', type: 'Timestamp<NANOSECOND>' },
  { name: 'price', type: 'Decimal[10e+2]' },
]);
const ms = (iso: string): number => Date.parse(`${iso}Z`);
const shard: ShardFacts = {
  rows: 100,
  stats: {
    fare: { min: 10, max: 20, nulls: 0 },
    City: { min: 'Bergen', max: 'Oslo', nulls: 5 },
    // Dates and timestamps keep epoch milliseconds (a timestamp's microseconds as the fraction).
    day: { min: ms('2014-01-01T00:00:00'), max: ms('2014-01-31T00:00:00'), nulls: 0 },
    note: { min: null, max: null, nulls: 100 },
    at: { min: ms('2020-01-02T03:04:05.123') + 0.456, max: ms('2020-01-02T10:00:00'), nulls: 0 },
    zoned: { min: ms('2020-01-01T00:00:00'), max: ms('2020-01-02T00:00:00'), nulls: 0 },
    ns: { min: ms('2020-01-01T00:00:00'), max: ms('2020-01-02T00:00:00'), nulls: 0 },
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
      ['unknown_column > 5', true],
    ];
    for (const [where, expected] of cases) expect(mayMatch(where), where).toBe(expected);
  });

  it('prunes dates and timestamps by DATE / TIMESTAMP literals and ISO strings, and nothing it cannot judge exactly', () => {
    const cases: [string, boolean][] = [
      ["day > DATE '2014-01-31'", false],
      ["day >= DATE '2014-01-31'", true],
      ["day < '2014-01-01'", false],
      ["day BETWEEN DATE '2013-01-01' AND DATE '2013-12-31'", false],
      ["day BETWEEN DATE '2013-01-01' AND DATE '2014-01-01'", true],
      ["day IN (DATE '2015-06-01', DATE '2016-01-01')", false],
      ["day = TIMESTAMP '2014-01-15 12:00:00'", true],
      ["day > TIMESTAMP '2014-01-31 00:00:00.001'", false],
      ["DATE '2014-02-01' <= day", false],
      // An impossible date, a number and a bad string judge nothing (DuckDB itself would refuse them).
      ["day > DATE '2014-02-30'", true],
      ['day > 20000', true],
      ["day > 'soon'", true],
      // DuckDB casts a string to the column's type: a date drops the time of day, so only plain dates judge.
      ["day >= '2014-01-31 12:00:00'", true],
      ["day >= '2014-02-01'", false],
      // Microseconds count: the smallest value is 03:04:05.123456.
      ["at < TIMESTAMP '2020-01-02 03:04:05.123'", false],
      ["at <= TIMESTAMP '2020-01-02 03:04:05.124'", true],
      ["at > '2020-01-02T10:00:00'", false],
      // Zoned and nanosecond timestamps and decimals never prune.
      ["zoned > TIMESTAMP '2021-01-01 00:00:00'", true],
      ["ns > TIMESTAMP '2021-01-01 00:00:00'", true],
      ['price > 1000000', true],
      // A typed literal against a plain column judges nothing.
      ["fare > DATE '2014-01-01'", true],
    ];
    for (const [where, expected] of cases) expect(mayMatch(where), where).toBe(expected);
  });

  it('compares strings by code point, as DuckDB does', () => {
    const emoji: ShardFacts = { rows: 2, stats: { s: { min: '\u{1F600}', max: '\u{1F600}', nulls: 0 } } };
    const shape = selectShape("SELECT * FROM t WHERE s > '\uFFFF'");
    // U+1F600 sorts after U+FFFF by code point, though its first UTF-16 unit (0xD83D) is smaller.
    expect(shardMayMatch(shape?.where, emoji, 't', new Map([['s', 'value' as const]]))).toBe(true);
  });
});
