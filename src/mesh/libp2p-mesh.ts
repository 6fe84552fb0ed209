import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { WebRTC } from '@multiformats/multiaddr-matcher';
import { MAX_FRAME_BYTES } from '../engine/node/messages';
import type { Mesh, MeshDelivery, MeshPeerEvent } from '../engine/ports/mesh';
import { backoffDelay } from './backoff';
import { createBrowserNode, defaultBrowserNodeSettings, type BrowserNode, type BrowserNodeSettings } from './browser-libp2p';
import { FrameReader } from './frame-codec';
import { FrameWriter } from './frame-writer';
import { fetchBootstrap, relayMultiaddr } from './relay-address';
import { bulkProtocol, controlProtocol } from './swarm-protocols';

/** How long opening a stream may take. */
const OPEN_STREAM_TIMEOUT_MS = 10_000;

/** An empty frame on the control stream: the sender is stopping. Engine frames are never empty. */
const GOODBYE = new Uint8Array(0);
/** How long a stopping tab waits for its goodbyes to go out. */
const GOODBYE_WAIT_MS = 500;

/** Frames above this go on the bulk stream, so shards never hold up heartbeats. */
const BULK_THRESHOLD_BYTES = 64 * 1024;
const DIAL_TIMEOUT_MS = 15_000;
const RECONCILE_INTERVAL_MS = 1_000;
/**
 * How long a tab waits for a peer with a smaller id to dial it before dialling that peer
 * itself. The smaller id dials so two tabs rarely dial each other at once, but a tab that
 * reloaded can wait in vain: its peers may still hold its previous life's link (a closed page
 * does not always close its links, and a dead link shows only when pings time out, 10-20 s).
 */
const DIAL_ANYWAY_AFTER_MS = 6_000;

export interface Libp2pMeshOptions extends Partial<Omit<BrowserNodeSettings, 'privateKey' | 'swarm'>> {
  readonly privateKey: BrowserNodeSettings['privateKey'];
  readonly swarm: string;
  /** Origin of the signaling server (the page's own origin in the app). */
  readonly origin: string;
}

/** Dial statistics, for the mesh benchmark and the UI. */
export interface DialStats {
  attempts: number;
  failures: number;
  /** Why the last dial failed, for diagnostics. */
  lastError: string;
  /** Durations of successful dials, ms. */
  readonly durations: number[];
}

/**
 * The Mesh port over libp2p in a tab. Peers are the tabs of the same swarm this tab has a
 * direct WebRTC connection to and that speak the swarm's protocol. The tab with the smaller
 * peer id dials (so two tabs never dial each other at once), with backoff between attempts;
 * the relay is re-dialled (and re-bootstrapped, in case the server restarted) when lost.
 */
