import { describe, expect, it } from 'vitest';
import { shardAt, shardIndexOf, wholeQueryOverShards } from './whole-query';

describe('wholeQueryOverShards', () => {
  it('binds the dataset name to the shards with a leading CTE', () => {
    expect(wholeQueryOverShards('SELECT count(*) FROM facts', [{ table: 'facts', shards: [0, 1] }])).toBe('WITH "facts" AS (SELECT * FROM __shard) SELECT count(*) FROM facts');
    expect(wholeQueryOverShards('  -- note\n from facts select 1', [{ table: 'facts', shards: [0] }])).toBe('WITH "facts" AS (SELECT * FROM __shard) from facts select 1');
  });

  it("puts the binding first in the user's own WITH list, after RECURSIVE", () => {
    expect(wholeQueryOverShards('WITH t AS (SELECT 1) SELECT * FROM t, facts', [{ table: 'facts', shards: [0] }])).toBe('WITH "facts" AS (SELECT * FROM __shard), t AS (SELECT 1) SELECT * FROM t, facts');
    expect(wholeQueryOverShards('with recursive r(n) AS (SELECT 1) SELECT * FROM r', [{ table: 'a"b', shards: [0] }])).toBe('with recursive "a""b" AS (SELECT * FROM __shard), r(n) AS (SELECT 1) SELECT * FROM r');
  });

  it('binds each dataset of a join to the union of its own shards, named by their place in the subquery', () => {
    expect(wholeQueryOverShards('SELECT * FROM a JOIN b USING (k)', [{ table: 'a', shards: [0, 2] }, { table: 'b', shards: [1] }])).toBe(
      'WITH "a" AS (SELECT * FROM __shard_0 UNION ALL SELECT * FROM __shard_2), "b" AS (SELECT * FROM __shard_1) SELECT * FROM a JOIN b USING (k)',
    );
    expect([shardIndexOf('__shard_12'), shardIndexOf('__shard'), shardIndexOf('__shard_x'), shardIndexOf(shardAt(3))]).toEqual([12, undefined, undefined, 3]);
  });

  it('declines statements it cannot rewrite safely', () => {
    expect(wholeQueryOverShards('(SELECT 1)', [{ table: 'facts', shards: [0] }])).toBeUndefined();
    expect(wholeQueryOverShards("SELECT 'unterminated", [{ table: 'facts', shards: [0] }])).toBeUndefined();
    expect(wholeQueryOverShards('VALUES (1)', [{ table: 'facts', shards: [0] }])).toBeUndefined();
  });
});
