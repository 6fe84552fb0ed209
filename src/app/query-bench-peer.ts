// A query benchmark peer (`npm run bench -- query` drives four): a full tab (engine worker,
// IndexedDB, DuckDB-Wasm, libp2p mesh) without the UI, plus the baseline the benchmark compares
// federated queries with in the same page: this tab's own DuckDB-Wasm with the whole dataset.
import { tableFromArrays, tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { SeededRandom } from '../engine/testing/seeded-random';
import { SwarmSession } from '../mesh/swarm-session';
import { duckDb } from '../workers/ingest/duckdb-instance';

const query = new URLSearchParams(location.search);
const files = new Map<string, Uint8Array>();
const session = await SwarmSession.start({ swarm: query.get('swarm') ?? 'query-bench', origin: location.origin, budgetBytes: 4 * 1024 ** 3 });

/** A seeded fact table: sorted ids, a float measure, an integer measure, 100 groups, a category. */
function facts(seed: number, rows: number): Table {
  const random = new SeededRandom(seed);
  const categories = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
  return tableFromArrays({
    id: Int32Array.from({ length: rows }, (_, i) => i),
    value: Float64Array.from({ length: rows }, () => Math.round(random.next() * 1e6) / 100),
    qty: Int32Array.from({ length: rows }, () => 1 + random.int(50)),
    grp: Int32Array.from({ length: rows }, () => random.int(100)),
    category: Array.from({ length: rows }, () => categories[random.int(categories.length)] ?? 'alpha'),
  });
}

/** A result as sorted rows of text, to check federated and local answers agree. */
function rowsOf(table: Table): string[] {
  const out: string[] = [];
  for (let i = 0; i < table.numRows; i++) out.push(JSON.stringify(table.get(i)?.toJSON(), (_, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(10)) : typeof v === 'bigint' ? String(v) : v)));
  return out.sort();
}

const api = {
  self: () => session.identity.peerId,
  snapshot: () => session.snapshot(),
  /** Makes an Arrow IPC file of `rows` seeded rows in the page; returns its size. */
  makeArrow(name: string, seed: number, rows: number): number {
    const bytes = tableToIPC(facts(seed, rows), 'file');
    files.set(name, bytes);
    return bytes.length;
  },
  async ingest(name: string): Promise<{ id: string; shards: number; rows: number }> {
    return session.ingest(name, fileBytes(name).slice().buffer);
  },
  /** The baseline's data: the whole file as a table of this page's DuckDB-Wasm, named as the dataset. */
  async loadLocal(name: string, table: string): Promise<void> {
    const db = await duckDb();
    const connection = await db.connect();
    await connection.insertArrowFromIPCStream(tableToIPC(tableFromIPC(fileBytes(name)), 'stream'), { name: table, create: true });
    await connection.close();
  },
  /** The query on this tab's DuckDB over the whole dataset: ms and the sorted rows. */
  async local(sql: string): Promise<{ ms: number; rows: string[] }> {
    const db = await duckDb();
    const connection = await db.connect();
    const started = performance.now();
    const table = (await connection.query(sql)) as unknown as Table;
    const ms = performance.now() - started;
    await connection.close();
    return { ms, rows: rowsOf(table) };
  },
  /** This tab's vector kernels: CPU rate against a plain Float32Array sum over the same bytes, WebGPU against CPU. */
  vectorKernelReport: (rows: number, dimension: number, seed: number) => session.vectorKernelReport(rows, dimension, seed),
  /** The query across the swarm, planned as the tab picks (auto) or run on the replicas (spread): ms, the sorted rows and how many shards were pruned. */
  async federated(sql: string, plan: 'auto' | 'spread' = 'auto'): Promise<{ ms: number; workerMs: number; rows: string[]; shardsPruned: number; shardsTotal: number; strategy: string; shards: string[]; phases: { planMs: number; runMs: number; mergeMs: number } }> {
    const started = performance.now();
    const answer = await session.query(sql, { plan });
    const ms = performance.now() - started;
    const self = session.identity.peerId;
    const shards = answer.shards.map((run) => `${run.holder === self ? 'here' : run.holder.slice(-4)} ${run.holderMs.toFixed(1)}/${run.elapsedMs.toFixed(1)}`);
    return { ms, workerMs: answer.ms, rows: rowsOf(tableFromIPC(new Uint8Array(answer.arrow))), shardsPruned: answer.shardsPruned, shardsTotal: answer.shardsTotal, strategy: answer.strategy, shards, phases: answer.phases };
  },
};

function fileBytes(name: string): Uint8Array {
  const bytes = files.get(name);
  if (!bytes) throw new Error(`no file ${name} was made in this page`);
  return bytes;
}

(globalThis as { queryBench?: typeof api }).queryBench = api;
