import { loadBand, type LoadBand } from './load-band';
import type { ReplicaMap } from './replica-map';
import { RendezvousRanker } from './rendezvous';

/** Settings of the replication planner. */
export interface ReplicationSettings {
  /** Copies of every shard (R). */
  readonly replicas: number;
  /** Relative slack of each node's load band (0.08 = +-8% of its capacity share). */
  readonly balanceTolerance: number;
  /** At most this many balancing moves per plan, so repair traffic is never starved. */
  readonly maxBalanceMoves: number;
}

export const defaultReplicationSettings: ReplicationSettings = {
  replicas: 3,
  balanceTolerance: 0.08,
  maxBalanceMoves: 1_000_000,
};

/**
 * Copy `shard` from `from` to `to`. `releaseFrom` drops its copy once `to` has confirmed (a
 * move). `replaces` is the holder whose copy the new one stands in for: the source of a move,
 * or a node handing its shards off before it leaves.
 */
export interface TransferTask {
  readonly shard: number;
  readonly from: number;
  readonly to: number;
  readonly reason: 'repair' | 'balance';
  /** Counted copies when planned: the fewer, the more urgent. */
  readonly copies: number;
  readonly releaseFrom: number | undefined;
  readonly replaces: number | undefined;
}

/** Drop `shard` at `node`: it has more than R confirmed copies, or it was a staged upload now at R. */
export interface DeleteTask {
  readonly shard: number;
  readonly node: number;
  readonly reason: 'surplus' | 'staged';
}

export interface ReplicationPlan {
  /** Most endangered first. */
  readonly transfers: TransferTask[];
  readonly deletes: DeleteTask[];
  /** Shards with no counted copy anywhere: their data is gone. */
  readonly lost: number[];
  /** Shards under R whose only copies sit on `down` nodes: nothing can be done until one returns. */
  readonly stalled: number[];
}

/**
 * Desired versus actual: turns the replica layout into the tasks that bring every shard to
 * R copies on distinct failure domains and every node into its load band. The plan is a
 * pure function of the layout, so every node that sees the same catalog plans the same tasks;
 * each node then runs only the tasks whose source it is.
 */
export function planReplication(map: ReplicaMap, settings: ReplicationSettings): ReplicationPlan {
  return new PlanBuilder(map, settings).build();
}

class PlanBuilder {
  private readonly ranker: RendezvousRanker;
  private readonly load: number[];
  private readonly bands: LoadBand[];
  private readonly replicas: number;
  private readonly liveDomainCount: number;
  private readonly transfers: TransferTask[] = [];
  private readonly deletes: DeleteTask[] = [];
  private readonly lost: number[] = [];
  private readonly stalled: number[] = [];
  /** Shards already given a task in this plan: one change per shard per plan. */
  private readonly touched = new Set<number>();
  /** Active nodes with room that are below their band. */
  private underLowCount = 0;

  constructor(
    private readonly map: ReplicaMap,
    private readonly settings: ReplicationSettings,
  ) {
    this.ranker = new RendezvousRanker(map);
    this.load = Array.from({ length: map.count }, (_, node) => map.load(node));
    let countedNodes = 0;
    let totalWeight = 0;
    const domains = new Set<number>();
    for (let node = 0; node < map.count; node++) {
      if (!map.counts(node) || (map.weights[node] ?? 0) <= 0) continue;
      countedNodes++;
      totalWeight += map.weights[node] ?? 0;
      domains.add(map.domains[node] ?? -1);
    }
    this.liveDomainCount = domains.size;
    this.replicas = Math.min(settings.replicas, countedNodes);
    const totalReplicas = map.shardCount * this.replicas;
    this.bands = Array.from({ length: map.count }, (_, node) =>
      map.counts(node)
        ? loadBand(totalReplicas, map.weights[node] ?? 0, totalWeight, settings.balanceTolerance)
        : { target: 0, low: 0, high: 0 },
    );
    for (let node = 0; node < map.count; node++) {
      if (this.isActive(node) && !map.full[node] && (this.load[node] ?? 0) < (this.bands[node]?.low ?? 0)) this.underLowCount++;
    }
  }

  build(): ReplicationPlan {
    const deficits: { shard: number; copies: number }[] = [];
    for (let shard = 0; shard < this.map.shardCount; shard++) {
      const counted = this.countedHolders(shard);
      const copies = counted.length + (this.map.pending[shard]?.length ?? 0);
      this.releaseStagedCopy(shard, counted);
      if (copies === 0 && !this.hasSource(shard)) this.lost.push(shard);
      else if (copies < this.replicas) deficits.push({ shard, copies });
      else if (counted.length > this.replicas) this.planSurplusDeletes(shard, counted);
    }
    deficits.sort((a, b) => a.copies - b.copies || a.shard - b.shard);
    for (const { shard, copies } of deficits) this.planRepair(shard, copies);
    this.planBalance();
    return { transfers: this.transfers, deletes: this.deletes, lost: this.lost, stalled: this.stalled };
  }

