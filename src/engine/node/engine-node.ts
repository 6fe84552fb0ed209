import { Catalog, type CatalogSnapshot } from '../catalog/catalog';
import type { DatasetManifest } from '../catalog/manifest';
import type { NodeRecord } from '../catalog/node-record';
import { Membership } from '../membership/membership';
import { planReplication } from '../placement/replication-planner';
import { randomSample, type Random } from '../ports/random';
import type { StoreCapacity } from '../ports/shard-store';
import { layoutFromCatalog } from './catalog-layout';
import { EarlyOffers } from './early-offers';
import { OutgoingCopies } from './outgoing-copies';
import { memberViews, type MemberView } from './member-view';
import { repairsDueSoon } from './repairs-due-soon';
import { datasetHealth, withLocalProgress, type DatasetProgress } from './dataset-health';
import type { EngineCounters } from './engine-counters';
import { capacityFields, freeBytesInSwarm, handedOff } from './node-capacity';
import { ReplacementLedger } from './replacement-ledger';
import { PieceServer, type ServedTotals } from './piece-server';
import { ShardDownloads, type DownloadCounters, type GiveUp } from './shard-downloads';
import { TickSchedule } from './tick-schedule';
import { receivingSources, shardSources } from './shard-sources';
import type { EngineEffect, EngineEvent, FreshShard } from './engine-io';
import { defaultEngineSettings, type EngineSettings, type NodeIdentity } from './engine-settings';
import { decodeMessage, encodeMessage, type EngineMessage } from './messages';

/** Full catalog gossip (with manifests) every this many ticks; records go every tick. */
const MANIFEST_GOSSIP_EVERY_TICKS = 5;
/**
 * One node of the swarm as a pure state machine: `step(event)` returns effects. It gossips
 * its catalog, detects failures from heartbeats, plans replication from what it sees and
 * runs the tasks whose source it is. Every node runs the same plan over the same catalog,
 * so no coordinator is needed.
 */
export class EngineNode {
  /** Copies each shard is kept at. */
  readonly replicas: number;
  readonly counters: EngineCounters = { messagesRejected: 0, offersSent: 0, copiesStored: 0, copiesRejected: 0, deletes: 0 };
  private readonly catalog = new Catalog();
  private readonly membership: Membership;
  private record: NodeRecord;
  private readonly outgoing: OutgoingCopies;
  private readonly replacements: ReplacementLedger;
  private readonly downloads: ShardDownloads;
  private readonly server: PieceServer;
  private readonly earlyOffers: EarlyOffers;
  private readonly schedule = new TickSchedule();
  private running = false;
  private now = 0;
  private startedAt = 0;
  private ticks = 0;

