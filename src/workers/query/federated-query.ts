import type { DatasetManifest } from '../../engine/catalog/manifest';
import { datasetsInQuery } from '../../engine/query/dataset-tables';
import type { ShardAnswer, SubqueryTask } from '../../engine/query/query-coordinator';
import { decomposeQuery, gatherQuery, PARTS_VIEW, SHARD_VIEW, singleTableShape, type DatasetTable, type QueryDecomposition } from '../../engine/query/query-decomposition';
import { assertReadOnlySelect } from '../../engine/query/read-only-select';
import { wholeQueryOverShards } from '../../engine/query/whole-query';
import { prunableColumns, shardMayMatch } from '../../engine/query/shard-pruning';
import { QueryFailedError } from './query-failed-error';
import { keyFilter, semiJoinOf } from './semi-join';
import { duckDbMessage, runSqlOverArrow, runSqlOverStreams, type ArrowView } from './sql-over-arrow';
import type { SubqueryOutcome } from './subquery-runner';

/** What a federated query needs from the tab: the catalog, who holds what, and the swarm to run subqueries on. */
export interface QueryContext {
  manifests(): readonly DatasetManifest[];
  /**
   * Live holders of a shard, this tab first if it holds it, then by rank. `cached`: a copy this
   * tab keeps for queries counts as holding it (while some replica lives).
   */
  holdersOf(shard: string, cached?: boolean): string[];
  /** Keep copies of these shards here for queries, fetched in the background. */
  warm(shards: readonly string[]): void;
  /** Tabs that advertise a capability (e.g. "webgpu"). */
  capable(capability: string): ReadonlySet<string>;
  /**
   * Runs subqueries across the swarm; rejects with a QueryFailedError naming missing shards.
   * `together`: all in one subquery on one holder of every shard.
   */
  coordinate(tasks: readonly SubqueryTask[], options?: { together?: boolean }): Promise<readonly ShardAnswer[]>;
  /** This tab's id, as holder lists name it. */
  readonly self: string;
  /** One subquery on shards this tab holds, run here with no coordination (see runSubquery). */
  runHere(shards: readonly string[], sql: string): Promise<SubqueryOutcome>;
  now(): number;
}

/** How one shard's answer is reported. */
export function shardRun(dataset: string, answer: ShardAnswer): ShardRun {
  return { dataset, shard: answer.shard, holder: answer.holder, holderMs: answer.holderMs, elapsedMs: answer.elapsedMs, attempts: answer.attempts, resultBytes: answer.bytes.length };
}

export type QueryStrategy = 'whole' | 'aggregate' | 'gather' | 'semi-join';

/**
 * Up to this many bytes of shards, a query that one tab holds every needed shard of runs there
 * whole: one DuckDB call and nothing to merge beats spreading small work over the swarm. Above
 * it, the parallel scan across holders pays for the merge.
 */
export const WHOLE_QUERY_MAX_BYTES = 64 * 1024 * 1024;

/** One shard's part in a result: which tab ran it and how long it took. */
export interface ShardRun {
  readonly dataset: string;
  readonly shard: string;
  readonly holder: string;
  readonly holderMs: number;
  readonly elapsedMs: number;
  readonly attempts: number;
  readonly resultBytes: number;
}

export interface FederatedResult {
  /**
   * The result as Arrow IPC (stream or file format: tableFromIPC reads both), as DuckDB wrote
   * it. Not decoded here: the asking page decodes it anyway, and decoding a one-row result
   * costs about as much as a small query's own DuckDB call.
   */
  readonly bytes: Uint8Array;
  /**
   * How it ran: whole on one tab that holds every shard it needs, partial aggregates merged
   * here, rows gathered and finished here, or a join whose big side sent only matching rows.
   */
  readonly strategy: QueryStrategy;
  readonly shardsTotal: number;
  readonly shardsPruned: number;
  /** Every shard used, with its content id (`shard`) and the tab that ran it. */
  readonly shards: readonly ShardRun[];
  readonly ms: number;
  /** Where the time went: planning (checks, pruning, who holds what), the subqueries, and the merge here. */
  readonly phases: QueryPhases;
}

