/** Facts about one stored shard. */
export interface StoredShardInfo {
  /** Content id: lowercase hex SHA-256 of the bytes. */
  readonly id: string;
  readonly bytes: number;
}

/** Space the store can give shards, as advertised to the swarm. */
export interface StoreCapacity {
  /** Bytes the store may use for shards in all (user budget, bounded by the browser's quota). */
  readonly budgetBytes: number;
  /** Bytes its shards use now. */
  readonly usedBytes: number;
}

/**
 * Where a node keeps shard bytes (IndexedDB in a tab, memory in tests). Every implementation
 * verifies content ids: `put` refuses bytes that do not hash to `id`, `get` refuses to return
 * bytes that no longer do (and drops them), so corruption never leaves the store.
 */
export interface ShardStore {
  /** Stores bytes under their content id; rejects with ContentMismatchError or StoreFullError. Idempotent. */
  put(id: string, bytes: Uint8Array): Promise<void>;
  /** The verified bytes of a shard; rejects with ShardNotFoundError, or ContentMismatchError after dropping a corrupt copy. */
  get(id: string): Promise<Uint8Array>;
  /** Whether the store holds the shard (without reading it). */
  has(id: string): Promise<boolean>;
  /** Removes a shard; removing an absent shard is not an error. */
  delete(id: string): Promise<void>;
  /** Every shard held, in no particular order. */
  list(): Promise<StoredShardInfo[]>;
  /** The advertised budget and current use. */
  capacity(): Promise<StoreCapacity>;
}