  constructor(
    private readonly identity: NodeIdentity,
    private readonly random: Random,
    private readonly settings: EngineSettings = defaultEngineSettings,
  ) {
    this.replicas = settings.replication.replicas;
    this.membership = new Membership(identity.id, settings.membership);
    this.outgoing = new OutgoingCopies(settings.transferTimeoutMs);
    this.replacements = new ReplacementLedger(identity.id, settings.transferTimeoutMs);
    const send = (to: string, message: EngineMessage): EngineEffect => this.send(to, message);
    const decline = (from: string, shard: string, reason: string): EngineEffect => this.send(from, { type: 'shard-ack', shard, ok: false, reason, version: this.record.version });
    // Pieces verified here are passed on to peers whose own link stalled, before the copy is whole.
    this.downloads = new ShardDownloads(settings.downloads, send, decline, (shard) => this.holderLookup(true)(shard), (shard, finished, effects) => this.server.onArrival(shard, finished, this.now, effects));
    this.server = new PieceServer(send, (shard) => this.downloads.partialCopy(shard));
    this.earlyOffers = new EarlyOffers(settings.transferTimeoutMs / 3);
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
        this.touch({ holdings: event.held.map((shard) => shard.id), ...capacityFields(event.capacity, this.catalog.allManifests()) });
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
        for (const { from, offer } of this.earlyOffers.takeKnown(this.knownShards())) this.onOffer(from, offer, effects);
        break;
      case 'shard-stored':
        this.onStored(event.shard, event.from, event.ok, event.reason, event.capacity, effects);
        break;
      case 'shard-read':
        if (event.purpose === 'serve') this.onServeRead(event.shard, event.bytes, event.hashes, event.error, effects);
        else this.onLocalFetchRead(event.shard, event.request ?? 0, event.bytes, event.error, effects);
        break;
      case 'fetch-shard':
        if (this.holdsCopy(event.shard)) effects.push({ type: 'read-shard', shard: event.shard, purpose: 'fetch', request: event.request });
        else this.downloads.want(event.shard, { kind: 'fetch', request: event.request }, this.holderLookup(true)(event.shard), this.now, effects);
        break;
      case 'digest-checked':
        this.downloads.onChecked(event.check, event.ok, event.bytes, this.now, effects);
        break;
      case 'shard-deleted':
      case 'capacity-changed':
        this.touch(capacityFields(event.capacity, this.catalog.allManifests()));
        break;
      case 'publish':
        this.publish(event.manifest, event.capacity, event.fresh ?? [], effects);
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

  /** Every member this node knows of, with its liveness and storage as last gossiped (for the peer list), at `now` (default: the last event's time). */
  members(now = this.now): MemberView[] {
    return memberViews(this.membership, this.catalog, this.id, Math.max(now, this.now));
  }

  /** Bytes the live nodes can still take in all (see freeBytesInSwarm). */
  swarmFreeBytes(): number {
    return freeBytesInSwarm(this.catalog.allRecords(), (id) => id === this.id || this.membership.placementStatus(id, this.now) === 'active');
  }

  /** Replication health of every dataset as this node sees it, with the bytes it is moving for each. */
  health(): DatasetProgress[] {
    const layout = layoutFromCatalog(this.catalog, this.membership, this.now, this.outgoing.acknowledged());
    const health = datasetHealth(this.catalog.allManifests(), layout, this.settings.replication.replicas);
    return withLocalProgress(health, this.catalog, this.server.bytesServed, this.downloads.progress());
  }

  private tick(effects: EngineEffect[]): void {
    this.downloads.tick(this.now, effects);
    // Between full ticks, light ones only check downloads for silent holders.
    if (!this.schedule.isFull(this.now)) return void effects.push({ type: 'schedule-tick', afterMs: this.schedule.next(this.now, undefined, this.downloads.running()) });
    for (const { from, offer } of this.earlyOffers.takeExpired(this.now)) {
      this.counters.copiesRejected++;
      effects.push(this.send(from, { type: 'shard-ack', shard: offer.shard, ok: false, reason: 'shard is in no manifest known here', version: this.record.version }));
    }
    this.server.tick(this.now);
    this.expireOutgoing();
    const due = this.outgoing.dueForOfferAgain(this.now, this.settings.offerAgainAfterMs);
    for (const copy of due) this.offer(copy.shard, copy.to, copy.replaces, effects);
    // A receiver that pulled nothing may lack the dataset's manifest and wait for it: the catalog goes along.
    for (const peer of new Set(due.filter((copy) => !copy.pulled).map((copy) => copy.to))) effects.push(this.gossipTo(peer));
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
    const dueSoon = repairsDueSoon(this.catalog, this.membership, this.now, this.id, this.settings.replication, this.outgoing.acknowledged(), this.settings.maxConcurrentTransfers);
    for (const shard of dueSoon) this.server.warm(shard, this.now, effects);
    // Wake up when a silent member's grace ends, if that comes before the next tick.
    effects.push({ type: 'schedule-tick', afterMs: this.schedule.next(this.now, this.membership.msUntilNextOut(this.now, this.settings.tickIntervalMs), this.downloads.running()) });
  }

  private planAndRun(effects: EngineEffect[]): void {
    const layout = layoutFromCatalog(this.catalog, this.membership, this.now, this.outgoing.acknowledged());
    const self = layout.nodeNumber(this.id);
    if (self === undefined) return;
    const plan = planReplication(layout, this.settings.replication);
    const sending = this.outgoing.sendingShards();
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
      // No ping-pong: a copy that just arrived by a move is not moved on at once, and no move
      // goes where this node's note of an earlier release of the shard still stands (the
      // receiver would read that note as this move's release, and count the copy twice).
      if (task.reason === 'balance' && (this.replacements.holds(shard) || this.record.released.some((c) => c.shard === shard && c.to === to))) continue;
      if (this.outgoing.has(shard, to)) continue;
      const releaseFrom = task.releaseFrom === undefined ? undefined : layout.nodeIds[task.releaseFrom];
      const replaces = task.replaces === undefined ? '' : (layout.nodeIds[task.replaces] ?? '');
      this.outgoing.start({ shard, to, releaseFrom, replaces }, this.now);
      this.offer(shard, to, replaces, effects);
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
    this.server.forget(shard);
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
        this.onGossip(from, message.catalog, message.heardAgoMs, effects);
        return;
      case 'shard-offer':
        this.onOffer(from, message, effects);
        return;
      case 'shard-ack':
        this.onAck(from, message.shard, message.ok, message.version, effects);
        return;
      case 'pieces-request':
        return this.server.onRequest(from, message.shard, undefined, this.holdsCopy(message.shard), this.now, effects);
      case 'piece-request':
        this.outgoing.touched(message.shard, from, this.now);
        return this.server.onRequest(from, message.shard, message.index, this.holdsCopy(message.shard), this.now, effects);
      case 'pieces':
        this.downloads.onPieceList(from, message, this.now, effects);
        return;
      case 'piece':
        this.downloads.onPiece(from, message, this.now, effects);
        return;
    }
  }

