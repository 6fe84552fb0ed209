import { scoreVectors, topK, VECTOR_METRICS } from '../../engine/query/vector-scoring';
import type { VectorScorer } from './vector-scorer';

export interface VectorKernelReport {
  readonly rows: number;
  readonly dimension: number;
  /** Which kernel the tab's vector work uses. */
  readonly kernel: 'webgpu' | 'cpu';
  /** Median ms of the CPU kernel (cosine) over the vectors, and of a plain Float32Array sum over the same bytes. */
  readonly cpuMs: number;
  readonly sumMs: number;
  /** CPU scan rate over the sum's rate (the roofline of a JavaScript pass over these bytes). */
  readonly cpuOverRoofline: number;
  /** With WebGPU: the same top 10 rows for every metric and every score within 1e-5; null without it. */
  readonly gpuEqualsCpu: boolean | null;
  readonly maxScoreDifference: number | null;
}

/** Benchmarks and cross-checks this tab's vector kernels on seeded random vectors. */
export async function vectorKernelReport(scorer: VectorScorer, rows: number, dimension: number, seed: number, now: () => number): Promise<VectorKernelReport> {
  let state = seed >>> 0;
  const vectors = Float32Array.from({ length: rows * dimension }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  });
  const query = vectors.slice(0, dimension).map((value, j) => value + (j % 3) * 0.01);
  const cpuTimes: number[] = [];
  const sumTimes: number[] = [];
  let sink = 0;
  for (let rep = 0; rep < 7; rep++) {
    let started = now();
    sink += scoreVectors(vectors, dimension, query, 'cosine')[0] ?? 0;
    cpuTimes.push(now() - started);
    started = now();
    let sum = 0;
    for (let i = 0; i < vectors.length; i++) sum += vectors[i] as number;
    sink += sum;
    sumTimes.push(now() - started);
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  const cpuMs = median(cpuTimes);
  const sumMs = median(sumTimes);
  let gpuEqualsCpu: boolean | null = null;
  let maxScoreDifference: number | null = null;
  if (scorer.kind === 'webgpu') {
    gpuEqualsCpu = true;
    maxScoreDifference = 0;
    const rowNumbers = Float64Array.from({ length: rows }, (_, i) => i);
    for (const metric of VECTOR_METRICS) {
      const cpu = scoreVectors(vectors, dimension, query, metric);
      const gpu = await scorer.score(vectors, dimension, query, metric);
      for (let i = 0; i < rows; i++) maxScoreDifference = Math.max(maxScoreDifference, Math.abs((cpu[i] ?? 0) - (gpu[i] ?? NaN)));
      const same = topK(cpu, rowNumbers, 10, metric).map((entry) => entry.row).join() === topK(gpu, rowNumbers, 10, metric).map((entry) => entry.row).join();
      gpuEqualsCpu = gpuEqualsCpu && same;
    }
    gpuEqualsCpu = gpuEqualsCpu && maxScoreDifference <= 1e-5;
  }
  if (Number.isNaN(sink)) throw new Error('vector kernel produced NaN');
  return { rows, dimension, kernel: scorer.kind, cpuMs, sumMs, cpuOverRoofline: sumMs / cpuMs, gpuEqualsCpu, maxScoreDifference };
}
