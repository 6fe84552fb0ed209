import { scoreVectors, type VectorMetric } from '../../engine/query/vector-scoring';
import { WebGpuVectorKernel } from './webgpu-vector-kernel';

/** Scores rows of vectors against a query: the WebGPU kernel where the tab has an adapter, else the CPU kernel. */
export interface VectorScorer {
  readonly kind: 'webgpu' | 'cpu';
  score(vectors: Float32Array, dimension: number, query: Float32Array, metric: VectorMetric): Promise<Float32Array>;
}

export const cpuScorer: VectorScorer = {
  kind: 'cpu',
  score: (vectors, dimension, query, metric) => Promise.resolve(scoreVectors(vectors, dimension, query, metric)),
};

/** This worker's best scorer, found once: WebGPU if an adapter and device come up, the CPU otherwise. */
export async function bestVectorScorer(): Promise<VectorScorer> {
  const kernel = await WebGpuVectorKernel.create().catch(() => undefined);
  if (!kernel) return cpuScorer;
  return { kind: 'webgpu', score: (vectors, dimension, query, metric) => kernel.score(vectors, dimension, query, metric) };
}
