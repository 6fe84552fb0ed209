import { describe, expect, it } from 'vitest';
import { wholeQueryOverShards } from './whole-query';

describe('wholeQueryOverShards', () => {
  it('binds the dataset name to the shards with a leading CTE', () => {
    expect(wholeQueryOverShards('SELECT count(*) FROM facts', 'facts')).toBe('WITH "facts" AS (SELECT * FROM __shard) SELECT count(*) FROM facts');
    expect(wholeQueryOverShards('  -- note\n from facts select 1', 'facts')).toBe('WITH "facts" AS (SELECT * FROM __shard) from facts select 1');
  });

  it("puts the binding first in the user's own WITH list, after RECURSIVE", () => {
    expect(wholeQueryOverShards('WITH t AS (SELECT 1) SELECT * FROM t, facts', 'facts')).toBe('WITH "facts" AS (SELECT * FROM __shard), t AS (SELECT 1) SELECT * FROM t, facts');
    expect(wholeQueryOverShards('with recursive r(n) AS (SELECT 1) SELECT * FROM r', 'a"b')).toBe('with recursive "a""b" AS (SELECT * FROM __shard), r(n) AS (SELECT 1) SELECT * FROM r');
  });

  it('declines statements it cannot rewrite safely', () => {
    expect(wholeQueryOverShards('(SELECT 1)', 'facts')).toBeUndefined();
    expect(wholeQueryOverShards("SELECT 'unterminated", 'facts')).toBeUndefined();
    expect(wholeQueryOverShards('VALUES (1)', 'facts')).toBeUndefined();
  });
});
