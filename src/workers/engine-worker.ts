/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { EngineDriver } from '../engine/node/engine-driver';
import { EngineNode } from '../engine/node/engine-node';
import { FetchRequests } from '../engine/node/fetch-requests';
import { SERVE_CACHE_BYTES } from '../engine/node/piece-server';
import { pieceHashes } from '../engine/content-id';
import type { EngineSnapshot, EngineStartOptions, EngineWorkerApi, QueryOptions } from './engine-api';
import { IndexedDbManifestStore } from './indexeddb-manifest-store';
import { IndexedDbShardStore } from './indexeddb-shard-store';
import { exportDataset } from './export/export-dataset';
import { DEFAULT_SHARD_BYTES, ingestDataset } from './ingest/ingest-dataset';
import { nodeDatabaseName, openNodeDatabase } from './node-database';
import { runFederatedQuery, type QueryContext } from './query/federated-query';
import { runVectorSearch, type VectorSearchRequest } from './query/vector-search';
import { vectorKernelReport } from './query/vector-kernel-report';
import { bestVectorScorer, cpuScorer, type VectorScorer } from './query/vector-scorer';
import { QueryService } from './query/query-service';
import { ShardTableCache } from './query/shard-table-cache';
import { duckDbShardTables } from './query/duckdb-shard-tables';
import { withDeleteHook } from './shard-store-delete-hook';
import { isQueryFrame } from '../engine/query/query-messages';
import { resolveStorageBudget, type StorageBudget } from './storage-budget';

/** Wall-clock randomness for the engine's peer choice; determinism matters only in tests. */
const random = { next: () => Math.random() };
const clock = { now: () => performance.now() };

let engine: EngineNode | undefined;
let driver: EngineDriver | undefined;
let store: IndexedDbShardStore | undefined;
let hasLeft: (() => void) | undefined;
let storage: StorageBudget | undefined;
let queries: QueryService | undefined;
/** The shards this tab queries, as DuckDB tables: its own copies and small datasets' shards it asked about. */
let shardTables: ShardTableCache | undefined;
let scorer: Promise<VectorScorer> = Promise.resolve(cpuScorer);
const fetches = new FetchRequests();
const LIVE_PEERS_CHECK_MS = 100;

/** A shard's bytes from this tab's store or the best live holder (see ShardFetcher). */
function fetchShard(shard: string): Promise<Uint8Array> {
  const { request, result } = fetches.open();
  driver?.step({ type: 'fetch-shard', now: clock.now(), request, shard });
  return result;
}
/**
 * A buffer holding exactly these bytes, to transfer to the page: their own when they fill it
 * (frames and results are made fresh, and nothing here uses them once sent), else a copy.
 */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return (whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
}

/** Events that arrived while the store was opening; replayed in order once the engine runs. */
let waiting: (() => void)[] | undefined = [];

function whenStarted(event: () => void): void {
  if (waiting) waiting.push(event);
  else event();
}

/** What a federated query or search needs from this tab's engine. */
function queryContext(): QueryContext {
  const node = engine;
  const service = queries;
  const tables = shardTables;
  if (!node || !service || !tables) throw new Error('the engine worker is not started');
  let holders: ((shard: string) => string[]) | undefined;
  return {
    manifests: () => node.catalogSnapshot().manifests,
    holdersOf: (shard, cached = false) => {
      // One layout for the whole query: building it per shard costs shards x catalog.
      holders ??= node.holderLookup();
      const live = holders(shard);
      // A cached copy only stands in while some replica lives: a shard the swarm lost stays lost.
      const here = node.holdsCopy(shard) || (cached && live.length > 0 && tables.has(shard));
      return [...(here ? [node.id] : []), ...live];
    },
    warm: (shards) => void tables.warm(shards),
    capable: (capability) => new Set(node.catalogSnapshot().records.filter((record) => record.capabilities.includes(capability)).map((record) => record.id)),
    coordinate: (tasks, options) => service.coordinate(tasks, options),
    self: node.id,
    runHere: (shards, sql) => service.runHere(shards, sql),
    now: () => clock.now(),
  };
}

