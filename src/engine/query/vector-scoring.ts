// Vector search scoring on the CPU: one pass over a shard's vectors (rows of `dimension`
// float32s, back to back), then the top k. The WebGPU kernel computes the same scores; both
// round each score to float32, so their results can be compared exactly by row and within
// 1e-5 by score.

export type VectorMetric = 'cosine' | 'dot' | 'l2';

export const VECTOR_METRICS: readonly VectorMetric[] = ['cosine', 'dot', 'l2'];

export interface ScoredRow {
  /** Row number in the dataset. */
  readonly row: number;
  readonly score: number;
}

/** Cosine and dot: larger is better; L2 distance: smaller is better. Ties go to the lower row. */
export function compareScored(metric: VectorMetric, a: ScoredRow, b: ScoredRow): number {
  const order = metric === 'l2' ? a.score - b.score : b.score - a.score;
  return order !== 0 ? order : a.row - b.row;
}

/** Every row's score against `query` (float32-rounded); a row with a zero norm scores 0 under cosine. */
export function scoreVectors(vectors: Float32Array, dimension: number, query: Float32Array, metric: VectorMetric): Float32Array {
  const rows = Math.floor(vectors.length / dimension);
  const scores = new Float32Array(rows);
  let queryNorm = 0;
  for (let j = 0; j < dimension; j++) queryNorm += (query[j] ?? 0) * (query[j] ?? 0);
  queryNorm = Math.sqrt(queryNorm);
  for (let r = 0, base = 0; r < rows; r++, base += dimension) {
    if (metric === 'l2') {
      let sum = 0;
      for (let j = 0; j < dimension; j++) {
        const difference = (vectors[base + j] as number) - (query[j] as number);
        sum += difference * difference;
      }
      scores[r] = Math.sqrt(sum);
    } else if (metric === 'dot') {
      let dot = 0;
      for (let j = 0; j < dimension; j++) dot += (vectors[base + j] as number) * (query[j] as number);
      scores[r] = dot;
    } else {
      let dot = 0;
      let norm = 0;
      for (let j = 0; j < dimension; j++) {
        const value = vectors[base + j] as number;
        dot += value * (query[j] as number);
        norm += value * value;
      }
      const denominator = Math.sqrt(norm) * queryNorm;
      scores[r] = denominator === 0 ? 0 : dot / denominator;
    }
  }
  return scores;
}

/** The best `k` rows by score; `rows[i]` is the dataset row number of score `i`. */
export function topK(scores: Float32Array, rows: ArrayLike<number>, k: number, metric: VectorMetric): ScoredRow[] {
  const best: ScoredRow[] = [];
  for (let i = 0; i < scores.length; i++) {
    const candidate = { row: rows[i] as number, score: scores[i] as number };
    if (best.length === k && compareScored(metric, candidate, best[k - 1] as ScoredRow) >= 0) continue;
    let at = best.length;
    while (at > 0 && compareScored(metric, candidate, best[at - 1] as ScoredRow) < 0) at--;
    best.splice(at, 0, candidate);
    if (best.length > k) best.pop();
  }
  return best;
}

/** The global top `k` from per-shard top-k lists. */
export function mergeTopK(lists: readonly (readonly ScoredRow[])[], k: number, metric: VectorMetric): ScoredRow[] {
  return lists
    .flat()
    .sort((a, b) => compareScored(metric, a, b))
    .slice(0, k);
}
