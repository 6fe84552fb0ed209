import type { DatasetManifest } from '../catalog/manifest';
import type { WirePiece } from '../piece-deflate';
import type { StoreCapacity, StoredShardInfo } from '../ports/shard-store';

// What goes into the engine node (events) and what comes out (effects). Effects are data;
// adapters perform them and report results back as events, so the node itself never waits.
// Adapters must perform the store effects of one shard (store, read, delete) in the order
// they were emitted: the node's record of what it holds assumes that order.

/** Why a shard is read: to serve its pieces to peers, or for this node's own fetch. */
export type ShardReadPurpose = 'serve' | 'fetch';

/** What a hash check is for: a holder's piece list of a shard, or one piece it sent. */
export type DigestCheck =
  | { readonly kind: 'piece-list'; readonly shard: string; readonly from: string; readonly size: number; readonly hashes: readonly string[] }
  /** `wire`: the piece as it came, kept to pass on as it is once verified. */
  | { readonly kind: 'piece'; readonly shard: string; readonly from: string; readonly index: number; readonly wire: WirePiece };

export type EngineEvent =
  /** The node starts with what its stores already hold (a reload keeps its shards and manifests). */
  | {
      readonly type: 'start';
      readonly now: number;
      readonly held: readonly StoredShardInfo[];
      readonly manifests: readonly DatasetManifest[];
      readonly capacity: StoreCapacity;
    }
  /** The periodic timer: heartbeat, failure detection, gossip and planning. */
  | { readonly type: 'tick'; readonly now: number }
  /** Bytes from a peer (validated here, never trusted). */
  | { readonly type: 'message'; readonly now: number; readonly from: string; readonly bytes: Uint8Array }
  | { readonly type: 'peer-connected'; readonly now: number; readonly peer: string }
  /** Result of `check-manifests`: which received manifests hash to their ids. */
  | { readonly type: 'manifests-checked'; readonly now: number; readonly from: string; readonly authentic: readonly DatasetManifest[]; readonly forged: number }
  /** Result of `store-shard`. */
  | { readonly type: 'shard-stored'; readonly now: number; readonly shard: string; readonly from: string; readonly ok: boolean; readonly reason: string; readonly capacity: StoreCapacity }
  /** Result of `read-shard`: the verified bytes and their piece hashes (for serving), or why they could not be read. */
  | {
      readonly type: 'shard-read';
      readonly now: number;
      readonly shard: string;
      readonly purpose: ShardReadPurpose;
      readonly request?: number;
      readonly bytes: Uint8Array | undefined;
      readonly hashes: readonly string[];
      readonly error: string;
    }
  /** Result of `check-digest`. */
  | { readonly type: 'digest-checked'; readonly now: number; readonly check: DigestCheck; readonly ok: boolean; readonly bytes: Uint8Array }
  /** Result of `delete-shard`. */
  | { readonly type: 'shard-deleted'; readonly now: number; readonly shard: string; readonly capacity: StoreCapacity }
  /** A local upload has stored every shard: publish the manifest and start replicating. */
  /** `fresh`: shards of the upload still in memory with their piece hashes, to serve without reading them back. */
  | { readonly type: 'publish'; readonly now: number; readonly manifest: DatasetManifest; readonly capacity: StoreCapacity; readonly fresh?: readonly FreshShard[] }
  /** Something on this node needs a shard's bytes (export, a query): fetch from the best live holder. */
  | { readonly type: 'fetch-shard'; readonly now: number; readonly request: number; readonly shard: string }
  /** The store's budget changed (the user's setting, or the browser's quota). */
  | { readonly type: 'capacity-changed'; readonly now: number; readonly capacity: StoreCapacity }
  /** The user closes the tab gracefully: hand shards off, then go. */
  | { readonly type: 'leave'; readonly now: number };

export type EngineEffect =
  | { readonly type: 'send'; readonly to: string; readonly bytes: Uint8Array }
  /** Hash received manifests against their ids, then report `manifests-checked`. */
  | { readonly type: 'check-manifests'; readonly from: string; readonly manifests: readonly DatasetManifest[] }
  /** Verify and store a received shard, then report `shard-stored`. */
  /** `pieces`: the bytes' piece hashes, each piece already checked against them (the store need not hash them again). */
  | { readonly type: 'store-shard'; readonly shard: string; readonly bytes: Uint8Array; readonly pieces: readonly string[]; readonly from: string }
  /** Read (and verify) a shard, to serve its pieces or (with `request`) for a local fetch, then report `shard-read`. */
  | { readonly type: 'read-shard'; readonly shard: string; readonly purpose: ShardReadPurpose; readonly request?: number }
  /** Check that the bytes SHA-256 to `expected`, then report `digest-checked`. */
  | { readonly type: 'check-digest'; readonly check: DigestCheck; readonly expected: string; readonly bytes: Uint8Array }
  /** A fetch is over: the verified bytes, or why there are none. */
  | { readonly type: 'fetched-shard'; readonly request: number; readonly shard: string; readonly bytes: Uint8Array | undefined; readonly error: string }
  | { readonly type: 'delete-shard'; readonly shard: string }
  /** Keep a newly learned (checked) manifest, so it outlives a reload of the whole swarm. */
  | { readonly type: 'save-manifest'; readonly manifest: DatasetManifest }
  | { readonly type: 'schedule-tick'; readonly afterMs: number }
  /** A peer sent bad data or a malformed message. */
  | { readonly type: 'penalize'; readonly peer: string; readonly reason: string }
  /** Every shard is handed off: the node may stop. */
  | { readonly type: 'left' };

/** A shard this node has just made, with the piece hashes it was identified by. */
export interface FreshShard {
  readonly shard: string;
  readonly bytes: Uint8Array;
  readonly pieces: readonly string[];
}