export interface QueryPhases {
  readonly planMs: number;
  readonly runMs: number;
  readonly mergeMs: number;
}

/** Empty Arrow streams with each dataset's exact schema, learned once (manifests never change). */
const schemas = new Map<string, Promise<Uint8Array>>();

/**
 * Answers one SELECT across the swarm. DuckDB first runs it over empty tables of the right
 * schemas, which checks it (its error comes back as is) and names the result's columns. A
 * query over one dataset is then decomposed (partial aggregates, or a gather with the filter
 * pushed down), its shards pruned by their stats and each remaining shard run on one holder;
 * a join gathers the needed columns of each dataset. The last step runs here, in DuckDB.
 */
export async function runFederatedQuery(sql: string, context: QueryContext, plan: 'auto' | 'spread' = 'auto'): Promise<FederatedResult> {
  const started = context.now();
  try {
    assertReadOnlySelect(sql);
  } catch (error) {
    throw new QueryFailedError(error instanceof Error ? error.message : String(error));
  }
  const datasets = datasetsInQuery(sql, context.manifests());
  if (datasets.length === 0) {
    const known = context.manifests().map((manifest) => manifest.name).join(', ') || 'none yet';
    throw new QueryFailedError(`the query names no dataset of this swarm (datasets: ${known})`);
  }
  const key = `${datasets.map(({ table, manifest }) => `${table}=${manifest.id}`).join(',')}|${sql}`;
  let prepared = preparedQueries.get(key);
  if (!prepared) {
    prepared = prepare(sql, datasets, context);
    preparedQueries.set(key, prepared);
    prepared.catch(() => preparedQueries.delete(key));
    if (preparedQueries.size > PREPARED_QUERIES) preparedQueries.delete(preparedQueries.keys().next().value ?? '');
  }
  const plans = await prepared;
  const tasks: (SubqueryTask & { dataset: string })[] = [];
  // A spread plan runs on the replicas themselves; the tab's own picks may use its cached copies.
  const cachedCopies = plan === 'auto';
  let shardsTotal = 0;
  for (const { table, manifest, plan, alias, prunable } of plans) {
    shardsTotal += manifest.shards.length;
    for (const shard of manifest.shards) {
      if (datasets.length === 1 && !shardMayMatch(plan.filter, shard, alias, prunable)) continue;
      tasks.push({ dataset: table.name, shard: shard.id, sql: plan.shardSql, holders: context.holdersOf(shard.id, cachedCopies) });
    }
  }
  // Data small enough to run whole is worth keeping here: asked again, it runs on this tab alone.
  const small = neededBytes(plans, tasks) <= WHOLE_QUERY_MAX_BYTES;
  if (plan === 'auto' && small) context.warm(tasks.map((task) => task.shard));
  const planned = context.now();
  const whole = plan === 'auto' && small ? await wholeRun(sql, plans, tasks, context) : undefined;
  if (whole) {
    const ended = context.now();
    return { ...whole, shardsTotal, shardsPruned: shardsTotal - tasks.length, ms: ended - started, phases: { planMs: planned - started, runMs: ended - planned, mergeMs: 0 } };
  }
  const join = plans.length === 2 ? semiJoinOf(sql, datasets) : undefined;
  let answers: readonly ShardAnswer[];
  if (join) {
    // The small side first; the big side's holders then send only rows whose key it has.
    const small = plans.find((plan) => plan.table.name === join.small) as PreparedPlan;
    const smallAnswers = await context.coordinate(tasks.filter((task) => task.dataset === join.small));
    const filter = await keyFilter(join, [small.emptyPart, ...smallAnswers.map((answer) => answer.bytes)]);
    const bigTasks = tasks.filter((task) => task.dataset === join.big).map((task) => (filter ? { ...task, sql: task.sql + filter } : task));
    answers = [...smallAnswers, ...(await context.coordinate(bigTasks))];
  } else {
    answers = await context.coordinate(tasks);
  }
  const ran = context.now();
  const byShard = new Map(answers.map((answer) => [answer.shard, answer]));

  // A subquery over several shards answers for them all in its first shard's bytes.
  const streamsOf = ({ table, emptyPart }: PreparedPlan): Uint8Array[] => [
    emptyPart,
    ...tasks.flatMap((task) => {
      const answer = byShard.get(task.shard);
      return task.dataset === table.name && answer && answer.coveredBy === answer.shard ? [answer.bytes] : [];
    }),
  ];
  const only = plans[0];
  // The merge is this planner's own SQL over `__parts`; a gather finishes the user's SQL, which needs views of its table names.
  const result =
    plans.length === 1 && only?.plan.kind === 'aggregate'
      ? await runSqlOverStreams(only.plan.mergeSql, PARTS_VIEW, streamsOf(only)).catch(asQueryError)
      : await sqlOrQueryError(sql, plans.map((plan) => ({ view: plan.table.name, streams: streamsOf(plan) })));
  const merged = context.now();
  return {
    bytes: result.bytes,
    strategy: plans.length === 1 && only?.plan.kind === 'aggregate' ? 'aggregate' : join ? 'semi-join' : 'gather',
    shardsTotal,
    shardsPruned: shardsTotal - tasks.length,
    shards: tasks.map((task) => shardRun(task.dataset, byShard.get(task.shard) as ShardAnswer)),
    ms: merged - started,
    phases: { planMs: planned - started, runMs: ran - planned, mergeMs: merged - ran },
  };
}

