import { Field, FixedSizeList, Float32, makeData, makeVector, Table, tableToIPC, vectorFromArray } from 'apache-arrow';
import { expect, type Page } from '@playwright/test';
import type { VectorKernelReport } from '../src/workers/query/vector-kernel-report';
import type { VectorSearchRequest, VectorSearchResult } from '../src/workers/query/vector-search';
import { dropFile, engineSnapshot, expectFullMesh, openTab, test } from './support/swarm-pages';

const SEED = Number(process.env.VECTOR_SEED ?? 7);
const DIMENSION = 24;

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** `rows` embeddings (fixed-size lists of float32) with an id and a category to filter on. */
function embeddings(rows: number, seed: number): { arrow: Buffer; vectors: Float32Array; categories: number[] } {
  const next = seeded(seed);
  const vectors = Float32Array.from({ length: rows * DIMENSION }, () => next() * 2 - 1);
  const categories = Array.from({ length: rows }, () => Math.floor(next() * 5));
  const type = new FixedSizeList(DIMENSION, new Field('item', new Float32(), false));
  const embedding = makeVector(makeData({ type, length: rows, nullCount: 0, child: makeData({ type: new Float32(), length: rows * DIMENSION, data: vectors }) }));
  const table = new Table({ id: vectorFromArray(Int32Array.from({ length: rows }, (_, i) => i)), category: vectorFromArray(Int32Array.from(categories)), embedding });
  return { arrow: Buffer.from(tableToIPC(table, 'file')), vectors, categories };
}

/** Exact brute force in doubles, independent of the app's kernels. */
function bruteForce(vectors: Float32Array, query: number[], k: number, metric: VectorSearchRequest['metric'], keep: (row: number) => boolean): { row: number; score: number }[] {
  const rows = vectors.length / DIMENSION;
  const scored: { row: number; score: number }[] = [];
  const queryNorm = Math.hypot(...query);
  for (let row = 0; row < rows; row++) {
    if (!keep(row)) continue;
    const v = Array.from(vectors.subarray(row * DIMENSION, (row + 1) * DIMENSION));
    const dot = v.reduce((sum, x, j) => sum + x * (query[j] ?? 0), 0);
    const score = metric === 'dot' ? dot : metric === 'l2' ? Math.hypot(...v.map((x, j) => x - (query[j] ?? 0))) : dot / (Math.hypot(...v) * queryNorm);
    scored.push({ row, score });
  }
  return scored.sort((a, b) => (metric === 'l2' ? a.score - b.score : b.score - a.score)).slice(0, k);
}

function kernelReport(page: Page): Promise<VectorKernelReport> {
  return page.evaluate(() => (globalThis as unknown as { tabswarm: { vectorKernelReport(r: number, d: number, s: number): Promise<VectorKernelReport> } }).tabswarm.vectorKernelReport(20_000, 64, 3));
}

function search(page: Page, request: VectorSearchRequest): Promise<VectorSearchResult | { error: string }> {
  return page.evaluate(async (body) => {
    try {
      return await (globalThis as unknown as { tabswarm: { vectorSearch(r: VectorSearchRequest): Promise<VectorSearchResult> } }).tabswarm.vectorSearch(body);
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }, request);
}

test('vector top-k across 4 tabs equals exact brute force for cosine, dot and L2, with and without a filter', async ({ browser }) => {
  test.setTimeout(240_000);
  console.log(`vector seed ${SEED} (reproduce: VECTOR_SEED=${SEED} npx playwright test e2e/vector.spec.ts)`);
  const pages: Page[] = [];
  // Three tabs with WebGPU (SwiftShader); the asking tab keeps its GPU out (?gpu=off).
  for (let i = 0; i < 3; i++) pages.push(await openTab(browser, '/?swarm=vectors&shard-kib=128'));
  pages.push(await openTab(browser, '/?swarm=vectors&shard-kib=128&gpu=off'));
  await expectFullMesh(pages, 15_000);
  const data = embeddings(20_000, SEED);
  await dropFile(pages[0]!, { name: 'embeddings.arrow', mimeType: 'application/vnd.apache.arrow.file', buffer: data.arrow });
  await expect
    .poll(async () => (await Promise.all(pages.map(engineSnapshot))).every((view) => view.datasets.some((d) => d.name === 'embeddings.arrow' && d.shards > 0 && d.atTarget === d.shards)), { timeout: 120_000 })
    .toBe(true);
  const shards = (await engineSnapshot(pages[3]!)).datasets[0]?.shards ?? 0;
  expect(shards).toBeGreaterThanOrEqual(4);

  // The WebGPU kernel gives the CPU kernel's results: same top rows, scores within 1e-5.
  const gpu = await kernelReport(pages[0]!);
  expect(gpu.kernel).toBe('webgpu');
  expect(gpu.gpuEqualsCpu).toBe(true);
  expect((await kernelReport(pages[3]!)).kernel).toBe('cpu');
  const askerId = (await engineSnapshot(pages[3]!)).self;
  expect((await engineSnapshot(pages[3]!)).storedShards).toBeGreaterThan(0);

  const next = seeded(SEED + 1);
  for (const metric of ['cosine', 'dot', 'l2'] as const) {
    for (const where of [undefined, 'category = 3']) {
      const query = Array.from({ length: DIMENSION }, () => next() * 2 - 1);
      const k = 10;
      const result = await search(pages[3]!, { dataset: 'embeddings', column: 'embedding', query, k, metric, ...(where ? { where } : {}) });
      if ('error' in result) throw new Error(result.error);
      const expected = bruteForce(data.vectors, query, k, metric, (row) => !where || data.categories[row] === 3);
      // recall@k = 1.0: the same rows, in the same order, with the same scores to 1e-5.
      expect(result.rows.map((r) => r.row), `${metric} ${where ?? ''}`).toEqual(expected.map((r) => r.row));
      result.rows.forEach((r, i) => expect(Math.abs(r.score - (expected[i]?.score ?? NaN)), `${metric} row ${r.row}`).toBeLessThan(1e-5));
      expect(result.shards.length + result.shardsPruned).toBe(shards);
      // Vector work went to the WebGPU tabs, though the asking tab holds shards itself.
      expect(result.shards.every((run) => run.holder !== askerId)).toBe(true);
    }
  }

  // The search panel, as a user fills it in.
  const asker = pages[3]!;
  const query = Array.from({ length: DIMENSION }, () => next() * 2 - 1);
  await asker.getByTestId('vector-column').fill('embedding');
  await asker.getByTestId('vector-query').fill(query.join(', '));
  await asker.getByTestId('vector-k').fill('5');
  await asker.getByTestId('vector-metric').selectOption('l2');
  await asker.getByTestId('vector-run').click();
  const expectedRows = bruteForce(data.vectors, query, 5, 'l2', () => true).map((r) => String(r.row));
  await expect(asker.getByTestId('vector-result').locator('tbody tr td:first-child')).toHaveText(expectedRows);

  const wrong = await search(pages[1]!, { dataset: 'embeddings', column: 'category', query: [1], k: 3, metric: 'dot' });
  expect('error' in wrong ? wrong.error : '').toContain('not a list of floats');
  const badDimension = await search(pages[1]!, { dataset: 'embeddings', column: 'embedding', query: [1, 2, 3], k: 3, metric: 'dot' });
  expect('error' in badDimension ? badDimension.error : '').toContain('dimensions');
});
