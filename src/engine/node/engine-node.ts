import { Catalog, type CatalogSnapshot } from '../catalog/catalog';
import type { DatasetManifest } from '../catalog/manifest';
import type { NodeRecord } from '../catalog/node-record';
import { Membership } from '../membership/membership';
import { planReplication } from '../placement/replication-planner';
import type { Random } from '../ports/random';
import type { StoreCapacity } from '../ports/shard-store';
import { layoutFromCatalog } from './catalog-layout';
import { datasetHealth, type DatasetHealth } from './dataset-health';
import type { EngineCounters } from './engine-counters';
import { capacityFields, freeBytesInSwarm, handedOff } from './node-capacity';
import { ReplacementLedger } from './replacement-ledger';
import { ShardFetcher } from './shard-fetcher';
import { shardSources } from './shard-sources';
import type { EngineEffect, EngineEvent } from './engine-io';
import { defaultEngineSettings, type EngineSettings, type NodeIdentity } from './engine-settings';
import { decodeMessage, encodeMessage, type EngineMessage } from './messages';

/** A push this node runs: kept until the receiver's own record shows the copy. */
interface OutgoingCopy {
  readonly shard: string;
  readonly to: string;
  readonly releaseFrom: string | undefined;
  readonly replaces: string;
  readonly startedAt: number;
  ackedAt: number | undefined;
  /** The receiver's record version that includes the copy. */
  ackedVersion: number;
}

/** Full catalog gossip (with manifests) every this many ticks; records go every tick. */
const MANIFEST_GOSSIP_EVERY_TICKS = 5;

/**
 * One node of the swarm as a pure state machine: `step(event)` returns effects. It gossips
 * its catalog, detects failures from heartbeats, plans replication from what it sees and
 * runs the tasks whose source it is. Every node runs the same plan over the same catalog,
 * so no coordinator is needed.
 */
export class EngineNode {
  readonly counters: EngineCounters = { messagesRejected: 0, pushesSent: 0, copiesStored: 0, copiesRejected: 0, deletes: 0 };
  private readonly catalog = new Catalog();
  private readonly membership: Membership;
  private record: NodeRecord;
  private readonly outgoing = new Map<string, OutgoingCopy>();
  private readonly penalties = new Map<string, number>();
  private readonly replacements: ReplacementLedger;
  private readonly fetcher: ShardFetcher;
  private running = false;
  private now = 0;
  private startedAt = 0;
  private ticks = 0;

  constructor(
    private readonly identity: NodeIdentity,
    private readonly random: Random,
    private readonly settings: EngineSettings = defaultEngineSettings,
  ) {
    this.membership = new Membership(identity.id, settings.membership);
    this.replacements = new ReplacementLedger(identity.id, settings.transferTimeoutMs);
    this.fetcher = new ShardFetcher(identity.id, settings.transferTimeoutMs / 3, (to, message) => this.send(to, message));
    this.record = {
      id: identity.id,
      host: identity.host,
      incarnation: identity.incarnation,
      version: 0,
      capacityBytes: 0,
      usedBytes: 0,
      full: false,
      capabilities: identity.capabilities,
      holdings: [],
      staged: [],
      pending: [],
      replacing: [],
      released: [],
      leaving: false,
      left: false,
    };
  }

  get id(): string {
    return this.identity.id;
  }

  step(event: EngineEvent): EngineEffect[] {
    this.now = Math.max(this.now, event.now);
    const effects: EngineEffect[] = [];
    switch (event.type) {
      case 'start':
        this.running = true;
        this.startedAt = event.now;
        this.catalog.merge({ manifests: event.manifests, records: [] });
        this.touch({ holdings: event.held.map((shard) => shard.id), ...this.capacityFields(event.capacity) });
        effects.push({ type: 'schedule-tick', afterMs: 0 });
        break;
      case 'tick':
        if (this.running) this.tick(effects);
        break;
      case 'message':
        this.receive(event.from, event.bytes, effects);
        break;
      case 'peer-connected':
        if (this.running) effects.push(this.gossipTo(event.peer));
        break;
      case 'manifests-checked':
        for (const manifest of this.catalog.merge({ manifests: event.authentic, records: [] }).manifests) {
          effects.push({ type: 'save-manifest', manifest });
        }
        if (event.forged > 0) effects.push(this.penalize(event.from, `${event.forged} forged manifests`));
        break;
      case 'shard-stored':
        this.onStored(event.shard, event.from, event.ok, event.reason, event.capacity, effects);
        break;
      case 'shard-read':
        if (event.request === undefined) this.onRead(event.shard, event.to, event.bytes, effects);
        else if (event.to === this.id) this.fetcher.onLocalRead(event.request, event.bytes, event.error, this.now, effects);
        else effects.push(this.answerRequest(event.to, event.shard, event.request, event.bytes, event.error));
        break;
      case 'fetch-shard':
        this.fetcher.start(event.request, event.shard, this.holdersToAsk(event.shard), this.now, effects);
        break;
      case 'fetch-verified':
        this.fetcher.onVerified(event.request, event.from, event.ok, event.bytes, this.now, effects);
        break;
      case 'shard-deleted':
        this.touch(this.capacityFields(event.capacity));
        break;
      case 'publish':
        this.publish(event.manifest, event.capacity, effects);
        break;
      case 'leave':
        if (this.running && !this.record.leaving) this.touch({ leaving: true });
        break;
    }
    return effects;
  }

