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

/**
 * Every row's score against `query` (float32-rounded); a row with a zero norm scores 0 under
 * cosine. The inner loops keep four partial sums each, so additions do not wait on each other:
 * this runs at about the speed of a plain sum over the same floats.
 */
export function scoreVectors(vectors: Float32Array, dimension: number, query: Float32Array, metric: VectorMetric): Float32Array {
  const rows = Math.floor(vectors.length / dimension);
  const scores = new Float32Array(rows);
  const queryNorm = Math.sqrt(rowTerms(query, 0, dimension, query, 'dot'));
  for (let r = 0, base = 0; r < rows; r++, base += dimension) {
    if (metric === 'l2') scores[r] = Math.sqrt(rowTerms(vectors, base, dimension, query, 'l2'));
    else if (metric === 'dot') scores[r] = rowTerms(vectors, base, dimension, query, 'dot');
    else scores[r] = cosine(vectors, base, dimension, query, queryNorm);
  }
  return scores;
}

/** One row's cosine similarity: its dot product and its norm in one pass, four lanes each. */
function cosine(vectors: Float32Array, base: number, dimension: number, query: Float32Array, queryNorm: number): number {
  let dotA = 0;
  let dotB = 0;
  let dotC = 0;
  let dotD = 0;
  let normA = 0;
  let normB = 0;
  let normC = 0;
  let normD = 0;
  const whole = dimension - (dimension % 4);
  let j = 0;
  for (; j < whole; j += 4) {
    const x = vectors[base + j] as number;
    const y = vectors[base + j + 1] as number;
    const z = vectors[base + j + 2] as number;
    const w = vectors[base + j + 3] as number;
    dotA += x * (query[j] as number);
    dotB += y * (query[j + 1] as number);
    dotC += z * (query[j + 2] as number);
    dotD += w * (query[j + 3] as number);
    normA += x * x;
    normB += y * y;
    normC += z * z;
    normD += w * w;
  }
  for (; j < dimension; j++) {
    const x = vectors[base + j] as number;
    dotA += x * (query[j] as number);
    normA += x * x;
  }
  const denominator = Math.sqrt(normA + normB + (normC + normD)) * queryNorm;
  return denominator === 0 ? 0 : (dotA + dotB + (dotC + dotD)) / denominator;
}

/** Sum over one row of v*q (dot) or (v-q)^2 (l2), four lanes at a time. */
function rowTerms(vectors: Float32Array, base: number, dimension: number, query: Float32Array, kind: 'dot' | 'l2'): number {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const whole = dimension - (dimension % 4);
  let j = 0;
  if (kind === 'dot') {
    for (; j < whole; j += 4) {
      a += (vectors[base + j] as number) * (query[j] as number);
      b += (vectors[base + j + 1] as number) * (query[j + 1] as number);
      c += (vectors[base + j + 2] as number) * (query[j + 2] as number);
      d += (vectors[base + j + 3] as number) * (query[j + 3] as number);
    }
    for (; j < dimension; j++) a += (vectors[base + j] as number) * (query[j] as number);
  } else {
    for (; j < whole; j += 4) {
      const x = (vectors[base + j] as number) - (query[j] as number);
      const y = (vectors[base + j + 1] as number) - (query[j + 1] as number);
      const z = (vectors[base + j + 2] as number) - (query[j + 2] as number);
      const w = (vectors[base + j + 3] as number) - (query[j + 3] as number);
      a += x * x;
      b += y * y;
      c += z * z;
      d += w * w;
    }
    for (; j < dimension; j++) {
      const x = (vectors[base + j] as number) - (query[j] as number);
      a += x * x;
    }
  }
  return a + b + (c + d);
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