  private onGossip(from: string, snapshot: CatalogSnapshot, heardAgoMs: Readonly<Record<string, number>>, effects: EngineEffect[]): void {
    const foreign = snapshot.records.filter((record) => record.id !== this.id);
    const mine = snapshot.records.find((record) => record.id === this.id);
    if (mine && mine.incarnation >= this.record.incarnation && mine.version > this.record.version) {
      // Someone saw a later life of this id (a duplicated tab, or state from before a crash):
      // move past it so our own record wins again.
      this.record = { ...this.record, incarnation: mine.incarnation + 1, version: 0 };
      this.touch({});
    }
    const firstContact = this.membership.get(from) === undefined;
    this.membership.observeGossip(from, this.catalog.merge({ manifests: [], records: foreign }).records, heardAgoMs, this.now);
    // A tab first heard of from itself (it has just joined) is news worth passing on now, not at
    // the next tick: the swarm lists a joining tab a gossip period sooner. Once per tab and link.
    if (firstContact) for (const peer of this.gossipTargets(this.settings.gossipFanout, from)) effects.push(this.gossipTo(peer, false));
    const unknown = snapshot.manifests.filter((manifest) => !this.catalog.hasManifest(manifest.id));
    if (unknown.length > 0) effects.push({ type: 'check-manifests', from, manifests: unknown });
  }