  /** The catalog as this node knows it. */
  catalogSnapshot(): CatalogSnapshot {
    return this.catalog.snapshot();
  }

  /** This node's own record. */
  ownRecord(): NodeRecord {
    return this.record;
  }

  /** Peers believed alive, by id. */
  livePeers(): string[] {
    return this.membership
      .all()
      .filter((member) => member.id !== this.id && member.liveness === 'alive')
      .map((member) => member.id)
      .sort();
  }

  /** Every member this node knows of, with its liveness (for the peer list). */
  members(): { id: string; liveness: string; incarnation: number; host: string }[] {
    return this.membership
      .all()
      .filter((member) => member.id !== this.id)
      .map(({ id, liveness, incarnation }) => ({ id, liveness, incarnation, host: this.catalog.record(id)?.host ?? '' }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Bytes the live nodes can still take in all (see freeBytesInSwarm). */
  swarmFreeBytes(): number {
    return freeBytesInSwarm(this.catalog.allRecords(), (id) => id === this.id || this.membership.placementStatus(id, this.now) === 'active');
  }

  /** Copies each shard is kept at. */
  get replicas(): number {
    return this.settings.replication.replicas;
  }

  /** Replication health of every dataset as this node sees it. */
  health(): DatasetHealth[] {
    const layout = layoutFromCatalog(this.catalog, this.membership, this.now, this.ackedCopies());
    return datasetHealth(this.catalog.allManifests(), layout, this.settings.replication.replicas);
  }

  private tick(effects: EngineEffect[]): void {
    this.fetcher.tick(this.now, effects);
    this.expireOutgoing();
    this.settleReplacements();
    this.pruneReleased();
    this.touch({});
    this.membership.tick(this.now);
    // Records (heartbeats, holdings) change every tick; manifests never change, so they ride
    // along only every few ticks (and at once to new peers and on publish).
    this.ticks++;
    const withManifests = this.ticks % MANIFEST_GOSSIP_EVERY_TICKS === 0;
    for (const peer of this.gossipTargets(this.settings.gossipFanout)) effects.push(this.gossipTo(peer, withManifests));
    if (this.record.leaving && this.handedOff()) {
      this.touch({ left: true, holdings: [], staged: [], pending: [], replacing: [], released: [] });
      for (const peer of this.gossipTargets(Infinity)) effects.push(this.gossipTo(peer));
      effects.push({ type: 'left' });
      this.running = false;
      return;
    }
    this.planAndRun(effects);
    effects.push({ type: 'schedule-tick', afterMs: this.settings.tickIntervalMs });
  }

  private planAndRun(effects: EngineEffect[]): void {
    const layout = layoutFromCatalog(this.catalog, this.membership, this.now, this.ackedCopies());
    const self = layout.nodeNumber(this.id);
    if (self === undefined) return;
    const plan = planReplication(layout, this.settings.replication);
    const sending = new Set([...this.outgoing.values()].filter((copy) => copy.ackedAt === undefined).map((copy) => copy.shard));
    // A node that just started has not yet heard who is gone: it deletes nothing until its
    // failure detector has had time to tell.
    const settled = this.now - this.startedAt >= this.settings.membership.suspectAfterMs + this.settings.tickIntervalMs;
    for (const task of plan.deletes) {
      if (task.node !== self || !settled) continue;
      const shard = layout.shardIds[task.shard] ?? '';
      if (sending.has(shard)) continue;
      this.dropLocal(shard, effects);
    }
    let slots = this.settings.maxConcurrentTransfers - sending.size;
    for (const task of plan.transfers) {
      if (task.from !== self || slots <= 0) continue;
      const shard = layout.shardIds[task.shard] ?? '';
      const to = layout.nodeIds[task.to] ?? '';
      if (task.to === self) {
        if (this.record.staged.includes(shard)) this.keepStaged(shard);
        continue;
      }
      // A copy that just arrived by a move is not moved on again at once (no ping-pong).
      if (task.reason === 'balance' && this.replacements.holds(shard)) continue;
      if (this.outgoing.has(`${shard}|${to}`)) continue;
      const releaseFrom = task.releaseFrom === undefined ? undefined : layout.nodeIds[task.releaseFrom];
      const replaces = task.replaces === undefined ? '' : (layout.nodeIds[task.replaces] ?? '');
      this.outgoing.set(`${shard}|${to}`, { shard, to, releaseFrom, replaces, startedAt: this.now, ackedAt: undefined, ackedVersion: 0 });
      effects.push({ type: 'read-shard', shard, to });
      slots--;
    }
    this.syncPending();
  }

  private settleReplacements(): void {
    const replacing = this.replacements.settle(this.record.replacing, (id) => this.catalog.record(id), this.now);
    if (replacing.length !== this.record.replacing.length) this.touch({ replacing });
  }

  /** Release notes only need to outlive the receiver's replacement (bounded by the transfer timeout). */
  private pruneReleased(): void {
    const keepFor = 2 * this.settings.transferTimeoutMs;
    const released = this.record.released.filter((copy) => this.now - copy.at < keepFor);
    if (released.length !== this.record.released.length) this.touch({ released });
  }

  private dropLocal(shard: string, effects: EngineEffect[]): void {
    this.touch({
      holdings: this.record.holdings.filter((id) => id !== shard),
      staged: this.record.staged.filter((id) => id !== shard),
      replacing: this.record.replacing.filter((copy) => copy.shard !== shard),
    });
    effects.push({ type: 'delete-shard', shard });
    this.counters.deletes++;
  }

  /** Placement chose the uploader itself: its staged copy simply becomes a held one. */
  private keepStaged(shard: string): void {
    this.touch({ holdings: [...this.record.holdings, shard], staged: this.record.staged.filter((id) => id !== shard) });
  }

  private receive(from: string, bytes: Uint8Array, effects: EngineEffect[]): void {
    let message: EngineMessage;
    try {
      message = decodeMessage(bytes);
    } catch (error) {
      this.counters.messagesRejected++;
      effects.push(this.penalize(from, error instanceof Error ? error.message : 'malformed message'));
      return;
    }
    switch (message.type) {
      case 'gossip':
        this.onGossip(from, message.catalog, effects);
        return;
      case 'shard-push':
        this.onPush(from, message, effects);
        return;
      case 'shard-ack':
        this.onAck(from, message.shard, message.ok, message.version, effects);
        return;
      case 'shard-request':
        if (this.record.holdings.includes(message.shard) || this.record.staged.includes(message.shard)) {
          effects.push({ type: 'read-shard', shard: message.shard, to: from, request: message.request });
        } else {
          effects.push(this.answerRequest(from, message.shard, message.request, undefined, 'not held here'));
        }
        return;
      case 'shard-data':
        this.fetcher.onData(from, message.request, message.ok, message.reason, message.bytes, this.now, effects);
        return;
    }
  }

  private onGossip(from: string, snapshot: CatalogSnapshot, effects: EngineEffect[]): void {
    const foreign = snapshot.records.filter((record) => record.id !== this.id);
    const mine = snapshot.records.find((record) => record.id === this.id);
    if (mine && mine.incarnation >= this.record.incarnation && mine.version > this.record.version) {
      // Someone saw a later life of this id (a duplicated tab, or state from before a crash):
      // move past it so our own record wins again.
      this.record = { ...this.record, incarnation: mine.incarnation + 1, version: 0 };
      this.touch({});
    }
    const news = this.catalog.merge({ manifests: [], records: foreign });
    for (const record of news.records) {
      if (record.left) this.membership.markLeft(record.id, this.now);
      else this.membership.observe(record.id, record.incarnation, record.version, this.now, record.id === from);
    }
    const unknown = snapshot.manifests.filter((manifest) => !this.catalog.hasManifest(manifest.id));
    if (unknown.length > 0) effects.push({ type: 'check-manifests', from, manifests: unknown });
  }

  private onPush(from: string, push: Extract<EngineMessage, { type: 'shard-push' }>, effects: EngineEffect[]): void {
    const { shard, bytes } = push;
    const reject = (reason: string): void => {
      this.counters.copiesRejected++;
      effects.push(this.send(from, { type: 'shard-ack', shard, ok: false, reason, version: this.record.version }));
    };
    if (!this.running || this.record.leaving) return reject('not accepting copies');
    if (this.record.holdings.includes(shard) || this.record.staged.includes(shard)) {
      // A copy already here cannot also stand in for the sender's: it must keep its own.
      if (push.replaces !== '') return reject('already holds this shard; keep yours');
      // An uploader that is also a placement target keeps its staged copy.
      if (this.record.staged.includes(shard)) this.keepStaged(shard);
      effects.push(this.send(from, { type: 'shard-ack', shard, ok: true, reason: '', version: this.record.version }));
      return;
    }
    if (!this.knownShards().has(shard)) return reject('shard is in no manifest known here yet');
    if (this.record.full) return reject('store is full');
    if (push.replaces !== '') {
      this.replacements.expect(shard, from, { source: push.replaces, incarnation: push.replacesIncarnation, version: push.replacesVersion });
    }
    effects.push({ type: 'store-shard', shard, bytes, from });
  }

  private onStored(shard: string, from: string, ok: boolean, reason: string, capacity: StoreCapacity, effects: EngineEffect[]): void {
    const replaces = this.replacements.take(shard, from);
    if (ok && replaces !== undefined && this.record.holdings.includes(shard)) {
      // Two moves raced to this node: only the first may release its source.
      ok = false;
      reason = 'already holds this shard; keep yours';
    }
    if (ok) {
      this.counters.copiesStored++;
      const fresh = !this.record.holdings.includes(shard);
      const holdings = fresh ? [...this.record.holdings, shard] : this.record.holdings;
      const replacing = fresh && replaces !== undefined ? [...this.record.replacing, { shard, source: replaces.source }] : this.record.replacing;
      if (fresh && replaces !== undefined) this.replacements.hold(shard, replaces, this.now);
      this.touch({ holdings, replacing, ...this.capacityFields(capacity) });
    } else {
      this.counters.copiesRejected++;
      if (reason.startsWith('ContentMismatchError')) effects.push(this.penalize(from, `sent corrupt shard ${shard}`));
    }
    effects.push(this.send(from, { type: 'shard-ack', shard, ok, reason, version: this.record.version }));
  }

  private onRead(shard: string, to: string, bytes: Uint8Array | undefined, effects: EngineEffect[]): void {
    const key = `${shard}|${to}`;
    if (!this.outgoing.has(key)) return;
    if (!bytes) {
      // Our copy is missing or was corrupt (the store dropped it): stop claiming it.
      this.outgoing.delete(key);
      this.touch({ holdings: this.record.holdings.filter((id) => id !== shard), staged: this.record.staged.filter((id) => id !== shard) });
      this.syncPending();
      return;
    }
    this.counters.pushesSent++;
    const replaces = this.outgoing.get(key)?.replaces ?? '';
    // The replaced node's record as known here: it lists the copy (we planned from it).
    const replaced = replaces === '' ? undefined : this.catalog.record(replaces);
    effects.push(
      this.send(to, {
        type: 'shard-push',
        shard,
        replaces,
        replacesIncarnation: replaced?.incarnation ?? 0,
        replacesVersion: replaced?.version ?? 0,
        bytes,
      }),
    );
  }

  private onAck(from: string, shard: string, ok: boolean, version: number, effects: EngineEffect[]): void {
    const key = `${shard}|${from}`;
    const copy = this.outgoing.get(key);
    if (!copy) return;
    if (ok) {
      copy.ackedAt = this.now;
      copy.ackedVersion = version;
    }
    else this.outgoing.delete(key);
    this.syncPending();
    // A move releases its source only now that the new copy is verified and stored.
    if (ok && copy.releaseFrom === this.id && this.record.holdings.includes(shard)) {
      this.dropLocal(shard, effects);
      this.touch({ released: [...this.record.released, { shard, to: from, at: this.now }] });
    }
    // A free transfer slot is used at once rather than at the next tick.
    if (this.running && !this.record.leaving) this.planAndRun(effects);
  }

  private publish(manifest: DatasetManifest, capacity: StoreCapacity, effects: EngineEffect[]): void {
    if (this.catalog.merge({ manifests: [manifest], records: [] }).manifests.length > 0) effects.push({ type: 'save-manifest', manifest });
    const staged = new Set(this.record.staged);
    for (const shard of manifest.shards) if (!this.record.holdings.includes(shard.id)) staged.add(shard.id);
    this.touch({ staged: [...staged], ...this.capacityFields(capacity) });
    for (const peer of this.gossipTargets(Infinity)) effects.push(this.gossipTo(peer));
  }

  /** Drops pushes that timed out, and acknowledged ones once gossip has caught up with the receiver. */
  private expireOutgoing(): void {
    for (const [key, copy] of this.outgoing) {
      const receiver = this.catalog.record(copy.to);
      const shown = copy.ackedAt !== undefined && receiver !== undefined && receiver.version >= copy.ackedVersion;
      const since = copy.ackedAt ?? copy.startedAt;
      if (shown || this.now - since > this.settings.transferTimeoutMs) this.outgoing.delete(key);
    }
    this.syncPending();
  }

  private ackedCopies(): { shard: string; node: string }[] {
    return [...this.outgoing.values()].filter((copy) => copy.ackedAt !== undefined).map((copy) => ({ shard: copy.shard, node: copy.to }));
  }

  private handedOff(): boolean {
    const layout = layoutFromCatalog(this.catalog, this.membership, this.now, this.ackedCopies());
    return handedOff(layout, this.id, [...this.record.holdings, ...this.record.staged], this.settings.replication.replicas);
  }


  /** Where to fetch a shard from: this node if it has a copy, then live holders by rank. */
  private holdersToAsk(shard: string): string[] {
    const layout = layoutFromCatalog(this.catalog, this.membership, this.now, this.ackedCopies());
    return shardSources(layout, this.id, this.record.holdings.includes(shard) || this.record.staged.includes(shard), shard);
  }

  private answerRequest(to: string, shard: string, request: number, bytes: Uint8Array | undefined, error: string): EngineEffect {
    return this.send(to, { type: 'shard-data', shard, request, ok: bytes !== undefined, reason: error, bytes: bytes ?? new Uint8Array(0) });
  }

  private knownShards(): Set<string> {
    const shards = new Set<string>();
    for (const manifest of this.catalog.allManifests()) for (const shard of manifest.shards) shards.add(shard.id);
    return shards;
  }

  private capacityFields(capacity: StoreCapacity): Pick<NodeRecord, 'capacityBytes' | 'usedBytes' | 'full'> {
    return capacityFields(capacity, this.catalog.allManifests());
  }


  private syncPending(): void {
    const pending = [...this.outgoing.values()].map((copy) =>
      copy.releaseFrom === undefined ? { shard: copy.shard, to: copy.to } : { shard: copy.shard, to: copy.to, releaseFrom: copy.releaseFrom },
    );
    const same =
      pending.length === this.record.pending.length &&
      pending.every((copy, i) => copy.shard === this.record.pending[i]?.shard && copy.to === this.record.pending[i]?.to);
    if (!same) this.touch({ pending });
  }

  /** Changes this node's own record; every change is a new version. */
  private touch(changes: Partial<NodeRecord>): void {
    this.record = { ...this.record, ...changes, version: this.record.version + 1 };
    this.catalog.merge({ manifests: [], records: [this.record] });
  }

  private gossipTargets(count: number): string[] {
    const peers = this.livePeers();
    for (let i = peers.length - 1; i > 0; i--) {
      const j = Math.floor(this.random.next() * (i + 1));
      [peers[i], peers[j]] = [peers[j] as string, peers[i] as string];
    }
    return peers.slice(0, count);
  }

  private gossipTo(peer: string, withManifests = true): EngineEffect {
    const snapshot = this.catalog.snapshot();
    return this.send(peer, { type: 'gossip', catalog: withManifests ? snapshot : { manifests: [], records: snapshot.records } });
  }

  private send(to: string, message: EngineMessage): EngineEffect {
    return { type: 'send', to, bytes: encodeMessage(message) };
  }

  private penalize(peer: string, reason: string): EngineEffect {
    this.penalties.set(peer, (this.penalties.get(peer) ?? 0) + 1);
    return { type: 'penalize', peer, reason };
  }
}
