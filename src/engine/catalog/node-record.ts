import { canonicalJson } from './canonical-json';

/** A copy its source is pushing to another node; published so every planner counts it. */
export interface PendingCopyRecord {
  readonly shard: string;
  readonly to: string;
  /** The holder that drops its copy once `to` confirms (a balancing move). */
  readonly releaseFrom?: string;
}

/** A held copy that replaces `source`'s copy of `shard` (a balancing move under way). */
export interface ReplacedCopyRecord {
  readonly shard: string;
  readonly source: string;
}

/** A copy dropped after a move to `to`; `at` is the dropping node's clock, for pruning. */
export interface ReleasedCopyRecord {
  readonly shard: string;
  readonly to: string;
  readonly at: number;
}

/**
 * What a node tells the swarm about itself. Only that node writes it; (incarnation, version)
 * orders its versions, so any two nodes that have seen the same versions agree on it.
 */
export interface NodeRecord {
  readonly id: string;
  /** Failure domain: the browser profile, shared by its tabs. */
  readonly host: string;
  /** Bumped on every restart (a reload), so a newer life always wins over an older one. */
  readonly incarnation: number;
  /** Bumped on every change and every heartbeat within one incarnation. */
  readonly version: number;
  /** Bytes it offers for shards (the placement weight). */
  readonly capacityBytes: number;
  readonly usedBytes: number;
  /** No room for another shard: placement skips it. */
  readonly full: boolean;
  /** For example 'webgpu'. */
  readonly capabilities: readonly string[];
  /** Shards it holds verified copies of. */
  readonly holdings: readonly string[];
  /** Shards it uploaded and keeps until R holders confirm. */
  readonly staged: readonly string[];
  readonly pending: readonly PendingCopyRecord[];
  /**
   * Copies received by a move whose source has not yet dropped its own. Published in the
   * same record that announces the copy, so no node can see the new copy without knowing
   * it replaces the old one and count the pair twice (which could make a third holder
   * delete its copy as surplus while the source drops out too).
   */
  readonly replacing: readonly ReplacedCopyRecord[];
  /**
   * Copies this node recently dropped after moving them to `to`. Tells the receiver its
   * replacement is over even if this node later holds the shard again (a new copy).
   */
  readonly released: readonly ReleasedCopyRecord[];
  /** Handing its shards off before leaving. */
  readonly leaving: boolean;
  /** Gone for good after handing off. */
  readonly left: boolean;
}

/**
 * The later of two versions of one node's record. Ties (which an honest writer never
 * produces) break on the canonical bytes, so merging stays commutative even then.
 */
export function laterRecord(a: NodeRecord, b: NodeRecord): NodeRecord {
  if (a.incarnation !== b.incarnation) return a.incarnation > b.incarnation ? a : b;
  if (a.version !== b.version) return a.version > b.version ? a : b;
  return canonicalJson(a) >= canonicalJson(b) ? a : b;
}
