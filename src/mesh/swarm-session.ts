import * as Comlink from 'comlink';
import type { EngineSnapshot, EngineWorkerApi, QueryAnswer, QueryOptions } from '../workers/engine-api';
import type { VectorSearchRequest, VectorSearchResult } from '../workers/query/vector-search';
import type { VectorKernelReport } from '../workers/query/vector-kernel-report';
import { Libp2pMesh } from './libp2p-mesh';
import { loadTabIdentity, type TabIdentity } from './tab-identity';

/** What the page shows about the tab's place in the swarm. */
export interface SessionSnapshot extends EngineSnapshot {
  readonly swarm: string;
  readonly relayConnected: boolean;
  /** Peers with an open WebRTC link to this tab. */
  readonly linkedPeers: readonly string[];
  readonly replacedDuplicate: boolean;
}

export interface SwarmSessionOptions {
  readonly swarm: string;
  /** Origin of the signaling server (the page's own). */
  readonly origin: string;
  readonly budgetBytes: number;
  /** Whether this tab's GPU may do vector work (when the browser offers WebGPU); default yes. */
  readonly webGpu?: boolean;
  /** Takes frames of another protocol sharing the mesh (a benchmark's baseline) before the engine sees them; true = taken. */
  readonly interceptFrame?: (from: string, bytes: Uint8Array) => boolean;
}

/**
 * One tab in its swarm: its identity, the libp2p mesh on the main thread, and the engine in a
 * worker, with bytes passed between them as transferable buffers.
 */
export class SwarmSession {
  private constructor(
    readonly identity: TabIdentity,
    readonly mesh: Libp2pMesh,
    private readonly worker: Worker,
    private readonly engine: Comlink.Remote<EngineWorkerApi>,
    private readonly swarm: string,
  ) {}

  static async start(options: SwarmSessionOptions): Promise<SwarmSession> {
    const identity = await loadTabIdentity();
    const worker = new Worker(new URL('../workers/engine-worker.ts', import.meta.url), { type: 'module', name: 'tabswarm-engine' });
    const engine = Comlink.wrap<EngineWorkerApi>(worker);
    const mesh = new Libp2pMesh({ privateKey: identity.privateKey, swarm: options.swarm, origin: options.origin });
    const session = new SwarmSession(identity, mesh, worker, engine, options.swarm);
    // The engine opens its store while the mesh connects: a join waits for the slower, not both.
    const engineStarted = engine.start(
      { id: identity.peerId, host: identity.hostId, incarnation: identity.incarnation, capabilities: [], budgetBytes: options.budgetBytes, webGpu: options.webGpu ?? true },
      Comlink.proxy((to: string, bytes: ArrayBuffer) => {
        mesh.send(to, new Uint8Array(bytes)).catch(() => undefined);
      }),
    );
    // Frames that arrive before the engine is ready wait for it (comlink queues calls in order).
    mesh.onMessage(({ from, bytes }) => {
      if (options.interceptFrame?.(from, bytes)) return;
      const buffer =
        bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
          ? (bytes.buffer as ArrayBuffer)
          : (bytes.slice().buffer as ArrayBuffer);
      void engine.deliver(from, Comlink.transfer(buffer, [buffer]));
    });
    mesh.onPeer((event) => {
      if (event.kind === 'connected') void engine.peerConnected(event.peer);
      else void engine.peerDisconnected(event.peer);
    });
    await Promise.all([engineStarted, mesh.start()]);
    return session;
  }

  async snapshot(): Promise<SessionSnapshot> {
    const engine = await this.engine.snapshot();
    return {
      ...engine,
      swarm: this.swarm,
      relayConnected: this.mesh.relayConnected,
      linkedPeers: this.mesh.peers(),
      replacedDuplicate: this.identity.replacedDuplicate,
    };
  }

  /** Calls `changed` each time the engine's set of live peers changes. */
  watchLivePeers(changed: () => void): void {
    void this.engine.watchLivePeers(Comlink.proxy(changed));
  }

  /** Uploads a dropped file into the swarm (the buffer is handed to the engine worker). */
  ingest(fileName: string, bytes: ArrayBuffer, shardBytes?: number): Promise<{ readonly id: string; readonly shards: number; readonly rows: number }> {
    return this.engine.ingest(fileName, Comlink.transfer(bytes, [bytes]), shardBytes);
  }

  /** A dataset back out of the swarm as a file. */
  exportDataset(id: string, format: 'arrow' | 'csv' | 'parquet'): Promise<{ readonly fileName: string; readonly mimeType: string; readonly bytes: ArrayBuffer }> {
    return this.engine.exportDataset(id, format);
  }

  /** Runs a SELECT across the swarm (see EngineWorkerApi.query). */
  query(sql: string, options?: QueryOptions): Promise<QueryAnswer> {
    return this.engine.query(sql, options);
  }

  /** Top-k vector search across the swarm (see EngineWorkerApi.vectorSearch). */
  vectorSearch(request: VectorSearchRequest): Promise<VectorSearchResult> {
    return this.engine.vectorSearch(request);
  }

  /** This tab's vector kernels, checked and timed (diagnostics, benchmark). */
  vectorKernelReport(rows: number, dimension: number, seed: number): Promise<VectorKernelReport> {
    return this.engine.vectorKernelReport(rows, dimension, seed);
  }

  /** Sets how much this tab lends the swarm; resolves with the budget in force (the browser may allow less). */
  setBudget(bytes: number): Promise<number> {
    return this.engine.setBudget(bytes);
  }

  async stop(): Promise<void> {
    await this.mesh.stop();
    this.worker.terminate();
  }
}
