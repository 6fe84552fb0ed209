import { tableFromArrays, tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../engine/testing/seeded-random';
import { columnStats } from './column-stats';
import { shardTable } from './shard-table';

function sampleTable(rows: number, seed: number) {
  const random = new SeededRandom(seed);
  return tableFromArrays({
    id: Int32Array.from({ length: rows }, (_, i) => i),
    score: Float64Array.from({ length: rows }, () => random.next() * 100),
    name: Array.from({ length: rows }, (_, i) => `name-${i % 97}-${'x'.repeat(random.int(20))}`),
  });
}

describe('shardTable', () => {
  it('cuts a table into ~target-sized IPC shards whose rows, read back, equal the input in order', () => {
    const table = sampleTable(50_000, 1);
    const target = 256 * 1024;
    const shards = [...shardTable(table, target)];
    expect(shards.length).toBeGreaterThan(3);
    let next = 0;
    const ids: number[] = [];
    for (const shard of shards) {
      expect(shard.firstRow).toBe(next);
      next += shard.rows;
      expect(shard.bytes.byteLength).toBeLessThanOrEqual(target * 1.5);
      const back = tableFromIPC(shard.bytes);
      expect(back.numRows).toBe(shard.rows);
      ids.push(...(back.getChild('id')?.toArray() as Int32Array));
    }
    expect(next).toBe(table.numRows);
    expect(ids).toEqual(Array.from({ length: table.numRows }, (_, i) => i));
    // All but the last shard land near the target.
    for (const shard of shards.slice(0, -1)) expect(shard.bytes.byteLength).toBeGreaterThan(target * 0.5);
  });

  it('keeps a single row whole even when it alone exceeds the target', () => {
    const table = tableFromArrays({ blob: ['y'.repeat(10_000), 'z'] });
    const shards = [...shardTable(table, 100)];
    expect(shards.map((shard) => shard.rows)).toEqual([1, 1]);
  });

  it('rejects a non-positive target', () => {
    expect(() => [...shardTable(sampleTable(10, 2), 0)]).toThrow(/target must be > 0/);
  });
});

describe('columnStats', () => {
  it('gives min, max and null count per column, bigints as numbers and huge ones as strings', () => {
    const table = tableFromArrays({
      n: [3, null, -1, 7],
      s: ['b', 'a', null, 'c'],
      big: BigInt64Array.from([5n, 9007199254740993n, -2n, 0n]),
    });
    const stats = columnStats(table);
    expect(stats.n).toEqual({ min: -1, max: 7, nulls: 1 });
    expect(stats.s).toEqual({ min: 'a', max: 'c', nulls: 1 });
    expect(stats.big).toEqual({ min: -2, max: '9007199254740993', nulls: 0 });
  });
});
