import type { DatasetProgress } from '../engine/node/dataset-health';
import type { QueryPhases, QueryStrategy, ShardRun } from './query/federated-query';
import type { VectorSearchRequest, VectorSearchResult } from './query/vector-search';
import type { VectorKernelReport } from './query/vector-kernel-report';

/** One peer as the engine sees it. */
export interface PeerView {
  readonly id: string;
  readonly liveness: string;
  readonly host: string;
  readonly usedBytes: number;
  readonly capacityBytes: number;
  /** The peer advertises a full store and gets no new copies. */
  readonly full: boolean;
  readonly shards: number;
  /** How long since the peer was last heard of (its heartbeat, first-hand or relayed). */
  readonly silentForMs: number;
}

/** What the page shows of the engine. */
export interface EngineSnapshot {
  readonly self: string;
  readonly host: string;
  readonly incarnation: number;
  readonly peers: readonly PeerView[];
  readonly datasets: readonly DatasetProgress[];
  readonly storedShards: number;
  readonly usedBytes: number;
  readonly budgetBytes: number;
  /** The browser agreed not to evict this tab's shards. */
  readonly storagePersisted: boolean;
  readonly messagesRejected: number;
  /** Copies this tab has received and stored since it started (transfer traffic). */
  readonly copiesStored: number;
  /** Pieces pulled and bytes served (plain, and as sent: pieces go deflated when that shrinks them) since the tab started, shards read ahead for repairs, and shards being pulled now. */
  readonly transfers: {
    readonly piecesReceived: number;
    readonly bytesReceived: number;
    readonly piecesRejected: number;
    readonly resumed: number;
    /** Holders downloads left mid-shard, and of those for silence (a stalled link). */
    readonly sourcesGivenUp: number;
    readonly sourcesSilent: number;
    /** Pieces used that arrived from a holder a download had already left. */
    readonly latePieces: number;
    /** The last holders left: which shard, which holder, why, when (engine clock, ms). */
    readonly recentGiveUps: readonly { readonly shard: string; readonly holder: string; readonly reason: string; readonly at: number }[];
    readonly bytesServed: number;
    readonly wireBytesServed: number;
    /** Of `bytesServed`, bytes passed on from copies still arriving here (to peers whose own link stalled). */
    readonly bytesRelayed: number;
    /** Shards read and deflated ahead of repairs this tab was about to drive. */
    readonly shardsWarmed: number;
    readonly downloading: number;
  };
}

/**
 * How to run a query. `plan: 'spread'` never runs it whole on one tab, even when one tab holds
 * every shard it needs: its parts run across the holders and are merged (the parallel plan
 * large data gets; tests use it to check both plans give the same answer).
 */
export interface QueryOptions {
  readonly plan?: 'auto' | 'spread';
}

/** A federated query's answer: the rows (an Arrow IPC stream, transferred) and how it ran. */
export interface QueryAnswer {
  readonly arrow: ArrayBuffer;
  readonly strategy: QueryStrategy;
  readonly shardsTotal: number;
  readonly shardsPruned: number;
  /** Per shard: its content id, the tab that ran it, how long it took. */
  readonly shards: readonly ShardRun[];
  readonly ms: number;
  /** Where the time went: planning, the subqueries, the merge here. */
  readonly phases: QueryPhases;
}

/** Who the tab is, as the engine needs it. */
export interface EngineStartOptions {
  readonly id: string;
  readonly host: string;
  readonly incarnation: number;
  readonly capabilities: readonly string[];
  /** Bytes the user lets the swarm store in this tab. */
  readonly budgetBytes: number;
  /** Whether the tab's GPU may do vector work, if the browser offers WebGPU. */
  readonly webGpu: boolean;
}

/**
 * The engine worker's API (comlink). Bytes cross as transferable ArrayBuffers: `deliver`
 * hands received frames to the worker, and the `outbox` callback hands frames to send back to
 * the page, which owns the mesh (RTCPeerConnection does not exist in workers).
 */
export interface EngineWorkerApi {
  /** Opens the store and starts the engine node; `outbox` sends bytes to a peer. */
  start(options: EngineStartOptions, outbox: (to: string, bytes: ArrayBuffer) => void): Promise<void>;
  /** A frame arrived from a peer (the buffer is transferred). */
  deliver(from: string, bytes: ArrayBuffer): void;
  /** The mesh connected a peer. */
  peerConnected(peer: string): void;
  /** The mesh lost a peer: queries it was running move to other replicas. */
  peerDisconnected(peer: string): void;
  /** Calls `changed` each time the set of live peers changes, so the page's peer list follows at once rather than at its next refresh. */
  watchLivePeers(changed: () => void): void;
  /** The engine's state for the page. */
  snapshot(): Promise<EngineSnapshot>;
  /**
   * Reads a dropped file, stages its shards here and publishes its manifest; rejects with a
   * message for the user (and leaves nothing behind) when the file cannot become a dataset.
   */
  ingest(fileName: string, bytes: ArrayBuffer, shardBytes?: number): Promise<{ readonly id: string; readonly shards: number; readonly rows: number }>;
  /** Fetches a dataset's shards from the swarm and writes it as a file (the buffer is transferred). */
  exportDataset(id: string, format: 'arrow' | 'csv' | 'parquet'): Promise<{ readonly fileName: string; readonly mimeType: string; readonly bytes: ArrayBuffer }>;
  /**
   * Runs one DuckDB SELECT over the swarm's datasets (named by file name, e.g. trips.csv ->
   * trips); rejects with DuckDB's message for a bad query, or naming the shards no replica
   * could answer for.
   */
  query(sql: string, options?: QueryOptions): Promise<QueryAnswer>;
  /** Top-k vector search over a dataset's vector column, across the swarm. */
  vectorSearch(request: VectorSearchRequest): Promise<VectorSearchResult>;
  /** Diagnostics and benchmark: this tab's vector kernels on seeded vectors (CPU rate against a plain sum, WebGPU against CPU). */
  vectorKernelReport(rows: number, dimension: number, seed: number): Promise<VectorKernelReport>;
  /** Sets how much this tab lends the swarm (capped by the browser's quota); resolves with the budget in force. */
  setBudget(bytes: number): Promise<number>;
  /** Hands this tab's shards off, then stops; resolves when handed off. */
  leave(): Promise<void>;
}
