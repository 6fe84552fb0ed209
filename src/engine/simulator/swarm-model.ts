import { ReplicaMap } from '../placement/replica-map';
import { planReplication, type ReplicationSettings } from '../placement/replication-planner';
import { EventQueue } from './event-queue';

/** Timing and transfer limits of the simulated swarm. */
export interface SwarmTiming {
  /** Silence before a node is suspected (and stops counting as a transfer partner). */
  readonly suspectAfterMs: number;
  /** Further silence before a suspect is declared dead. */
  readonly deadAfterMs: number;
  /** Time a dead node keeps its replicas counted, so a reload costs no repair traffic. */
  readonly repairGraceMs: number;
  readonly shardBytes: number;
  readonly linkBytesPerSecond: number;
  readonly linkLatencyMs: number;
  /** Transfers one node takes part in at once, sending and receiving together. */
  readonly maxConcurrentTransfers: number;
}

type SwarmEvent =
  | { readonly kind: 'transfer-done'; readonly shard: number; readonly from: number; readonly to: number; readonly epochs: readonly [number, number] }
  | { readonly kind: 'mark-down'; readonly node: number; readonly epoch: number }
  | { readonly kind: 'mark-out'; readonly node: number; readonly epoch: number }
  | { readonly kind: 'return'; readonly node: number; readonly epoch: number };

/** What moved, for the movement metrics. */
export interface TransferCounters {
  started: number;
  completed: number;
  failed: number;
  deleted: number;
}

/**
 * The swarm as the planner on every node sees it once gossip has converged, in virtual time.
 * Failure detection is modelled by its timeouts; every planning round is the same
 * `planReplication` the engine node runs; transfers take time, fail when either end goes
 * away, and respect each node's concurrency limit.
 */
export class SwarmModel {
  readonly map = new ReplicaMap();
  readonly counters: TransferCounters = { started: 0, completed: 0, failed: 0, deleted: 0 };
  now = 0;
  plans = 0;
  /** Deletes that left a shard below R confirmed copies: must stay 0. */
  unsafeDeletes = 0;
  private readonly queue = new EventQueue<SwarmEvent>();
  /** Bumped whenever a node goes away or comes back, voiding its stale timers and transfers. */
  private readonly epoch: number[] = [];
  /** Ground truth: the node runs and the majority can reach it. */
  private readonly reachable: boolean[] = [];
  /** Ground truth: the node crashed for good and its bytes are gone. */
  private readonly gone: boolean[] = [];
  private readonly busy: number[] = [];
  private inFlight = 0;

  constructor(
    private readonly settings: ReplicationSettings,
    private readonly timing: SwarmTiming,
  ) {}

  addNode(id: string, host: string, weight: number): number {
    const node = this.map.upsertNode(id, host, weight, 'active');
    this.epoch[node] = (this.epoch[node] ?? 0) + 1;
    this.reachable[node] = true;
    this.gone[node] = false;
    this.busy[node] = 0;
    return node;
  }

  /** Stages new shards at their uploader; they are placed by the next plans. */
  upload(shardIds: readonly string[], uploader: number): void {
    for (const id of shardIds) this.map.staged.set(this.map.upsertShard(id), uploader);
  }

  isReachable(node: number): boolean {
    return this.reachable[node] ?? false;
  }

  isGone(node: number): boolean {
    return this.gone[node] ?? false;
  }

  /** The node stops; `permanent` loses its bytes, otherwise it may come back with them. */
  crash(node: number, permanent: boolean): void {
    this.reachable[node] = false;
    this.gone[node] = permanent;
    const epoch = (this.epoch[node] ?? 0) + 1;
    this.epoch[node] = epoch;
    this.queue.push(this.now + this.timing.suspectAfterMs, { kind: 'mark-down', node, epoch });
    const outAt = this.timing.suspectAfterMs + this.timing.deadAfterMs + this.timing.repairGraceMs;
    this.queue.push(this.now + outAt, { kind: 'mark-out', node, epoch });
  }

  /** The node goes away and comes back after `downtimeMs` with its identity and shards. */
  reload(node: number, downtimeMs: number): void {
    this.crash(node, false);
    this.queue.push(this.now + downtimeMs, { kind: 'return', node, epoch: this.epoch[node] ?? 0 });
  }

  /** A cut-off node reachable again (partition healed). */
  restore(node: number): void {
    if (this.gone[node] || this.reachable[node]) return;
    this.queue.push(this.now, { kind: 'return', node, epoch: this.epoch[node] ?? 0 });
  }

  /** Voluntary leave: the node hands its shards off, then goes. */
  leave(node: number): void {
    if (this.map.status[node] === 'active') this.map.status[node] = 'leaving';
  }

  hasPendingWork(): boolean {
    return this.inFlight > 0 || this.queue.size > 0;
  }

  /** Places everything at once, as if transfers were instant: the start state of a run. */
  placeInstantly(maxRounds: number): number {
    for (let round = 1; round <= maxRounds; round++) {
      const plan = planReplication(this.map, this.settings);
      this.plans++;
      this.applyDeletes(plan.deletes);
      for (const task of plan.transfers) {
        this.map.addPending(task.shard, { to: task.to, from: task.from, releaseFrom: task.releaseFrom });
        this.map.finishPending(task.shard, task.to, true);
      }
      if (plan.transfers.length === 0 && plan.deletes.length === 0) return round;
    }
    return maxRounds;
  }