  private onOffer(from: string, offer: Extract<EngineMessage, { type: 'shard-offer' }>, effects: EngineEffect[]): void {
    const { shard } = offer;
    const reject = (reason: string): void => {
      this.counters.copiesRejected++;
      effects.push(this.send(from, { type: 'shard-ack', shard, ok: false, reason, version: this.record.version }));
    };
    if (!this.running || this.record.leaving) return reject('not accepting copies');
    if (this.record.holdings.includes(shard) || this.record.staged.includes(shard)) {
      // A copy already here cannot also stand in for the sender's: it must keep its own.
      if (offer.replaces !== '') return reject('already holds this shard; keep yours');
      // An uploader that is also a placement target keeps its staged copy.
      if (this.record.staged.includes(shard)) this.keepStaged(shard);
      effects.push(this.send(from, { type: 'shard-ack', shard, ok: true, reason: '', version: this.record.version }));
      return;
    }
    // The manifest may still be on its way (it left the uploader with the offer): wait for it.
    if (!this.knownShards().has(shard)) return this.earlyOffers.park(from, offer, this.now) ? undefined : reject('shard is in no manifest known here yet');
    if (this.record.full) return reject('store is full');
    if (offer.replaces !== '') {
      this.replacements.expect(shard, from, { source: offer.replaces, incarnation: offer.replacesIncarnation, version: offer.replacesVersion });
    }
    // Pull from the offerer first; should it go silent or send bad pieces, the other holders
    // serve the rest (pieces already verified are kept).
    const others = this.holderLookup(true)(shard).filter((holder) => holder !== from);
    this.downloads.want(shard, { kind: 'copy', from }, [from, ...others], this.now, effects);
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
      this.touch({ holdings, replacing, ...capacityFields(capacity, this.catalog.allManifests()) });
    } else {
      this.counters.copiesRejected++;
      if (reason.startsWith('ContentMismatchError')) effects.push(this.penalize(from, `sent corrupt shard ${shard}`));
    }
    effects.push(this.send(from, { type: 'shard-ack', shard, ok, reason, version: this.record.version }));
  }

  private offer(shard: string, to: string, replaces: string, effects: EngineEffect[]): void {
    this.counters.offersSent++;
    // The replaced node's record as known here: it lists the copy (we planned from it).
    const replaced = replaces === '' ? undefined : this.catalog.record(replaces);
    effects.push(this.send(to, { type: 'shard-offer', shard, replaces, replacesIncarnation: replaced?.incarnation ?? 0, replacesVersion: replaced?.version ?? 0 }));
  }

  private onServeRead(shard: string, bytes: Uint8Array | undefined, hashes: readonly string[], error: string, effects: EngineEffect[]): void {
    this.server.onRead(shard, bytes, hashes, error, this.now, effects);
    if (!bytes && this.holdsCopy(shard)) this.forgetLostCopy(shard);
  }

  /** This node's own copy was read for a fetch; if it is gone, fetch from the other holders. */
  private onLocalFetchRead(shard: string, request: number, bytes: Uint8Array | undefined, error: string, effects: EngineEffect[]): void {
    if (bytes) {
      effects.push({ type: 'fetched-shard', request, shard, bytes, error: '' });
      return;
    }
    if (this.holdsCopy(shard)) this.forgetLostCopy(shard);
    const holders = this.holderLookup(true)(shard);
    if (holders.length === 0) effects.push({ type: 'fetched-shard', request, shard, bytes: undefined, error: `shard ${shard} could not be fetched: local copy: ${error}; no other live node holds it` });
    else this.downloads.want(shard, { kind: 'fetch', request }, holders, this.now, effects);
  }

  /** Our copy is missing or was corrupt (the store dropped it): stop claiming it. */
  private forgetLostCopy(shard: string): void {
    this.outgoing.dropUnacknowledged(shard);
    this.touch({ holdings: this.record.holdings.filter((id) => id !== shard), staged: this.record.staged.filter((id) => id !== shard) });
    this.server.forget(shard);
    this.syncPending();
  }

  private onAck(from: string, shard: string, ok: boolean, version: number, effects: EngineEffect[]): void {
    const copy = this.outgoing.answered(shard, from, ok, version, this.now);
    if (!copy) return;
    this.syncPending();
    // A move releases its source only now that the new copy is verified and stored.
    if (ok && copy.releaseFrom === this.id && this.record.holdings.includes(shard)) {
      this.dropLocal(shard, effects);
      this.touch({ released: [...this.record.released, { shard, to: from, at: this.now }] });
    }
    // A free transfer slot is used at once rather than at the next tick.
    if (this.running && !this.record.leaving) this.planAndRun(effects);
  }

  private publish(manifest: DatasetManifest, capacity: StoreCapacity, fresh: readonly FreshShard[], effects: EngineEffect[]): void {
    if (this.catalog.merge({ manifests: [manifest], records: [] }).manifests.length > 0) effects.push({ type: 'save-manifest', manifest });
    const staged = new Set([...this.record.staged, ...manifest.shards.map((shard) => shard.id).filter((id) => !this.record.holdings.includes(id))]);
    this.touch({ staged: [...staged], ...capacityFields(capacity, this.catalog.allManifests()) });
    for (const { shard, bytes, pieces } of fresh) this.server.prime(shard, bytes, pieces, this.now);
    // Replication starts now rather than at the next tick (receivers wait for the manifest,
    // gossiped to all with the copies under way: each receiver learns who else receives).
    if (this.running && !this.record.leaving) this.planAndRun(effects);
    for (const peer of this.gossipTargets(Infinity)) effects.push(this.gossipTo(peer));
  }

  /** Drops pushes that timed out, and acknowledged ones once gossip has caught up with the receiver. */
  private expireOutgoing(): void {
    this.outgoing.expire(this.now, (node) => this.catalog.record(node)?.version);
    this.syncPending();
  }

  private handedOff(): boolean {
    return handedOff(layoutFromCatalog(this.catalog, this.membership, this.now, this.outgoing.acknowledged()), this.id, [...this.record.holdings, ...this.record.staged], this.settings.replication.replicas);
  }

  /** Live peers holding a shard, best first (not this node), one layout for many lookups; with `receiving` (for downloads), then peers receiving it now. */
  holderLookup(receiving = false): (shard: string) => string[] {
    const layout = layoutFromCatalog(this.catalog, this.membership, this.now, this.outgoing.acknowledged());
    return (shard) => (receiving ? [...shardSources(layout, this.id, shard), ...receivingSources(layout, this.id, shard)] : shardSources(layout, this.id, shard));
  }

  /** Whether this node holds the shard (or its staged upload). */
  holdsCopy(shard: string): boolean {
    return this.record.holdings.includes(shard) || this.record.staged.includes(shard);
  }

  /** Downloads under way or parked: verified bytes so far of each shard. */
  downloadsInProgress(): { shard: string; received: number; size: number }[] {
    return this.downloads.progress();
  }

  /** What this node's transfers have done: pieces pulled in, bytes served out, the last holders its downloads gave up on (newest last). */
  transferCounters(): DownloadCounters & ServedTotals & { recentGiveUps: readonly GiveUp[] } {
    return { ...this.downloads.counters, ...this.server.totals(), recentGiveUps: [...this.downloads.recentGiveUps] };
  }

  private knownShards(): Set<string> {
    return new Set(this.catalog.allManifests().flatMap((manifest) => manifest.shards.map((shard) => shard.id)));
  }

  private syncPending(): void {
    if (!this.outgoing.listedIn(this.record.pending)) this.touch({ pending: this.outgoing.asPending() });
  }

  /** Changes this node's own record; every change is a new version. */
  private touch(changes: Partial<NodeRecord>): void {
    this.record = { ...this.record, ...changes, version: this.record.version + 1 };
    this.catalog.merge({ manifests: [], records: [this.record] });
  }

  private gossipTargets(count: number, except?: string): string[] {
    return randomSample(this.livePeers().filter((peer) => peer !== except), count, this.random);
  }

  private gossipTo(peer: string, withManifests = true): EngineEffect {
    const snapshot = this.catalog.snapshot();
    const catalog = withManifests ? snapshot : { manifests: [], records: snapshot.records };
    return this.send(peer, { type: 'gossip', catalog, heardAgoMs: this.membership.heardAgo(this.now) });
  }

  private send(to: string, message: EngineMessage): EngineEffect {
    return { type: 'send', to, bytes: encodeMessage(message) };
  }

  private penalize(peer: string, reason: string): EngineEffect {
    return { type: 'penalize', peer, reason };
  }
}
