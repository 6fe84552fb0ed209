import type { Mesh, MeshDelivery, MeshPeerEvent } from '../ports/mesh';
import type { Random } from '../ports/random';
import type { VirtualScheduler } from './virtual-scheduler';

/** How a MemoryNetwork behaves; everything random comes from `random`, so a seed replays a run. */
export interface MemoryNetworkOptions {
  /** Virtual time in which messages and peer events travel. */
  readonly scheduler: VirtualScheduler;
  /** Draws latency and loss (use SeededRandom). */
  readonly random: Random;
  /** Bounds [min, max] of each message's one-way latency in ms; default [1, 5]. */
  readonly latencyMs?: readonly [number, number];
  /** Chance in [0, 1] that a message is lost; default 0. */
  readonly lossRate?: number;
  /** Rewrites a message on its way (a buggy or hostile link, for tests); default: none. */
  readonly tamper?: (from: string, to: string, bytes: Uint8Array) => Uint8Array;
}

/**
 * What a MemoryNetwork does on behalf of its meshes; only the network makes one. Each method is
 * the Mesh method of the same name, for the mesh whose id is `self`.
 */
export interface MemoryMeshBackend {
  start(self: string): void;
  stop(self: string): void;
  send(self: string, peer: string, bytes: Uint8Array): void;
  peers(self: string): string[];
  onMessage(self: string, handler: (delivery: MeshDelivery) => void): () => void;
  onPeer(self: string, handler: (event: MeshPeerEvent) => void): () => void;
}

/** One node's Mesh on a MemoryNetwork, from `network.join(peerId)`. */
export class MemoryMesh implements Mesh {
  constructor(
    readonly self: string,
    private readonly backend: MemoryMeshBackend,
  ) {}

  async start(): Promise<void> {
    this.backend.start(this.self);
  }

  async stop(): Promise<void> {
    this.backend.stop(this.self);
  }

  peers(): string[] {
    return this.backend.peers(this.self);
  }

  async send(peer: string, bytes: Uint8Array): Promise<void> {
    this.backend.send(this.self, peer, bytes);
  }

  onMessage(handler: (delivery: MeshDelivery) => void): () => void {
    return this.backend.onMessage(this.self, handler);
  }

  onPeer(handler: (event: MeshPeerEvent) => void): () => void {
    return this.backend.onPeer(this.self, handler);
  }
}

interface PeerState {
  readonly id: string;
  started: boolean;
  /** Bumped on every start and stop, so messages and events of an earlier session never arrive. */
  session: number;
  /** Peers this node has been told are connected: what peers() reports. */
  readonly view: Set<string>;
  // Entries rather than bare functions, so one handler registered twice is two registrations.
  readonly messageHandlers: Set<{ readonly handler: (delivery: MeshDelivery) => void }>;
  readonly peerHandlers: Set<{ readonly handler: (event: MeshPeerEvent) => void }>;
}

/**
 * An in-memory network for engine tests: messages take a seeded-random latency (so their order
 * is shuffled, as on a real mesh), may be lost, and do not cross partitions. Peer events travel
 * through the scheduler too, in the order their causes happened.
 */
export class MemoryNetwork {
  private readonly scheduler: VirtualScheduler;
  private readonly random: Random;
  private readonly minLatencyMs: number;
  private readonly maxLatencyMs: number;
  private readonly lossRate: number;
  private readonly tamper: ((from: string, to: string, bytes: Uint8Array) => Uint8Array) | undefined;
  private readonly nodes = new Map<string, PeerState>();
  private readonly cuts = new Map<string, readonly [string, string]>();
  /** One-way links that silently lose what is sent on them, by `from>to`. */
  private readonly stalls = new Set<string>();
  /** One-way links that deliver nothing before a time (virtual ms), by `from>to`. */
  private readonly holds = new Map<string, number>();
  private readonly backend: MemoryMeshBackend;
  private deliveredCount = 0;
  private droppedCount = 0;

  constructor(options: MemoryNetworkOptions) {
    const [min, max] = options.latencyMs ?? [1, 5];
    if (!(Number.isFinite(min) && Number.isFinite(max) && min >= 0 && max >= min)) {
      throw new RangeError(`latencyMs must be [min, max] with 0 <= min <= max, got [${min}, ${max}]`);
    }
    const lossRate = options.lossRate ?? 0;
    if (!(lossRate >= 0 && lossRate <= 1)) throw new RangeError(`lossRate must be in [0, 1], got ${lossRate}`);
    this.scheduler = options.scheduler;
    this.random = options.random;
    this.minLatencyMs = min;
    this.maxLatencyMs = max;
    this.lossRate = lossRate;
    this.tamper = options.tamper;
    this.backend = {
      start: (self) => this.startPeer(this.node(self)),
      stop: (self) => this.stopPeer(this.node(self)),
      send: (self, peer, bytes) => this.send(this.node(self), peer, bytes),
      peers: (self) => [...this.node(self).view],
      onMessage: (self, handler) => subscribe(this.node(self).messageHandlers, handler),
      onPeer: (self, handler) => subscribe(this.node(self).peerHandlers, handler),
    };
  }

  /** Messages handed to a receiving mesh so far. */
  get delivered(): number {
    return this.deliveredCount;
  }

  /** Messages lost so far: by loss draw, to an unreachable peer, or cut off while in flight. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** A new node on this network; it is unreachable until its mesh is started. */
  join(peerId: string): MemoryMesh {
    if (peerId === '') throw new RangeError('join() needs a non-empty peer id');
    if (this.nodes.has(peerId)) throw new RangeError(`peer ${peerId} has already joined this network; pick another id`);
    this.nodes.set(peerId, {
      id: peerId,
      started: false,
      session: 0,
      view: new Set(),
      messageHandlers: new Set(),
      peerHandlers: new Set(),
    });
    return new MemoryMesh(peerId, this.backend);
  }