  /** A copy that can still be read even though it does not count: staged or handing off. */
  private hasSource(shard: number): boolean {
    const uploader = this.map.staged.get(shard);
    if (uploader !== undefined && this.map.status[uploader] !== 'out') return true;
    return (this.map.holders[shard] ?? []).some((node) => this.map.status[node] === 'leaving');
  }

  private countedHolders(shard: number): number[] {
    return (this.map.holders[shard] ?? []).filter((node) => this.map.counts(node));
  }

  private isActive(node: number): boolean {
    return this.map.status[node] === 'active';
  }

  /**
   * The node that drives a shard's transfers: its first active holder by rendezvous rank,
   * else a holder that is handing off before leaving, else the uploader of a staged shard.
   */
  private driverOf(shard: number): number | undefined {
    const holders = this.map.holders[shard] ?? [];
    const key = this.map.shardKeys[shard] ?? 0;
    const active = holders.filter((node) => this.isActive(node));
    const driver =
      this.ranker.order(key, active)[0] ??
      this.ranker.order(key, holders.filter((node) => this.map.status[node] === 'leaving'))[0];
    if (driver !== undefined) return driver;
    const uploader = this.map.staged.get(shard);
    return uploader !== undefined && this.isActive(uploader) ? uploader : undefined;
  }

  /** The uploader drops its staged copy once the shard has R confirmed, active holders. */
  private releaseStagedCopy(shard: number, counted: number[]): void {
    const uploader = this.map.staged.get(shard);
    if (uploader === undefined || counted.includes(uploader) || !this.isActive(uploader)) return;
    if (counted.filter((node) => this.isActive(node)).length < this.replicas) return;
    this.deletes.push({ shard, node: uploader, reason: 'staged' });
  }

  private usedDomains(shard: number, except?: number): number[] {
    const used: number[] = [];
    for (const node of this.countedHolders(shard)) if (node !== except) used.push(this.map.domains[node] ?? -1);
    for (const copy of this.map.pending[shard] ?? []) used.push(this.map.domains[copy.to] ?? -1);
    return used;
  }

  private canReceive(shard: number, node: number, limit: number): boolean {
    return (
      this.isActive(node) &&
      !this.map.full[node] &&
      (this.load[node] ?? 0) < limit &&
      !this.map.isHolderOrReceiving(shard, node)
    );
  }

  private planRepair(shard: number, copies: number): void {
    const from = this.driverOf(shard);
    if (from === undefined) {
      this.stalled.push(shard);
      return;
    }
    const key = this.map.shardKeys[shard] ?? 0;
    const need = this.replicas - copies;
    const used = this.usedDomains(shard);
    const targets = this.writeLocalTarget(shard, used);
    const domainsOf = (nodes: number[]): number[] => nodes.map((n) => this.map.domains[n] ?? -1);
    // Then nodes below their band, so a repair also mends the balance and a crash costs no
    // balancing moves on top of its lost replicas; then nodes within their band; then, as a
    // shard below R takes any node with room, anyone.
    const limits: ((node: number) => number)[] = [(n) => this.bands[n]?.high ?? 0, () => Infinity];
    if (this.underLowCount > 0) limits.unshift((n) => this.bands[n]?.low ?? 0);
    limits.forEach((limit, round) => {
      if (targets.length >= need) return;
      const chosen = new Set(targets);
      const picked = this.ranker.pick(
        key,
        need - targets.length,
        (n) => !chosen.has(n) && this.canReceive(shard, n, limit(n)),
        [...used, ...domainsOf(targets)],
        // Below-band nodes are a preference only while they keep the copies apart.
        round === 0 && this.underLowCount > 0 ? 'never' : 'as-fallback',
      );
      targets.push(...picked);
    });
    const leaving = (this.map.holders[shard] ?? []).filter((node) => this.map.status[node] === 'leaving');
    // A kept staged copy stands in for nobody: only copies sent to other nodes replace those
    // of nodes handing off before they leave.
    const local = targets.length > 0 && targets[0] === this.map.staged.get(shard) ? 1 : 0;
    targets.forEach((to, i) =>
      this.addTransfer({ shard, from, to, reason: 'repair', copies, releaseFrom: undefined, replaces: i < local ? undefined : leaving[i - local] }),
    );
  }