export class Libp2pMesh implements Mesh {
  readonly dialStats: DialStats = { attempts: 0, failures: 0, lastError: '', durations: [] };
  private node: BrowserNode | undefined;
  private relayAddress: Multiaddr | undefined;
  private readonly known = new Set<string>();
  /** When each known peer without a link was first heard of (or lost its link). */
  private readonly unlinkedSince = new Map<string, number>();
  private readonly members = new Set<string>();
  private readonly dialing = new Set<string>();
  private readonly retryAt = new Map<string, { at: number; attempt: number }>();
  /** One writer per peer and protocol; a stream being opened is shared by every send that waits for it. */
  private readonly writers = new Map<string, Promise<FrameWriter>>();
  private readonly messageHandlers = new Set<(delivery: MeshDelivery) => void>();
  private readonly peerHandlers = new Set<(event: MeshPeerEvent) => void>();
  private reconcileTimer: ReturnType<typeof setInterval> | undefined;
  private relayAttempt = 0;
  private relayDialing = false;
  private relayRetryAt = 0;
  private running = false;
  private announce: () => void = () => undefined;
  private announceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: Libp2pMeshOptions) {}

  get self(): string {
    return this.node?.peerId.toString() ?? '';
  }

  /** The underlying libp2p node (for the benchmark's raw channel and diagnostics). */
  get libp2p(): BrowserNode | undefined {
    return this.node;
  }

  /** Tabs this tab has heard of (for diagnostics). */
  knownPeers(): string[] {
    return [...this.known].sort();
  }

  /** Whether the relay (signaling server) is connected. */
  get relayConnected(): boolean {
    const relay = this.relayAddress?.getComponents().find((c) => c.name === 'p2p')?.value;
    return relay !== undefined && (this.node?.getConnections(peerIdFromString(relay)).length ?? 0) > 0;
  }

  async start(): Promise<void> {
    // STUN/TURN come from the deployment (the signaling server) unless the caller set them.
    const bootstrap = this.options.iceServers ? undefined : await fetchBootstrap(this.options.origin, AbortSignal.timeout(10_000)).catch(() => undefined);
    const settings: BrowserNodeSettings = { ...defaultBrowserNodeSettings, ...(bootstrap ? { iceServers: bootstrap.iceServers } : {}), ...this.options };
    const { node, announce } = await createBrowserNode(settings);
    this.node = node;
    this.announce = announce;
    // Announce at once when the relay reservation gives this tab a WebRTC address.
    node.addEventListener('self:peer:update', () => {
      if (!node.getMultiaddrs().some((address) => WebRTC.matches(address))) return;
      markOnce('tabswarm:webrtc-address');
      this.announceSoon();
    });
    const control = controlProtocol(this.options.swarm);
    const bulk = bulkProtocol(this.options.swarm);
    for (const protocol of [control, bulk]) {
      await node.handle(protocol, (stream, connection) => this.readFrames(stream, connection), { maxInboundStreams: 4 });
    }
    node.addEventListener('peer:discovery', (event) => {
      // Tabs announce their WebRTC addresses; anything else (the relay itself) is not a tab.
      const id = event.detail.id.toString();
      if (id === this.self || !event.detail.multiaddrs.some((address) => WebRTC.matches(address))) return;
      // A newcomer hears of this tab now rather than at its next periodic announcement.
      markOnce('tabswarm:first-discovery');
      if (!this.known.has(id)) this.announceSoon();
      this.known.add(id);
      if (!this.members.has(id) && !this.unlinkedSince.has(id)) this.unlinkedSince.set(id, Date.now());
      this.reconcile();
    });
    node.addEventListener('connection:open', (event) => void this.adopt(event.detail));
    node.addEventListener('connection:close', (event) => this.onConnectionClosed(event.detail.remotePeer));
    await node.start();
    this.running = true;
    await this.connectRelay();
    this.reconcileTimer = setInterval(() => this.reconcile(), RECONCILE_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    const node = this.node;
    if (!node) return;
    // Say goodbye first: a closed WebRTC link is not always noticed at the other end, which
    // would then wait for its ping monitor (seconds) to drop this tab.
    await Promise.race([
      Promise.allSettled([...this.members].map((peer) => this.writerFor(peer, controlProtocol(this.options.swarm)).then((writer) => writer.write(GOODBYE)))),
      new Promise((resolve) => setTimeout(resolve, GOODBYE_WAIT_MS)),
    ]);
    await node.stop();
    for (const peer of [...this.members]) this.dropMember(peer);
  }

  peers(): string[] {
    return [...this.members].sort();
  }

  async send(peer: string, bytes: Uint8Array): Promise<void> {
    if (!this.members.has(peer)) throw new Error(`peer ${peer} is not connected to this tab`);
    if (bytes.byteLength === 0) throw new RangeError('an empty message cannot be sent: the mesh uses empty frames to say goodbye');
    const protocol = bytes.byteLength > BULK_THRESHOLD_BYTES ? bulkProtocol(this.options.swarm) : controlProtocol(this.options.swarm);
    const writer = await this.writerFor(peer, protocol);
    await writer.write(bytes);
  }

  onMessage(handler: (delivery: MeshDelivery) => void): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  onPeer(handler: (event: MeshPeerEvent) => void): () => void {
    this.peerHandlers.add(handler);
    return () => this.peerHandlers.delete(handler);
  }

  /** Dials a peer now (the benchmark measures fresh dials); resolves with the dial's duration. */
  async dialNow(peer: string): Promise<number> {
    const started = performance.now();
    await this.dial(peer);
    return performance.now() - started;
  }

  /** Closes every connection to a peer (the benchmark's redial loop). */
  async hangUp(peer: string): Promise<void> {
    await this.node?.hangUp(peerIdFromString(peer));
  }

  /**
   * Announces as soon as the relay reservation gives this tab a WebRTC address. libp2p's
   * self:peer:update comes up to a second later (it is debounced), and that second was most
   * of a join.
   */
  private async announceOnceReserved(): Promise<void> {
    for (let waited = 0; waited < 10_000 && this.running; waited += 50) {
      if (this.node?.getMultiaddrs().some((address) => WebRTC.matches(address))) {
        markOnce('tabswarm:webrtc-address');
        this.announce();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Coalesces announcements: one broadcast for a burst of reasons. */
  private announceSoon(): void {
    if (this.announceTimer) return;
    this.announceTimer = setTimeout(() => {
      this.announceTimer = undefined;
      if (this.running) this.announce();
    }, 100);
  }

  private async connectRelay(): Promise<void> {
    if (this.relayDialing || !this.running || Date.now() < this.relayRetryAt) return;
    this.relayDialing = true;
    try {
      const { relayPeerId } = await fetchBootstrap(this.options.origin, AbortSignal.timeout(5_000));
      this.relayAddress = relayMultiaddr(new URL(this.options.origin), relayPeerId);
      await this.node?.dial(this.relayAddress, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) });
      markOnce('tabswarm:relay-connected');
      this.relayAttempt = 0;
      void this.announceOnceReserved();
    } catch {
      this.relayRetryAt = Date.now() + backoffDelay(this.relayAttempt++);
    } finally {
      this.relayDialing = false;
    }
  }

  /** Keeps the relay connected and dials every known peer this tab is responsible for dialling. */
  private reconcile(): void {
    if (!this.running || !this.node) return;
    if (!this.relayConnected) void this.connectRelay();
    for (const peer of this.known) {
      if (this.members.has(peer) || this.dialing.has(peer)) continue;
      if (this.self > peer && Date.now() - (this.unlinkedSince.get(peer) ?? Date.now()) < DIAL_ANYWAY_AFTER_MS) continue;
      const retry = this.retryAt.get(peer);
      if (retry && Date.now() < retry.at) continue;
      void this.dial(peer).catch(() => undefined);
    }
  }

  private async dial(peer: string): Promise<void> {
    const node = this.node;
    if (!node || !this.relayAddress) throw new Error('the mesh is not started or has no relay yet');
    this.dialing.add(peer);
    this.dialStats.attempts++;
    const started = performance.now();
    try {
      const address = multiaddr(`${this.relayAddress.toString()}/p2p-circuit/webrtc/p2p/${peer}`);
      const connection = await node.dial(address, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) });
      await this.adopt(connection);
      if (!this.members.has(peer)) throw new Error(`peer ${peer} does not speak swarm ${this.options.swarm} (${this.dialStats.lastError}; link ${connection.remoteAddr.toString()})`);
      this.dialStats.durations.push(performance.now() - started);
      this.retryAt.delete(peer);
    } catch (error) {
      this.dialStats.failures++;
      this.dialStats.lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const attempt = (this.retryAt.get(peer)?.attempt ?? 0) + 1;
      this.retryAt.set(peer, { at: Date.now() + backoffDelay(attempt), attempt });
      throw error;
    } finally {
      this.dialing.delete(peer);
    }
  }

  /**
   * A direct connection becomes a member once a control stream opens on it: a tab of another
   * swarm does not speak this swarm's protocol and is hung up on.
   */
  private async adopt(connection: Connection): Promise<void> {
    if (!isTabLink(connection) || connection.status !== 'open') return;
    const peer = connection.remotePeer.toString();
    if (this.members.has(peer)) {
      // A second link from a member is most often the member back from a reload, while its
      // previous life's link still looks open here: frames sent on that one would vanish.
      await this.preferLink(peer, connection);
      return;
    }
    try {
      await this.writerFor(peer, controlProtocol(this.options.swarm), connection);
      this.addMember(peer);
    } catch (error) {
      this.dialStats.lastError = `adopting ${peer}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      await connection.close().catch(() => undefined);
    }
  }

  /** Sends to `peer` go over `connection` from now on: writers on its other links are dropped. */
  private async preferLink(peer: string, connection: Connection): Promise<void> {
    for (const [key, opening] of [...this.writers]) {
      if (!key.startsWith(`${peer}|`)) continue;
      const writer = await opening.catch(() => undefined);
      if (writer && !connection.streams.includes(writer.stream) && this.writers.get(key) === opening) this.writers.delete(key);
    }
  }

  private async writerFor(peer: string, protocol: string, via?: Connection): Promise<FrameWriter> {
    const key = `${peer}|${protocol}`;
    const existing = this.writers.get(key);
    if (existing) {
      const writer = await existing.catch(() => undefined);
      if (writer && writer.stream.status === 'open' && writer.stream.writeStatus === 'writable') return writer;
      if (this.writers.get(key) === existing) this.writers.delete(key);
      // Another send may have started a new stream meanwhile: share it.
      const replaced = this.writers.get(key);
      if (replaced) return replaced;
    }
    const opening = this.openWriter(key, peer, protocol, via);
    this.writers.set(key, opening);
    opening.catch(() => {
      if (this.writers.get(key) === opening) this.writers.delete(key);
    });
    return opening;
  }

  private async openWriter(key: string, peer: string, protocol: string, via: Connection | undefined): Promise<FrameWriter> {
    const connection = via ?? this.directConnection(peer);
    if (!connection) throw new Error(`no direct connection to ${peer}`);
    const stream = await connection.newStream(protocol, { signal: AbortSignal.timeout(OPEN_STREAM_TIMEOUT_MS) });
    const writer = new FrameWriter(stream);
    stream.addEventListener('close', () => {
      void this.writers.get(key)?.then((current) => {
        if (current === writer) this.writers.delete(key);
      }, () => undefined);
    });
    return writer;
  }

  /** The newest open direct link to a peer (an older one may be left from the peer's previous life). */
  private directConnection(peer: string): Connection | undefined {
    const links = this.node?.getConnections(peerIdFromString(peer)).filter((c) => isTabLink(c) && c.status === 'open') ?? [];
    return links.sort((a, b) => b.timeline.open - a.timeline.open)[0];
  }

  private async readFrames(stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer.toString();
    if (!isTabLink(connection)) {
      stream.abort(new Error('swarm streams run on direct WebRTC links only'));
      return;
    }
    this.addMember(from);
    const reader = new FrameReader(MAX_FRAME_BYTES);
    try {
      for await (const chunk of stream) {
        for (const bytes of reader.push(chunk)) {
          if (bytes.byteLength === 0) {
            // The peer is stopping (see stop()): drop it now and let its link go.
            this.dropMember(from);
            void connection.close().catch(() => undefined);
            return;
          }
          for (const handler of this.messageHandlers) handler({ from, bytes });
        }
      }
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private addMember(peer: string): void {
    if (this.members.has(peer)) return;
    markOnce('tabswarm:first-peer');
    this.members.add(peer);
    this.unlinkedSince.delete(peer);
    this.known.add(peer);
    for (const handler of this.peerHandlers) handler({ peer, kind: 'connected' });
  }

  private onConnectionClosed(remote: PeerId): void {
    const peer = remote.toString();
    if (this.directConnection(peer)) return;
    this.dropMember(peer);
  }

  private dropMember(peer: string): void {
    for (const key of [...this.writers.keys()]) if (key.startsWith(`${peer}|`)) this.writers.delete(key);
    if (!this.members.delete(peer)) return;
    this.unlinkedSince.set(peer, Date.now());
    for (const handler of this.peerHandlers) handler({ peer, kind: 'disconnected' });
  }
}

/** A direct WebRTC link to another tab (not the relay's WebSocket, not a relayed hop). */
function isTabLink(connection: Connection): boolean {
  return connection.direct && WebRTC.matches(connection.remoteAddr);
}

/** Marks a step of joining on the page's performance timeline (diagnostics and the mesh benchmark). */
function markOnce(name: string): void {
  if (performance.getEntriesByName(name).length === 0) performance.mark(name);
}