  /** Cuts every link between the two groups; peers on each side see the other side disconnect. */
  partition(groupA: readonly string[], groupB: readonly string[]): void {
    const sideA = groupA.map((id) => this.node(id));
    const sideB = groupB.map((id) => this.node(id));
    for (const a of sideA) {
      for (const b of sideB) {
        if (a === b) throw new RangeError(`peer ${a.id} is on both sides of the partition`);
        const key = linkKey(a.id, b.id);
        if (this.cuts.has(key)) continue;
        const wasLinked = this.linked(a, b);
        this.cuts.set(key, [a.id, b.id]);
        if (wasLinked) this.announcePair(a, b, 'disconnected');
      }
    }
  }

  /**
   * Makes one direction of a link lose everything sent on it, with no disconnect seen on
   * either side: what a congested WebRTC association does (its data channels stay open).
   */
  stall(from: string, to: string): void {
    // Unknown peers throw here, as in partition().
    this.node(from);
    this.node(to);
    this.stalls.add(`${from}>${to}`);
  }

  /**
   * Makes one direction of a link deliver nothing until `untilMs` (virtual time), then all it
   * held: what an SCTP association in retransmission backoff does (late, never lost).
   */
  hold(from: string, to: string, untilMs: number): void {
    this.node(from);
    this.node(to);
    this.holds.set(`${from}>${to}`, Math.max(untilMs, this.holds.get(`${from}>${to}`) ?? 0));
  }

  /** Restores every cut link (peers on both sides see each other connect again) and every stalled or held one. */
  heal(): void {
    this.stalls.clear();
    this.holds.clear();
    const cut = [...this.cuts.values()];
    this.cuts.clear();
    for (const [a, b] of cut) {
      const peerA = this.node(a);
      const peerB = this.node(b);
      if (this.linked(peerA, peerB)) this.announcePair(peerA, peerB, 'connected');
    }
  }

  private node(id: string): PeerState {
    const node = this.nodes.get(id);
    if (node === undefined) throw new RangeError(`peer ${id} has not joined this network; call join() first`);
    return node;
  }

  private linked(a: PeerState, b: PeerState): boolean {
    return a !== b && a.started && b.started && !this.cuts.has(linkKey(a.id, b.id));
  }

  private startPeer(node: PeerState): void {
    if (node.started) return;
    node.started = true;
    node.session++;
    for (const other of this.nodes.values()) {
      if (this.linked(node, other)) this.announcePair(node, other, 'connected');
    }
  }

  private stopPeer(node: PeerState): void {
    if (!node.started) return;
    const reachable = [...this.nodes.values()].filter((other) => this.linked(node, other));
    node.started = false;
    node.session++;
    node.view.clear();
    // The stopped node hears nothing more, so only the others learn of the disconnect.
    for (const other of reachable) this.announce(other, node.id, 'disconnected');
  }

  private send(from: PeerState, peerId: string, bytes: Uint8Array): void {
    if (!from.started) throw new Error(`mesh ${from.id} is not started; call start() before send()`);
    if (peerId === from.id) throw new Error(`mesh ${from.id} cannot send to itself`);
    const to = this.nodes.get(peerId);
    if (to === undefined) throw new Error(`peer ${peerId} is unknown to this network; send to ids from peers() or onPeer events`);
    // Copied now, so the sender may reuse its buffer as soon as send() returns.
    const copy = this.tamper ? this.tamper(from.id, peerId, bytes.slice()) : bytes.slice();
    if (!this.linked(from, to) || this.stalls.has(`${from.id}>${peerId}`) || this.random.next() < this.lossRate) {
      this.droppedCount++;
      return;
    }
    const heldFor = Math.max(0, (this.holds.get(`${from.id}>${peerId}`) ?? 0) - this.scheduler.now());
    const latency = heldFor + this.minLatencyMs + this.random.next() * (this.maxLatencyMs - this.minLatencyMs);
    const fromSession = from.session;
    const toSession = to.session;
    this.scheduler.schedule(latency, () => {
      // A stop on either end, or a partition, while the message was in flight loses it.
      if (from.session !== fromSession || to.session !== toSession || !this.linked(from, to) || this.stalls.has(`${from.id}>${peerId}`)) {
        this.droppedCount++;
        return;
      }
      this.deliveredCount++;
      for (const entry of [...to.messageHandlers]) entry.handler({ from: from.id, bytes: copy.slice() });
    });
  }

  private announcePair(a: PeerState, b: PeerState, kind: MeshPeerEvent['kind']): void {
    this.announce(a, b.id, kind);
    this.announce(b, a.id, kind);
  }

  private announce(observer: PeerState, peer: string, kind: MeshPeerEvent['kind']): void {
    const session = observer.session;
    // Zero delay keeps events in the order of their causes; latency draws could reorder them.
    this.scheduler.schedule(0, () => {
      if (observer.session !== session) return;
      const connected = kind === 'connected';
      if (observer.view.has(peer) === connected) return;
      if (connected) observer.view.add(peer);
      else observer.view.delete(peer);
      for (const entry of [...observer.peerHandlers]) entry.handler({ peer, kind });
    });
  }
}

function subscribe<T>(handlers: Set<{ readonly handler: (value: T) => void }>, handler: (value: T) => void): () => void {
  const entry = { handler };
  handlers.add(entry);
  return () => {
    handlers.delete(entry);
  };
}

function linkKey(a: string, b: string): string {
  // JSON keeps ids containing any separator character apart.
  return JSON.stringify(a < b ? [a, b] : [b, a]);
}
