import { hashString32 } from '../stable-hash';
import type { RankableNodes } from './rendezvous';

/**
 * How the planner treats a node. `active`: alive, holds and receives. `down`: not heard from
 * but still inside the repair grace (HDFS/Ceph "down"): its replicas still count, so a reload
 * or a blip costs no traffic, but it neither sends nor receives. `leaving`: handing its
 * shards off before a voluntary leave: it still sends, but its copies no longer count.
 * `out`: past the grace, or gone: its replicas no longer count and it is not a candidate.
 */
export type NodeStatus = 'active' | 'down' | 'leaving' | 'out';

/** A transfer under way: `to` is receiving a copy; with `releaseFrom`, that holder drops it after. */
export interface PendingCopy {
  readonly to: number;
  readonly from: number;
  readonly releaseFrom: number | undefined;
}

/**
 * The replica layout by dense indices: which nodes hold and are receiving each shard. It is
 * the planner's input; the engine node builds one from its catalog, the simulator keeps one
 * for thousands of nodes. Indices are never reused, so a node that leaves keeps its slot.
 */
export class ReplicaMap implements RankableNodes {
  readonly nodeIds: string[] = [];
  readonly nodeKeys: number[] = [];
  readonly weights: number[] = [];
  readonly domains: number[] = [];
  readonly status: NodeStatus[] = [];
  readonly full: boolean[] = [];
  /** Shards each node holds a verified copy of. */
  readonly nodeShards: Set<number>[] = [];
  /** Per node: copies it is receiving minus copies it will release. */
  readonly pendingDelta: number[] = [];

  readonly shardIds: string[] = [];
  readonly shardKeys: number[] = [];
  /** Nodes holding a verified copy of each shard (of any status). */
  readonly holders: number[][] = [];
  /** Copies under way for each shard. */
  readonly pending: PendingCopy[][] = [];
  /**
   * Uploads not yet replicated: the uploading node keeps a staged copy that serves as a
   * source but does not count as a replica, and drops it once R holders confirm.
   */
  readonly staged = new Map<number, number>();

  private readonly nodeIndex = new Map<string, number>();
  private readonly domainIndex = new Map<string, number>();
  private readonly shardIndex = new Map<string, number>();

  get count(): number {
    return this.nodeIds.length;
  }

  get shardCount(): number {
    return this.shardIds.length;
  }

  get domainCount(): number {
    return this.domainIndex.size;
  }

  /** Adds a node (or updates it if known) and returns its index. */
  upsertNode(id: string, domain: string, weight: number, status: NodeStatus = 'active'): number {
    let node = this.nodeIndex.get(id);
    if (node === undefined) {
      node = this.nodeIds.length;
      this.nodeIndex.set(id, node);
      this.nodeIds.push(id);
      this.nodeKeys.push(hashString32(id));
      this.weights.push(weight);
      this.domains.push(this.domainNumber(domain));
      this.status.push(status);
      this.full.push(false);
      this.nodeShards.push(new Set());
      this.pendingDelta.push(0);
      return node;
    }
    this.weights[node] = weight;
    this.domains[node] = this.domainNumber(domain);
    this.status[node] = status;
    return node;
  }

  nodeNumber(id: string): number | undefined {
    return this.nodeIndex.get(id);
  }

  shardNumber(id: string): number | undefined {
    return this.shardIndex.get(id);
  }

  /** Adds a shard (or finds it) and returns its index. */
  upsertShard(id: string): number {
    let shard = this.shardIndex.get(id);
    if (shard !== undefined) return shard;
    shard = this.shardIds.length;
    this.shardIndex.set(id, shard);
    this.shardIds.push(id);
    this.shardKeys.push(hashString32(id));
    this.holders.push([]);
    this.pending.push([]);
    return shard;
  }

  /** Replicas a node holds or is receiving, less those it is about to release. */
  load(node: number): number {
    return (this.nodeShards[node]?.size ?? 0) + (this.pendingDelta[node] ?? 0);
  }

  /** Whether the node's copies count toward a shard's replication factor. */
  counts(node: number): boolean {
    const status = this.status[node];
    return status === 'active' || status === 'down';
  }

  addHolder(shard: number, node: number): void {
    const holders = this.holders[shard];
    if (!holders || holders.includes(node)) return;
    holders.push(node);
    this.nodeShards[node]?.add(shard);
  }

  removeHolder(shard: number, node: number): void {
    const holders = this.holders[shard];
    if (!holders) return;
    const at = holders.indexOf(node);
    if (at < 0) return;
    holders.splice(at, 1);
    this.nodeShards[node]?.delete(shard);
  }

  /** Records a copy under way. */
  addPending(shard: number, copy: PendingCopy): void {
    this.pending[shard]?.push(copy);
    this.bumpPending(copy.to, 1);
    if (copy.releaseFrom !== undefined) this.bumpPending(copy.releaseFrom, -1);
  }

  /**
   * Ends a copy under way. On success the receiver becomes a holder and, for a move, the
   * source drops its copy: the release is paired with a confirmed new copy, so a move never
   * lowers the number of copies however many run at once.
   */
  finishPending(shard: number, to: number, succeeded: boolean): void {
    const copies = this.pending[shard];
    if (!copies) return;
    const at = copies.findIndex((copy) => copy.to === to);
    if (at < 0) return;
    const [copy] = copies.splice(at, 1);
    if (!copy) return;
    this.bumpPending(copy.to, -1);
    if (copy.releaseFrom !== undefined) this.bumpPending(copy.releaseFrom, 1);
    if (!succeeded) return;
    this.addHolder(shard, to);
    if (this.staged.get(shard) === to) this.staged.delete(shard);
    if (copy.releaseFrom !== undefined) this.removeHolder(shard, copy.releaseFrom);
  }

  isHolderOrReceiving(shard: number, node: number): boolean {
    if (this.holders[shard]?.includes(node)) return true;
    return this.pending[shard]?.some((copy) => copy.to === node) ?? false;
  }

  private bumpPending(node: number, delta: number): void {
    this.pendingDelta[node] = (this.pendingDelta[node] ?? 0) + delta;
  }

  private domainNumber(domain: string): number {
    let value = this.domainIndex.get(domain);
    if (value === undefined) {
      value = this.domainIndex.size;
      this.domainIndex.set(domain, value);
    }
    return value;
  }
}