const api: EngineWorkerApi = {
  async start(options: EngineStartOptions, outbox: (to: string, bytes: ArrayBuffer) => void): Promise<void> {
    if (engine) throw new Error('the engine worker is already started');
    const budget = await resolveStorageBudget(options.budgetBytes);
    const database = await openNodeDatabase(nodeDatabaseName(options.id));
    store = new IndexedDbShardStore(database, budget.budgetBytes);
    const manifests = new IndexedDbManifestStore(database);
    storage = budget;
    // A tab with a WebGPU adapter says so: vector work goes to such tabs first.
    scorer = options.webGpu ? bestVectorScorer() : Promise.resolve(cpuScorer);
    const capabilities = [...options.capabilities, ...((await scorer).kind === 'webgpu' ? ['webgpu'] : [])];
    const node = new EngineNode(
      { id: options.id, host: options.host, incarnation: options.incarnation, capabilities },
      random,
    );
    engine = node;
    const shards = store;
    // Own copies come from the store; others are fetched from a holder (both verified).
    const tables = new ShardTableCache(fetchShard, duckDbShardTables);
    shardTables = tables;
    driver = new EngineDriver(node, {
      clock,
      // A shard that leaves this tab leaves its query cache at once (it is never served from
      // there, holders check they hold a shard first; this frees DuckDB's memory for it).
      store: withDeleteHook(shards, (shard) => tables.forget(shard)),
      manifests,
      send: async (to, bytes) => {
        const buffer = ownBuffer(bytes);
        outbox(to, Comlink.transfer(buffer, [buffer]));
      },
      schedule: (delayMs, run) => {
        setTimeout(run, delayMs);
      },
      penalize: (peer, reason) => console.warn(`tabswarm: peer ${peer} penalized: ${reason}`),
      left: () => hasLeft?.(),
      fetched: (request, bytes, error) => fetches.settle(request, bytes, error),
    });
    queries = new QueryService({
      self: options.id,
      send: (to, bytes) => {
        const buffer = ownBuffer(bytes);
        outbox(to, Comlink.transfer(buffer, [buffer]));
      },
      shards: { holds: (shard) => node.holdsCopy(shard) || tables.has(shard), withTables: (shards, use) => tables.withTables(shards, use), vectorScorer: () => scorer },
      now: () => clock.now(),
      schedule: (delayMs, run) => {
        setTimeout(run, delayMs);
      },
      rejected: (peer, reason) => console.warn(`tabswarm: bad query frame from ${peer}: ${reason}`),
    });
    driver.step({ type: 'start', now: clock.now(), held: await store.list(), manifests: await manifests.list(), capacity: await store.capacity() });
    const queued = waiting ?? [];
    waiting = undefined;
    for (const event of queued) event();
  },

  deliver(from: string, bytes: ArrayBuffer): void {
    const frame = new Uint8Array(bytes);
    whenStarted(() => (isQueryFrame(frame) ? queries?.onFrame(from, frame) : driver?.step({ type: 'message', now: clock.now(), from, bytes: frame })));
  },

  peerDisconnected(peer: string): void {
    whenStarted(() => queries?.peerGone(peer));
  },

  async query(sql: string, options?: QueryOptions) {
    const result = await runFederatedQuery(sql, queryContext(), options?.plan ?? 'auto');
    const arrow = ownBuffer(result.bytes);
    const { strategy, shardsTotal, shardsPruned, shards, ms, phases } = result;
    return Comlink.transfer({ arrow, strategy, shardsTotal, shardsPruned, shards, ms, phases }, [arrow]);
  },

  watchLivePeers(changed: () => void): void {
    let seen = '';
    // A check is a sort of a few dozen ids: cheap enough to run often, so a tab joining or
    // leaving shows within a tenth of a second.
    setInterval(() => {
      const live = engine?.livePeers().join() ?? '';
      if (live === seen) return;
      seen = live;
      changed();
    }, LIVE_PEERS_CHECK_MS);
  },

  peerConnected(peer: string): void {
    whenStarted(() => driver?.step({ type: 'peer-connected', now: clock.now(), peer }));
  },

  async snapshot(): Promise<EngineSnapshot> {
    if (!engine || !store) throw new Error('the engine worker is not started');
    const record = engine.ownRecord();
    const capacity = await store.capacity();
    return {
      self: engine.id,
      host: record.host,
      incarnation: record.incarnation,
      peers: engine.members(clock.now()).map(({ id, liveness, host, usedBytes, capacityBytes, full, shards, silentForMs }) => ({ id, liveness, host, usedBytes, capacityBytes, full, shards, silentForMs })),
      datasets: engine.health(),
      storedShards: record.holdings.length,
      usedBytes: capacity.usedBytes,
      budgetBytes: capacity.budgetBytes,
      storagePersisted: storage?.persisted ?? false,
      messagesRejected: engine.counters.messagesRejected,
      copiesStored: engine.counters.copiesStored,
      transfers: { ...engine.transferCounters(), downloading: engine.downloadsInProgress().length },
    };
  },

  async ingest(fileName: string, bytes: ArrayBuffer, shardBytes = DEFAULT_SHARD_BYTES) {
    if (!engine || !driver || !store) throw new Error('the engine worker is not started');
    // The first shards made stay in memory to serve their first copies (see PieceServer.prime).
    const fresh: { id: string; bytes: Uint8Array }[] = [];
    let freshBytes = 0;
    const manifest = await ingestDataset(
      {
        fileName,
        bytes: new Uint8Array(bytes),
        uploader: engine.id,
        shardBytes,
        swarmFreeBytes: engine.swarmFreeBytes(),
        replicas: engine.replicas,
        staged: (id, shard) => {
          if (freshBytes + shard.length > SERVE_CACHE_BYTES) return;
          freshBytes += shard.length;
          fresh.push({ id, bytes: shard });
        },
      },
      store,
    );
    // Ingest hashed (and marked) these bytes: their piece lists cost nothing now.
    const served = await Promise.all(fresh.map(async ({ id, bytes: shard }) => ({ shard: id, bytes: shard, pieces: await pieceHashes(shard) })));
    driver.step({ type: 'publish', now: clock.now(), manifest, capacity: await store.capacity(), fresh: served });
    return { id: manifest.id, shards: manifest.shards.length, rows: manifest.rows };
  },

  async exportDataset(id: string, format: 'arrow' | 'csv' | 'parquet') {
    const manifest = engine?.catalogSnapshot().manifests.find((candidate) => candidate.id === id);
    if (!manifest) throw new Error(`no dataset ${id} is known to this tab`);
    const exported = await exportDataset(manifest, format, fetchShard);
    const buffer = exported.bytes.buffer.slice(exported.bytes.byteOffset, exported.bytes.byteOffset + exported.bytes.byteLength) as ArrayBuffer;
    return Comlink.transfer({ fileName: exported.fileName, mimeType: exported.mimeType, bytes: buffer }, [buffer]);
  },

  vectorSearch(request: VectorSearchRequest) {
    return runVectorSearch(request, queryContext());
  },

  async vectorKernelReport(rows: number, dimension: number, seed: number) {
    return vectorKernelReport(await scorer, rows, dimension, seed, () => performance.now());
  },

  async setBudget(bytes: number): Promise<number> {
    if (!store || !driver) throw new Error('the engine worker is not started');
    const budget = await resolveStorageBudget(bytes);
    store.setBudget(budget.budgetBytes);
    storage = budget;
    driver.step({ type: 'capacity-changed', now: clock.now(), capacity: await store.capacity() });
    return budget.budgetBytes;
  },

  async leave(): Promise<void> {
    const left = new Promise<void>((resolve) => {
      hasLeft = resolve;
    });
    driver?.step({ type: 'leave', now: clock.now() });
    await left;
  },
};

Comlink.expose(api);

