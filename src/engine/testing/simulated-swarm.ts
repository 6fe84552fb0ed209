import { createManifest, type DatasetManifest, type ShardEntry } from '../catalog/manifest';
import { contentId, pieceHashes } from '../content-id';
import { EngineDriver } from '../node/engine-driver';
import { FetchRequests } from '../node/fetch-requests';
import type { EngineEvent, FreshShard } from '../node/engine-io';
import { EngineNode } from '../node/engine-node';
import { defaultEngineSettings, type EngineSettings } from '../node/engine-settings';
import type { MeshDelivery } from '../ports/mesh';
import { MemoryNetwork, type MemoryMesh } from './memory-mesh';
import { MemoryManifestStore } from './memory-manifest-store';
import { MemoryShardStore } from './memory-shard-store';
import { SeededRandom } from './seeded-random';
import { VirtualScheduler } from './virtual-scheduler';

/** One node of the simulated swarm with everything that outlives a reload. */
interface SimulatedNode {
  readonly id: string;
  readonly host: string;
  readonly store: MemoryShardStore;
  readonly manifests: MemoryManifestStore;
  readonly mesh: MemoryMesh;
  engine: EngineNode | undefined;
  driver: EngineDriver | undefined;
  incarnation: number;
  left: boolean;
  readonly penalties: string[];
  readonly fetches: FetchRequests;
  unsubscribe: (() => void)[];
}

export interface SimulatedSwarmOptions {
  readonly seed: number;
  readonly settings?: EngineSettings;
  readonly latencyMs?: readonly [number, number];
  readonly lossRate?: number;
  readonly tamper?: (from: string, to: string, bytes: Uint8Array) => Uint8Array;
}

/**
 * Real engine nodes on the in-memory mesh and stores, in virtual time: the adapter the tab's
 * worker will be, minus the browser. Each effect is performed and its result stepped back in,
 * exactly as the real adapter does; tests then crash, reload, partition and inspect stores.
 */
export class SimulatedSwarm {
  readonly scheduler = new VirtualScheduler();
  readonly network: MemoryNetwork;
  private readonly nodes = new Map<string, SimulatedNode>();
  private readonly settings: EngineSettings;
  private readonly random: SeededRandom;
  /** Copies stored by any node since the start: the transfer count tests compare. */
  copiesStored = 0;

  constructor(options: SimulatedSwarmOptions) {
    this.random = new SeededRandom(options.seed);
    this.settings = options.settings ?? defaultEngineSettings;
    this.network = new MemoryNetwork({
      scheduler: this.scheduler,
      random: new SeededRandom(options.seed + 1),
      latencyMs: options.latencyMs ?? [1, 20],
      lossRate: options.lossRate ?? 0,
      ...(options.tamper ? { tamper: options.tamper } : {}),
    });
  }

  /** Starts a new node with an empty store of `budgetBytes`, with no link to the nodes in `unlinked` (until `heal`). */
  async addNode(id: string, host: string, budgetBytes = 1 << 30, unlinked: readonly string[] = []): Promise<void> {
    const store = new MemoryShardStore({ budgetBytes });
    const put = store.put.bind(store);
    store.put = async (shard, bytes) => {
      const known = await store.has(shard);
      await put(shard, bytes);
      if (!known) this.copiesStored++;
    };
    const node: SimulatedNode = {
      id,
      host,
      store,
      manifests: new MemoryManifestStore(),
      mesh: this.network.join(id),
      engine: undefined,
      driver: undefined,
      incarnation: 0,
      left: false,
      penalties: [],
      fetches: new FetchRequests(),
      unsubscribe: [],
    };
    this.nodes.set(id, node);
    if (unlinked.length > 0) this.network.partition([id], unlinked);
    await this.boot(node);
  }

  /** The tab dies: its engine and links go; its store survives for a reload. */
  async crash(id: string): Promise<void> {
    const node = this.node(id);
    this.shutdown(node);
    await node.mesh.stop();
  }

  /** The tab reloads: a new incarnation of the same identity over the same store. */
  async reload(id: string): Promise<void> {
    await this.crash(id);
    await this.boot(this.node(id));
  }

  /** The user closes the tab gracefully; it hands its shards off, then stops. */
  leave(id: string): void {
    this.step(this.node(id), { type: 'leave', now: this.scheduler.now() });
  }

  /** Splits the swarm in two; messages between the groups are lost until `heal`. */
  partition(a: readonly string[], b: readonly string[]): void {
    this.network.partition(a, b);
  }

  /** Virtual time, ms. */
  now(): number {
    return this.scheduler.now();
  }

  /** Stalls one direction of a link: everything `from` sends `to` is lost, and neither notices. */
  stall(from: string, to: string): void {
    this.network.stall(from, to);
  }

  /** Holds one direction of a link for `ms`: what is sent on it arrives only after that, late but whole. */
  hold(from: string, to: string, ms: number): void {
    this.network.hold(from, to, this.scheduler.now() + ms);
  }

  heal(): void {
    this.network.heal();
  }

