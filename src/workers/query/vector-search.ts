import { tableFromIPC } from 'apache-arrow';
import { datasetTables } from '../../engine/query/dataset-tables';
import type { SubqueryTask } from '../../engine/query/query-coordinator';
import { SHARD_VIEW } from '../../engine/query/query-decomposition';
import { MAX_VECTOR_DIMENSION, MAX_VECTOR_K } from '../../engine/query/query-messages';
import { assertReadOnlySelect } from '../../engine/query/read-only-select';
import { selectShape } from '../../engine/query/select-shape';
import { prunableColumns, shardMayMatch } from '../../engine/query/shard-pruning';
import { quoteIdentifier } from '../../engine/query/sql-tokens';
import { mergeTopK, VECTOR_METRICS, type ScoredRow, type VectorMetric } from '../../engine/query/vector-scoring';
import { shardRun, type QueryContext, type ShardRun } from './federated-query';
import { QueryFailedError } from './query-failed-error';

export interface VectorSearchRequest {
  /** The dataset's table name (as in SQL). */
  readonly dataset: string;
  /** The column holding the vectors: a fixed-size list or list of floats. */
  readonly column: string;
  readonly query: readonly number[];
  readonly k: number;
  readonly metric: VectorMetric;
  /** An optional SQL condition on the dataset's rows (a WHERE clause without the WHERE). */
  readonly where?: string;
}

export interface VectorSearchResult {
  /** The global top k: dataset row numbers and scores, best first. */
  readonly rows: readonly ScoredRow[];
  readonly shardsTotal: number;
  readonly shardsPruned: number;
  readonly shards: readonly ShardRun[];
  readonly ms: number;
}

/**
 * Top-k vector search across the swarm: every shard that may pass the filter is scored on one
 * of its holders (their own top k, from a CPU or WebGPU kernel), and the lists are merged here.
 * The merge of per-shard top k lists is the exact global top k.
 */
export async function runVectorSearch(request: VectorSearchRequest, context: QueryContext): Promise<VectorSearchResult> {
  const started = context.now();
  const matches = datasetTables(context.manifests()).get(request.dataset.toLowerCase()) ?? [];
  const manifest = matches.length === 1 ? matches[0] : undefined;
  if (!manifest) throw new QueryFailedError(matches.length > 1 ? `"${request.dataset}" names ${matches.length} datasets; use its name with the id suffix` : `no dataset "${request.dataset}" in this swarm`);
  const column = manifest.columns.find((candidate) => candidate.name.toLowerCase() === request.column.toLowerCase());
  if (!column) throw new QueryFailedError(`${request.dataset} has no column "${request.column}" (columns: ${manifest.columns.map((c) => c.name).join(', ')})`);
  if (!/List/.test(column.type)) throw new QueryFailedError(`column ${column.name} is ${column.type}, not a list of floats`);
  if (request.query.length === 0 || request.query.length > MAX_VECTOR_DIMENSION || !request.query.every(Number.isFinite)) {
    throw new QueryFailedError(`the query vector needs 1 to ${MAX_VECTOR_DIMENSION} finite numbers`);
  }
  if (!Number.isInteger(request.k) || request.k < 1 || request.k > MAX_VECTOR_K) throw new QueryFailedError(`k must be a whole number from 1 to ${MAX_VECTOR_K}`);
  if (!VECTOR_METRICS.includes(request.metric)) throw new QueryFailedError(`the metric must be one of ${VECTOR_METRICS.join(', ')}`);
  const where = request.where?.trim() ? request.where.trim() : undefined;
  const alias = quoteIdentifier(request.dataset.toLowerCase());
  const filterSql = `SELECT * FROM ${alias}${where ? ` WHERE ${where}` : ''}`;
  try {
    assertReadOnlySelect(filterSql);
  } catch (error) {
    throw new QueryFailedError(error instanceof Error ? error.message : String(error));
  }
  const filter = where ? selectShape(filterSql)?.where : undefined;
  const vectorColumn = quoteIdentifier(column.name);
  const sql = `SELECT rowid AS __row, ${vectorColumn} AS __vec FROM ${SHARD_VIEW} AS ${alias} WHERE ${vectorColumn} IS NOT NULL${where ? ` AND (${where})` : ''}`;
  const job = { query: [...request.query], k: request.k, metric: request.metric };
  const prunable = prunableColumns(manifest.columns);
  const shards = manifest.shards.filter((shard) => shardMayMatch(filter, shard, alias, prunable));
  // WebGPU tabs take vector work first (this tab only if it is one, or no holder is).
  const gpus = context.capable('webgpu');
  const tasks: SubqueryTask[] = shards.map((shard) => ({ shard: shard.id, sql, vector: job, holders: context.holdersOf(shard.id), prefer: gpus }));
  const answers = await context.coordinate(tasks);
  const firstRow = new Map(manifest.shards.map((shard) => [shard.id, shard.firstRow]));
  const lists = answers.map((answer) => {
    const table = tableFromIPC(answer.bytes);
    const rows = table.getChild('row')?.toArray() as Float64Array;
    const scores = table.getChild('score')?.toArray() as Float64Array;
    const offset = firstRow.get(answer.shard) ?? 0;
    return Array.from(rows, (row, i) => ({ row: offset + row, score: scores[i] as number }));
  });
  return {
    rows: mergeTopK(lists, request.k, request.metric),
    shardsTotal: manifest.shards.length,
    shardsPruned: manifest.shards.length - shards.length,
    shards: answers.map((answer) => shardRun(request.dataset, answer)),
    ms: context.now() - started,
  };
}