/**
 * The query run whole on one tab holding every shard it needs (the planner's tasks, after
 * pruning; this tab first); the caller checks the data is small enough that one DuckDB call
 * beats a parallel scan and a merge. Undefined when no tab holds them all, the SQL does not suit the
 * rewrite, or the run fails: then it is planned across holders as usual, which also reports
 * any error.
 */
async function wholeRun(sql: string, plans: readonly PreparedPlan[], tasks: readonly (SubqueryTask & { dataset: string })[], context: QueryContext): Promise<Omit<FederatedResult, 'shardsTotal' | 'shardsPruned' | 'ms' | 'phases'> | undefined> {
  if (tasks.length === 0 || new Set(tasks.map((task) => task.shard)).size !== tasks.length) return undefined;
  const [first, ...rest] = tasks;
  const common = first?.holders.filter((holder) => rest.every((task) => task.holders.includes(holder))) ?? [];
  if (common.length === 0) return undefined;
  // A together subquery names its shards in task order: each dataset is the union of its own.
  const bindings = plans.map((plan) => ({ table: plan.table.name, shards: tasks.flatMap((task, index) => (task.dataset === plan.table.name ? [index] : [])) }));
  const wholeSql = wholeQueryOverShards(sql, bindings);
  if (!wholeSql) return undefined;
  if (common[0] === context.self) {
    // Here: one DuckDB call, with no coordinator to go through (a failure plans it across holders).
    const started = context.now();
    const outcome = await context.runHere(tasks.map((task) => task.shard), wholeSql);
    if (!outcome.ok) return undefined;
    const elapsedMs = context.now() - started;
    const { bytes } = outcome;
    const runs = tasks.map((task, index): ShardRun => ({ dataset: task.dataset, shard: task.shard, holder: context.self, holderMs: outcome.ms, elapsedMs, attempts: 1, resultBytes: index === 0 ? bytes.length : 0 }));
    return { bytes, strategy: 'whole', shards: runs };
  }
  let answers: readonly ShardAnswer[];
  try {
    answers = await context.coordinate(
      tasks.map(({ dataset: _, ...task }) => ({ ...task, sql: wholeSql })),
      { together: true },
    );
  } catch {
    return undefined;
  }
  const answer = answers.find((candidate) => candidate.coveredBy === candidate.shard);
  if (!answer) return undefined;
  return {
    bytes: answer.bytes,
    strategy: 'whole',
    shards: tasks.map((task) => shardRun(task.dataset, answers.find((candidate) => candidate.shard === task.shard) as ShardAnswer)),
  };
}