  /** Stores the shards at `uploader` and publishes their manifest, as an upload does. */
  async upload(uploader: string, name: string, shards: readonly Uint8Array[]): Promise<DatasetManifest> {
    const node = this.node(uploader);
    const entries: ShardEntry[] = [];
    const fresh: FreshShard[] = [];
    let firstRow = 0;
    for (const bytes of shards) {
      const id = await contentId(bytes);
      await node.store.put(id, bytes);
      entries.push({ id, bytes: bytes.length, rows: bytes.length, firstRow, stats: {} });
      fresh.push({ shard: id, bytes, pieces: await pieceHashes(bytes) });
      firstRow += bytes.length;
    }
    const manifest = await createManifest({
      name,
      columns: [{ name: 'byte', type: 'Uint8' }],
      rows: firstRow,
      bytes: firstRow,
      shards: entries,
      createdBy: uploader,
    });
    // As a real upload does, the shards just made are handed to the engine to serve from memory.
    this.step(node, { type: 'publish', now: this.scheduler.now(), manifest, capacity: await node.store.capacity(), fresh });
    return manifest;
  }

  /** Lets `ms` of virtual time pass, performing every effect on the way. */
  async run(ms: number, stepMs = 50): Promise<void> {
    const until = this.scheduler.now() + ms;
    while (this.scheduler.now() < until) {
      this.scheduler.advance(Math.min(stepMs, until - this.scheduler.now()));
      await this.drain();
    }
  }

  /** Asks a node's engine for a shard's bytes; runs virtual time until the fetch settles. */
  async fetchShard(id: string, shard: string, maxMs = 60_000): Promise<Uint8Array> {
    const node = this.node(id);
    const { request, result } = node.fetches.open();
    let settled = false;
    const outcome = result.finally(() => {
      settled = true;
    });
    this.step(node, { type: 'fetch-shard', now: this.scheduler.now(), request, shard });
    for (let waited = 0; !settled && waited < maxMs; waited += 50) await this.run(50);
    return outcome;
  }

  /** Sends raw bytes to a node as if from `from` (a buggy or hostile peer). */
  inject(from: string, to: string, bytes: Uint8Array): void {
    this.step(this.node(to), { type: 'message', now: this.scheduler.now(), from, bytes });
  }

  engine(id: string): EngineNode {
    const engine = this.node(id).engine;
    if (!engine) throw new Error(`node ${id} is not running`);
    return engine;
  }

  store(id: string): MemoryShardStore {
    return this.node(id).store;
  }

  penalties(id: string): readonly string[] {
    return this.node(id).penalties;
  }

  hasLeft(id: string): boolean {
    return this.node(id).left;
  }

  ids(): string[] {
    return [...this.nodes.keys()];
  }

  /** Which running, reachable nodes hold each shard, read from their stores. */
  async holders(shards: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(shards.map((shard) => [shard, []]));
    for (const node of this.nodes.values()) {
      if (!node.engine) continue;
      for (const shard of shards) if (await node.store.has(shard)) result.get(shard)?.push(node.id);
    }
    return result;
  }

  hostOf(id: string): string {
    return this.node(id).host;
  }

  private async boot(node: SimulatedNode): Promise<void> {
    node.incarnation++;
    const engine = new EngineNode(
      { id: node.id, host: node.host, incarnation: node.incarnation, capabilities: [] },
      new SeededRandom(Math.floor(this.random.next() * 2 ** 31)),
      this.settings,
    );
    const driver = new EngineDriver(engine, {
      clock: this.scheduler,
      store: node.store,
      manifests: node.manifests,
      send: async (to, bytes) => node.mesh.send(to, bytes),
      schedule: (delayMs, run) => {
        this.scheduler.schedule(delayMs, run);
      },
      penalize: (peer, reason) => node.penalties.push(`${peer}: ${reason}`),
      fetched: (request, bytes, error) => node.fetches.settle(request, bytes, error),
      left: () => {
        node.left = true;
        this.shutdown(node);
        void node.mesh.stop();
      },
    });
    node.engine = engine;
    node.driver = driver;
    node.unsubscribe = [
      node.mesh.onMessage((delivery: MeshDelivery) =>
        this.step(node, { type: 'message', now: this.scheduler.now(), from: delivery.from, bytes: delivery.bytes }),
      ),
      node.mesh.onPeer((event) => {
        if (event.kind === 'connected') this.step(node, { type: 'peer-connected', now: this.scheduler.now(), peer: event.peer });
      }),
    ];
    await node.mesh.start();
    this.step(node, {
      type: 'start',
      now: this.scheduler.now(),
      held: await node.store.list(),
      manifests: await node.manifests.list(),
      capacity: await node.store.capacity(),
    });
  }

  private shutdown(node: SimulatedNode): void {
    node.driver?.stop();
    node.engine = undefined;
    node.driver = undefined;
    for (const unsubscribe of node.unsubscribe) unsubscribe();
    node.unsubscribe = [];
  }

  private step(node: SimulatedNode, event: EngineEvent): void {
    node.driver?.step(event);
  }

  private async drain(): Promise<void> {
    for (const node of this.nodes.values()) await node.driver?.idle();
  }

  private node(id: string): SimulatedNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id} in this swarm`);
    return node;
  }
}
