import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../testing/seeded-random';
import { mergeTopK, scoreVectors, topK, VECTOR_METRICS, type VectorMetric } from './vector-scoring';

/** Brute force, written independently: every row's score in doubles, all rows sorted. */
function bruteForce(rows: number[][], query: number[], k: number, metric: VectorMetric): number[] {
  const score = (row: number[]): number => {
    const dot = row.reduce((sum, value, j) => sum + value * (query[j] ?? 0), 0);
    if (metric === 'dot') return dot;
    if (metric === 'l2') return Math.hypot(...row.map((value, j) => value - (query[j] ?? 0)));
    return dot / (Math.hypot(...row) * Math.hypot(...query));
  };
  return rows
    .map((row, index) => ({ index, score: score(row) }))
    .sort((a, b) => (metric === 'l2' ? a.score - b.score : b.score - a.score) || a.index - b.index)
    .slice(0, k)
    .map((entry) => entry.index);
}

describe('vector scoring', () => {
  it('finds the exact top k (recall 1.0) for every metric, across shards merged', () => {
    for (const seed of [1, 2, 3]) {
      const random = new SeededRandom(seed);
      const dimension = 16;
      const rows = Array.from({ length: 600 }, () => Array.from({ length: dimension }, () => Math.fround(random.next() * 2 - 1)));
      const query = Array.from({ length: dimension }, () => Math.fround(random.next() * 2 - 1));
      for (const metric of VECTOR_METRICS) {
        const k = 10;
        // Three shards of 200 rows, each scored on its own, then merged.
        const lists = [0, 200, 400].map((first) => {
          const vectors = Float32Array.from(rows.slice(first, first + 200).flat());
          const scores = scoreVectors(vectors, dimension, Float32Array.from(query), metric);
          return topK(scores, Array.from({ length: 200 }, (_, i) => first + i), k, metric);
        });
        const merged = mergeTopK(lists, k, metric).map((entry) => entry.row);
        expect(merged, `seed ${seed} ${metric} (reproduce: npx vitest run src/engine/query/vector-scoring.test.ts)`).toEqual(bruteForce(rows, query, k, metric));
      }
    }
  });

  it('scores a zero vector 0 under cosine and keeps ties in row order', () => {
    const scores = scoreVectors(Float32Array.from([0, 0, 1, 0, 1, 0]), 2, Float32Array.from([1, 0]), 'cosine');
    expect(Array.from(scores)).toEqual([0, 1, 1]);
    expect(topK(scores, [10, 11, 12], 2, 'cosine')).toEqual([
      { row: 11, score: 1 },
      { row: 12, score: 1 },
    ]);
  });
});