/** Bytes of the shards a query's tasks run on. */
function neededBytes(plans: readonly PreparedPlan[], tasks: readonly SubqueryTask[]): number {
  const sizes = new Map(plans.flatMap((plan) => plan.manifest.shards.map((shard) => [shard.id, shard.bytes] as const)));
  return tasks.reduce((total, task) => total + (sizes.get(task.shard) ?? 0), 0);
}

interface PreparedPlan {
  readonly table: DatasetTable;
  readonly manifest: DatasetManifest;
  readonly plan: QueryDecomposition;
  /** The name the query gives the dataset (what its WHERE clause qualifies columns with). */
  readonly alias: string;
  /** Columns whose stats can prune shards. */
  readonly prunable: ReturnType<typeof prunableColumns>;
  /** The holders' part over an empty shard: the schema of what they send back. */
  readonly emptyPart: Uint8Array;
}

/** Plans of recent queries, by SQL and dataset ids (a repeated query skips the checks over empty tables). */
const preparedQueries = new Map<string, Promise<PreparedPlan[]>>();
const PREPARED_QUERIES = 64;

/**
 * DuckDB runs the query over empty tables of the datasets' schemas first: that checks it (its
 * error comes back as is) and names the result's columns; then each dataset's part is planned.
 */
async function prepare(sql: string, datasets: readonly { table: string; manifest: DatasetManifest }[], context: QueryContext): Promise<PreparedPlan[]> {
  const empties = await Promise.all(datasets.map(({ manifest }) => emptyTableOf(manifest, context)));
  const probe = await sqlOrQueryError(sql, datasets.map(({ table }, i) => ({ view: table, streams: [empties[i] as Uint8Array] })));
  const outputNames = probe.table.schema.fields.map((field) => field.name);
  const plans: PreparedPlan[] = [];
  for (const [i, { table: name, manifest }] of datasets.entries()) {
    const table: DatasetTable = { name, columns: manifest.columns.map((column) => column.name) };
    const empty = empties[i] as Uint8Array;
    let plan = datasets.length === 1 ? decomposeQuery(sql, table, outputNames) : gatherQuery(sql, table);
    let emptyPart = await partOverEmpty(plan, empty);
    if (!emptyPart) {
      plan = gatherQuery(sql, table);
      emptyPart = (await partOverEmpty(plan, empty)) ?? empty;
    }
    const alias = singleTableShape(sql, table)?.tableAlias ?? table.name;
    plans.push({ table, manifest, plan, emptyPart, alias, prunable: prunableColumns(manifest.columns) });
  }
  return plans;
}

/** The plan's holder part run over an empty shard (its result's schema), or undefined if DuckDB refuses it. */
async function partOverEmpty(plan: QueryDecomposition, empty: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    const part = await runSqlOverArrow(plan.shardSql, [{ view: SHARD_VIEW, streams: [empty] }]);
    if (plan.kind === 'aggregate') await runSqlOverArrow(plan.mergeSql, [{ view: PARTS_VIEW, streams: [part.bytes] }]);
    return part.bytes;
  } catch {
    return undefined;
  }
}

async function sqlOrQueryError(sql: string, views: readonly ArrowView[]): ReturnType<typeof runSqlOverArrow> {
  return runSqlOverArrow(sql, views).catch(asQueryError);
}

function asQueryError(error: unknown): never {
  throw new QueryFailedError(duckDbMessage(error));
}

/** An empty table with the dataset's schema, from one holder of its first shard. */
function emptyTableOf(manifest: DatasetManifest, context: QueryContext): Promise<Uint8Array> {
  let known = schemas.get(manifest.id);
  if (!known) {
    const first = manifest.shards[0];
    if (!first) throw new QueryFailedError(`dataset ${manifest.name} has no shards`);
    known = context.coordinate([{ shard: first.id, sql: `SELECT * FROM ${SHARD_VIEW} LIMIT 0`, holders: context.holdersOf(first.id) }]).then((answers) => {
      const bytes = answers[0]?.bytes;
      if (!bytes) throw new QueryFailedError(`no holder returned the schema of ${manifest.name}`);
      return bytes;
    });
    schemas.set(manifest.id, known);
    known.catch(() => schemas.delete(manifest.id));
  }
  return known;
}