  /**
   * Write locality (HDFS's first replica on the writer): an uploader keeps its staged copy as
   * one of the R while its load band has room, so those shards reach R with one copy fewer to
   * send. Only up to its band: copies kept beyond it would have to move off again as balancing
   * (in the simulator an uploader keeping all 20,000 shards cost thousands of moves and made
   * later crashes move more than they lost).
   */
  private writeLocalTarget(shard: number, used: number[]): number[] {
    const uploader = this.map.staged.get(shard);
    if (uploader === undefined || !this.canReceive(shard, uploader, this.bands[uploader]?.high ?? 0)) return [];
    if (this.liveDomainCount >= this.replicas && used.includes(this.map.domains[uploader] ?? -1)) return [];
    return [uploader];
  }

  private addTransfer(task: TransferTask): void {
    this.transfers.push(task);
    this.touched.add(task.shard);
    this.adjustLoad(task.to, 1);
    if (task.releaseFrom !== undefined) this.adjustLoad(task.releaseFrom, -1);
  }

  private adjustLoad(node: number, delta: number): void {
    const low = this.bands[node]?.low ?? 0;
    const before = this.load[node] ?? 0;
    const after = before + delta;
    this.load[node] = after;
    if (!this.isActive(node) || this.map.full[node]) return;
    if (before < low && after >= low) this.underLowCount--;
    else if (before >= low && after < low) this.underLowCount++;
  }

  /**
   * Which copies of an over-replicated shard go: every active holder that has at least R
   * active holders ranking better than itself. Each node applies this to itself, possibly
   * from a stale view, and it is still safe: the R best-ranked holders can never see R
   * better ones, so however views differ they all keep their copies.
   */
  private planSurplusDeletes(shard: number, counted: number[]): void {
    const key = this.map.shardKeys[shard] ?? 0;
    const active = this.ranker.order(key, counted.filter((node) => this.isActive(node)));
    for (const victim of active.slice(this.replicas)) {
      this.deletes.push({ shard, node: victim, reason: 'surplus' });
      this.adjustLoad(victim, -1);
    }
    if (active.length > this.replicas) this.touched.add(shard);
  }

  /** A shard can be moved for balance when it sits at exactly R copies with nothing under way. */
  private movable(shard: number): boolean {
    if (this.touched.has(shard)) return false;
    if ((this.map.pending[shard]?.length ?? 0) > 0) return false;
    return this.countedHolders(shard).length === this.replicas;
  }

  private planBalance(): void {
    let budget = this.settings.maxBalanceMoves;
    budget -= this.spreadDomains(budget);
    for (let node = 0; node < this.map.count && budget > 0; node++) {
      if (!this.isActive(node) || (this.load[node] ?? 0) <= (this.bands[node]?.high ?? 0)) continue;
      const candidates = this.shedCandidates(node);
      while ((this.load[node] ?? 0) > (this.bands[node]?.high ?? 0) && budget > 0) {
        if (!this.shedOne(node, candidates)) break;
        budget--;
      }
    }
    for (let node = 0; node < this.map.count && budget > 0; node++) {
      if (!this.isActive(node) || this.map.full[node]) continue;
      const exhausted = new Set<number>();
      while ((this.load[node] ?? 0) < (this.bands[node]?.low ?? 0) && budget > 0) {
        if (!this.pullOne(node, exhausted)) break;
        budget--;
      }
    }
  }

  /**
   * Moves a copy that shares its failure domain with another copy of the same shard to a
   * node in an unused domain (a surplus delete by rank can leave two copies on one host).
   */
  private spreadDomains(budget: number): number {
    if (this.liveDomainCount < this.replicas) return 0;
    let moves = 0;
    for (let shard = 0; shard < this.map.shardCount && moves < budget; shard++) {
      if (!this.movable(shard) || !this.sharesDomain(shard)) continue;
      const key = this.map.shardKeys[shard] ?? 0;
      const seen = new Set<number>();
      for (const node of this.ranker.order(key, this.countedHolders(shard))) {
        const domain = this.map.domains[node] ?? -1;
        if (!seen.has(domain)) {
          seen.add(domain);
          continue;
        }
        if (!this.isActive(node)) continue;
        const spread = this.usedDomains(shard, node);
        // Spread matters more than balance: a full band only defers to any node with room.
        const [to] = [
          ...this.ranker.pick(key, 1, (n) => this.canReceive(shard, n, this.bands[n]?.high ?? 0), spread, 'never'),
          ...this.ranker.pick(key, 1, (n) => this.canReceive(shard, n, Infinity), spread, 'never'),
        ];
        if (to === undefined) continue;
        this.addTransfer({ shard, from: node, to, reason: 'balance', copies: this.replicas, releaseFrom: node, replaces: node });
        moves++;
        break;
      }
    }
    return moves;
  }

