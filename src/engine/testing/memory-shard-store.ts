import { copyOfBytes, markVerified, verifyContentId } from '../content-id';
import { ShardNotFoundError, StoreFullError } from '../errors';
import type { ShardStore, StoreCapacity, StoredShardInfo } from '../ports/shard-store';

/** How much a MemoryShardStore may hold. */
export interface MemoryShardStoreOptions {
  /** Bytes of shard data the store accepts in all, as it would advertise to the swarm. */
  readonly budgetBytes: number;
}

/**
 * A ShardStore in memory for engine tests and the simulator. It keeps the promises of the port
 * exactly (verify on put and on get, budget, copies in and out), so that code tested against it
 * behaves the same on the IndexedDB store.
 */
export class MemoryShardStore implements ShardStore {
  protected readonly shards = new Map<string, Uint8Array>();
  private usedBytes = 0;
  private readonly budgetBytes: number;

  constructor(options: MemoryShardStoreOptions) {
    if (!Number.isFinite(options.budgetBytes) || options.budgetBytes < 0) {
      throw new RangeError(`MemoryShardStore needs a finite budgetBytes >= 0, got ${options.budgetBytes}`);
    }
    this.budgetBytes = options.budgetBytes;
  }

  async put(id: string, bytes: Uint8Array): Promise<void> {
    // Copied before the first await, so a caller reusing its buffer cannot change what is stored.
    const copy = copyOfBytes(bytes);
    await verifyContentId(id, copy);
    // Checked after hashing, in the same turn as the insert, so concurrent puts cannot overshoot the budget.
    if (this.shards.has(id)) return;
    const free = this.budgetBytes - this.usedBytes;
    if (copy.byteLength > free) throw new StoreFullError(copy.byteLength, free);
    this.shards.set(id, copy);
    this.usedBytes += copy.byteLength;
  }

  async get(id: string): Promise<Uint8Array> {
    const stored = this.shards.get(id);
    if (stored === undefined) throw new ShardNotFoundError(id);
    // Verify the copy we hand out, so nothing that changes the stored bytes meanwhile can slip through.
    const copy = stored.slice();
    let pieces: readonly string[];
    try {
      pieces = await verifyContentId(id, copy);
    } catch (error) {
      // Only the corrupt copy goes: a fresh put that replaced it during the hash is good data.
      if (this.shards.get(id) === stored) this.remove(id, stored);
      throw error;
    }
    // The caller's copy is verified: listing its pieces (to serve it) need not hash it again.
    markVerified(copy, pieces);
    return copy;
  }

  async has(id: string): Promise<boolean> {
    return this.shards.has(id);
  }

  async delete(id: string): Promise<void> {
    const stored = this.shards.get(id);
    if (stored !== undefined) this.remove(id, stored);
  }

  async list(): Promise<StoredShardInfo[]> {
    return [...this.shards].map(([id, bytes]) => ({ id, bytes: bytes.byteLength }));
  }

  async capacity(): Promise<StoreCapacity> {
    return { budgetBytes: this.budgetBytes, usedBytes: this.usedBytes };
  }

  /** Test hook: flips one stored byte of a shard, as a bad disk or a buggy writer would. */
  corruptForTest(id: string): void {
    const stored = this.shards.get(id);
    if (stored === undefined) throw new ShardNotFoundError(id);
    const index = stored.byteLength >> 1;
    const byte = stored[index];
    if (byte === undefined) throw new RangeError(`shard ${id} is empty: there is no byte to corrupt`);
    stored[index] = byte ^ 0xff;
  }

  private remove(id: string, stored: Uint8Array): void {
    this.shards.delete(id);
    this.usedBytes -= stored.byteLength;
  }
}