  /**
   * Plans, transfers and processes timers until nothing is left to do or `untilMs` passes.
   * Returns the number of planning rounds.
   */
  run(maxRounds: number, untilMs = Infinity): number {
    let rounds = 0;
    while (rounds < maxRounds) {
      rounds++;
      this.plans++;
      const acted = this.planAndStart() || this.finishLeavers();
      if (!acted && this.inFlight === 0) {
        const next = this.queue.peekTime();
        if (next === undefined || next > untilMs) return rounds;
      }
      const next = this.queue.peekTime();
      // Deletes and hand-offs take effect at once: plan again before time moves on.
      if (acted && this.inFlight === 0 && (next === undefined || next > untilMs)) continue;
      if (next === undefined) return rounds;
      if (next > untilMs) {
        this.now = untilMs;
        return rounds;
      }
      this.advanceTo(next);
    }
    return rounds;
  }

  /** Processes every timer up to `time` without planning (time passing with nothing to do). */
  advanceTo(time: number): void {
    this.now = Math.max(this.now, time);
    for (let next = this.queue.peekTime(); next !== undefined && next <= time; next = this.queue.peekTime()) {
      const event = this.queue.pop();
      if (event) this.handle(event.item);
    }
  }

  private planAndStart(): boolean {
    const plan = planReplication(this.map, this.settings);
    const deleted = this.applyDeletes(plan.deletes);
    let started = 0;
    const durationMs = this.timing.linkLatencyMs + (1000 * this.timing.shardBytes) / this.timing.linkBytesPerSecond;
    for (const task of plan.transfers) {
      if (!this.reachable[task.from] || !this.reachable[task.to]) continue;
      if ((this.busy[task.from] ?? 0) >= this.timing.maxConcurrentTransfers) continue;
      if ((this.busy[task.to] ?? 0) >= this.timing.maxConcurrentTransfers) continue;
      if (this.map.isHolderOrReceiving(task.shard, task.to)) continue;
      this.busy[task.from] = (this.busy[task.from] ?? 0) + 1;
      this.busy[task.to] = (this.busy[task.to] ?? 0) + 1;
      this.map.addPending(task.shard, { to: task.to, from: task.from, releaseFrom: task.releaseFrom });
      const epochs = [this.epoch[task.from] ?? 0, this.epoch[task.to] ?? 0] as const;
      this.queue.push(this.now + durationMs, { kind: 'transfer-done', shard: task.shard, from: task.from, to: task.to, epochs });
      this.inFlight++;
      started++;
    }
    this.counters.started += started;
    return started > 0 || deleted > 0;
  }

  /** Applies the deletes at reachable nodes; returns how many. */
  private applyDeletes(deletes: readonly { shard: number; node: number; reason: 'surplus' | 'staged' }[]): number {
    if (deletes.length === 0) return 0;
    let applied = 0;
    const wanted = Math.min(this.settings.replicas, this.liveCount());
    for (const task of deletes) {
      if (!this.reachable[task.node]) continue;
      if (task.reason === 'staged') this.map.staged.delete(task.shard);
      else this.map.removeHolder(task.shard, task.node);
      this.counters.deleted++;
      const confirmed = (this.map.holders[task.shard] ?? []).filter((node) => this.map.counts(node)).length;
      if (confirmed < wanted) this.unsafeDeletes++;
      applied++;
    }
    return applied;
  }

  /** A leaving node goes once every shard it holds has R counted copies elsewhere; true if one went. */
  private finishLeavers(): boolean {
    let went = false;
    for (let node = 0; node < this.map.count; node++) {
      if (this.map.status[node] !== 'leaving') continue;
      const shards = [...(this.map.nodeShards[node] ?? [])];
      const handedOff = shards.every((shard) => {
        const counted = (this.map.holders[shard] ?? []).filter((holder) => this.map.counts(holder)).length;
        return counted >= Math.min(this.settings.replicas, this.liveCount());
      });
      if (!handedOff) continue;
      for (const shard of shards) this.map.removeHolder(shard, node);
      this.map.status[node] = 'out';
      this.reachable[node] = false;
      this.gone[node] = true;
      went = true;
    }
    return went;
  }

  private liveCount(): number {
    let live = 0;
    for (let node = 0; node < this.map.count; node++) if (this.map.counts(node)) live++;
    return live;
  }

  private handle(event: SwarmEvent): void {
    switch (event.kind) {
      case 'transfer-done': {
        this.inFlight--;
        this.busy[event.from] = (this.busy[event.from] ?? 1) - 1;
        this.busy[event.to] = (this.busy[event.to] ?? 1) - 1;
        const intact =
          this.epoch[event.from] === event.epochs[0] &&
          this.epoch[event.to] === event.epochs[1] &&
          this.reachable[event.from] === true &&
          this.reachable[event.to] === true;
        this.map.finishPending(event.shard, event.to, intact);
        if (intact) this.counters.completed++;
        else this.counters.failed++;
        return;
      }
      case 'mark-down':
        if (this.epoch[event.node] === event.epoch && this.map.status[event.node] !== 'out') this.map.status[event.node] = 'down';
        return;
      case 'mark-out':
        if (this.epoch[event.node] === event.epoch) this.map.status[event.node] = 'out';
        return;
      case 'return':
        if (this.epoch[event.node] !== event.epoch || this.gone[event.node]) return;
        this.epoch[event.node] = event.epoch + 1;
        this.reachable[event.node] = true;
        this.map.status[event.node] = 'active';
        return;
    }
  }
}