  private sharesDomain(shard: number): boolean {
    const holders = this.map.holders[shard] ?? [];
    for (let i = 1; i < holders.length; i++) {
      for (let j = 0; j < i; j++) if (this.map.domains[holders[i] ?? -1] === this.map.domains[holders[j] ?? -1]) return true;
    }
    return false;
  }

  /** An overloaded node's movable shards, worst-ranked first: the order shedOne moves them in. */
  private shedCandidates(donor: number): { readonly shards: number[]; next: number } {
    const shards = [...(this.map.nodeShards[donor] ?? [])]
      .filter((shard) => this.movable(shard))
      .map((shard) => ({ shard, cost: this.ranker.cost(this.map.shardKeys[shard] ?? 0, donor) }))
      .sort((a, b) => b.cost - a.cost || a.shard - b.shard)
      .map((candidate) => candidate.shard);
    return { shards, next: 0 };
  }

  /**
   * Moves the overloaded node's worst-ranked movable shard to the best node below its target.
   * `candidates` (from shedCandidates) is consumed from the front: a shard moved, or one no node
   * can take, is never tried again in this plan (targets only fill up as the plan goes on), so
   * shedding a node costs one sort, not one per move (an uploader that kept thousands of staged
   * copies sheds them all in one plan).
   */
  private shedOne(donor: number, candidates: { readonly shards: number[]; next: number }): boolean {
    while (candidates.next < candidates.shards.length) {
      const shard = candidates.shards[candidates.next++] as number;
      if (!this.movable(shard)) continue;
      const key = this.map.shardKeys[shard] ?? 0;
      const spread = this.spreadConstraint(shard, donor);
      // Nodes below their band first (a node that just joined), then any below its target.
      const [to] = [
        ...(this.underLowCount > 0
          ? this.ranker.pick(key, 1, (n) => this.canReceive(shard, n, this.bands[n]?.low ?? 0), spread, 'never')
          : []),
        ...this.ranker.pick(key, 1, (n) => this.canReceive(shard, n, Math.floor(this.bands[n]?.target ?? 0)), spread, 'never'),
      ];
      if (to === undefined) continue;
      this.addTransfer({ shard, from: donor, to, reason: 'balance', copies: this.replicas, releaseFrom: donor, replaces: donor });
      return true;
    }
    return false;
  }

  /** Pulls into an underloaded node the shard, from the most overloaded donor, that ranks it best. */
  private pullOne(receiver: number, exhausted: Set<number>): boolean {
    for (;;) {
      const donor = this.mostOverloaded(receiver, exhausted);
      if (donor === undefined) return false;
      let best: { shard: number; cost: number } | undefined;
      for (const shard of this.map.nodeShards[donor] ?? []) {
        if (!this.movable(shard) || this.map.isHolderOrReceiving(shard, receiver)) continue;
        const domains = this.spreadConstraint(shard, donor);
        if (domains.includes(this.map.domains[receiver] ?? -1)) continue;
        const cost = this.ranker.cost(this.map.shardKeys[shard] ?? 0, receiver);
        if (!best || cost < best.cost || (cost === best.cost && shard < best.shard)) best = { shard, cost };
      }
      if (!best) {
        exhausted.add(donor);
        continue;
      }
      this.addTransfer({ shard: best.shard, from: donor, to: receiver, reason: 'balance', copies: this.replicas, releaseFrom: donor, replaces: donor });
      return true;
    }
  }

  /** Domains the shard's other copies occupy, when the swarm has enough domains to keep them apart. */
  private spreadConstraint(shard: number, leaving: number): number[] {
    if (this.liveDomainCount < this.replicas) return [];
    return this.usedDomains(shard, leaving);
  }

  private mostOverloaded(receiver: number, exhausted: Set<number>): number | undefined {
    let best: number | undefined;
    let bestRatio = 1;
    for (let node = 0; node < this.map.count; node++) {
      if (node === receiver || exhausted.has(node) || !this.isActive(node)) continue;
      const band = this.bands[node];
      if (!band || band.target <= 0) continue;
      const load = this.load[node] ?? 0;
      if (load - 1 < band.low) continue;
      const ratio = load / band.target;
      if (ratio > bestRatio) {
        bestRatio = ratio;
        best = node;
      }
    }
    return best;
  }
}
