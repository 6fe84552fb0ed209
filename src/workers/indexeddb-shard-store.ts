import { contentId, copyOfBytes, isMarkedVerified, markVerified, verifyContentId } from '../engine/content-id';
import { ContentMismatchError, ShardNotFoundError, StoreFullError } from '../engine/errors';
import type { ShardStore, StoreCapacity, StoredShardInfo } from '../engine/ports/shard-store';
import { openNodeDatabase, type NodeDatabase } from './node-database';

/**
 * Shard writes need not survive a power cut (every shard has replicas elsewhere), only a
 * browser crash: relaxed durability skips the flush to disk and about doubles write speed.
 */
const RELAXED: IDBTransactionOptions = { durability: 'relaxed' };

interface QueuedPut {
  readonly id: string;
  /** The verified bytes, as stored. */
  readonly blob: Blob;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Shards in IndexedDB. Bytes are hashed before the write transaction opens (a transaction
 * closes when it waits on anything but IndexedDB), then the budget check, the insert and the
 * usage counter commit together, so concurrent puts can neither overshoot the budget nor count
 * a shard twice. Every write transaction takes the usage counter, so writes run one after
 * another: puts that arrive while one is under way are written together in the next (a group
 * commit), which saves each its own transaction's round trips and commit. Every read is
 * verified; a corrupt copy is dropped before the error is thrown.
 */
export class IndexedDbShardStore implements ShardStore {
  /** Puts hashed and waiting for the write under way to end: they are written together next. */
  private queued: QueuedPut[] = [];
  private writing = false;

  constructor(
    private readonly db: NodeDatabase,
    private budgetBytes: number,
  ) {}

  /** Opens a store on its own database (the contract suite's way); the worker shares one. */
  static async open(name: string, budgetBytes: number): Promise<IndexedDbShardStore> {
    return new IndexedDbShardStore(await openNodeDatabase(name), budgetBytes);
  }

  /** Changes the budget the store advertises and enforces (user setting or browser quota). */
  setBudget(budgetBytes: number): void {
    this.budgetBytes = budgetBytes;
  }

  async put(id: string, bytes: Uint8Array): Promise<void> {
    // The bytes stored must be the bytes verified: bytes marked verified never change, others
    // are copied first so the caller cannot change them meanwhile.
    const stable = isMarkedVerified(bytes) ? bytes : copyOfBytes(bytes);
    await verifyContentId(id, stable);
    const blob = new Blob([stable as Uint8Array<ArrayBuffer>]);
    const written = new Promise<void>((resolve, reject) => this.queued.push({ id, blob, resolve, reject }));
    this.writeQueued();
    return written;
  }

  async get(id: string): Promise<Uint8Array> {
    const bytes = await this.read(id);
    if (bytes === undefined) throw new ShardNotFoundError(id);
    let pieces: readonly string[];
    try {
      pieces = await verifyContentId(id, bytes);
    } catch (error) {
      if (error instanceof ContentMismatchError) await this.dropIfUnchanged(id, bytes);
      throw error;
    }
    // The caller's bytes are verified: listing their pieces (to serve them) need not hash them again.
    markVerified(bytes, pieces);
    return bytes;
  }

  async has(id: string): Promise<boolean> {
    return (await this.db.getKey('shardInfo', id)) !== undefined;
  }

  async delete(id: string): Promise<void> {
    const tx = this.db.transaction(['shards', 'shardInfo', 'meta'], 'readwrite', RELAXED);
    const [known, used] = await Promise.all([tx.objectStore('shardInfo').get(id), tx.objectStore('meta').get('usedBytes')]);
    if (known) {
      await Promise.all([
        tx.objectStore('shards').delete(id),
        tx.objectStore('shardInfo').delete(id),
        tx.objectStore('meta').put(Math.max(0, (used ?? 0) - known.bytes), 'usedBytes'),
      ]);
    }
    await tx.done;
  }

  async list(): Promise<StoredShardInfo[]> {
    return this.db.getAll('shardInfo');
  }

  async capacity(): Promise<StoreCapacity> {
    return { budgetBytes: this.budgetBytes, usedBytes: (await this.db.get('meta', 'usedBytes')) ?? 0 };
  }

  /** Test hook for the store contract: flips one stored byte, as a bad disk would. */
  async corruptForTest(id: string): Promise<void> {
    const bytes = await this.read(id);
    if (!bytes || bytes.byteLength === 0) throw new ShardNotFoundError(id);
    const index = bytes.byteLength >> 1;
    bytes[index] = (bytes[index] ?? 0) ^ 0xff;
    await this.db.put('shards', new Blob([bytes as Uint8Array<ArrayBuffer>]), id);
  }

  /** Closes the database (the store is unusable afterwards). */
  close(): void {
    this.db.close();
  }

  /**
   * A stored shard's bytes, or undefined if none is stored. A Blob whose backing file the
   * browser lost reads as empty bytes: a corrupt copy, which the hash check then drops.
   */
  private async read(id: string): Promise<Uint8Array | undefined> {
    const stored = await this.db.get('shards', id);
    if (stored === undefined) return undefined;
    if (!(stored instanceof Blob)) return new Uint8Array(stored);
    try {
      return new Uint8Array(await stored.arrayBuffer());
    } catch {
      return new Uint8Array(0);
    }
  }

  /** Starts writing the queued puts unless a write is under way (its end starts the next). */
  private writeQueued(): void {
    if (this.writing || this.queued.length === 0) return;
    this.writing = true;
    void this.writeBatch(this.queued.splice(0)).finally(() => {
      this.writing = false;
      this.writeQueued();
    });
  }

  /** Settles each put of the batch: written (or held already), refused for want of room, or failed. */
  private async writeBatch(batch: readonly QueuedPut[]): Promise<void> {
    let refusals: (StoreFullError | undefined)[];
    try {
      refusals = await this.writeTogether(batch);
    } catch (error) {
      // One put the browser refuses (its own quota, say) fails the whole transaction: each is
      // tried again alone, so the others still land and only that one fails.
      if (batch.length === 1) batch[0]?.reject(error);
      else for (const put of batch) await this.writeBatch([put]);
      return;
    }
    batch.forEach((put, i) => {
      const refusal = refusals[i];
      if (refusal) put.reject(refusal);
      else put.resolve();
    });
  }

  /**
   * Writes the puts in one transaction, each unless the store has it already or it does not
   * fit in what is left of the budget (in order); resolves, once committed, with each put's
   * refusal, if any.
   */
  private async writeTogether(batch: readonly QueuedPut[]): Promise<(StoreFullError | undefined)[]> {
    const tx = this.db.transaction(['shards', 'shardInfo', 'meta'], 'readwrite', RELAXED);
    // A failed request fails the transaction too: whichever is awaited first reports it.
    tx.done.catch(() => undefined);
    const info = tx.objectStore('shardInfo');
    const [used, ...known] = await Promise.all([tx.objectStore('meta').get('usedBytes'), ...batch.map((put) => info.getKey(put.id))]);
    let usedBytes = used ?? 0;
    const writing = new Set<string>();
    const requests: Promise<unknown>[] = [];
    const refusals = batch.map((put, i) => {
      if (known[i] !== undefined || writing.has(put.id)) return undefined;
      const free = this.budgetBytes - usedBytes;
      if (put.blob.size > free) return new StoreFullError(put.blob.size, free);
      writing.add(put.id);
      usedBytes += put.blob.size;
      requests.push(tx.objectStore('shards').put(put.blob, put.id), info.put({ id: put.id, bytes: put.blob.size }, put.id));
      return undefined;
    });
    if (writing.size > 0) requests.push(tx.objectStore('meta').put(usedBytes, 'usedBytes'));
    await Promise.all(requests);
    await tx.done;
    return refusals;
  }

  /** Drops a corrupt copy unless a good put replaced it while it was being checked. */
  private async dropIfUnchanged(id: string, corrupt: Uint8Array): Promise<void> {
    const current = await this.read(id);
    if (current && (await contentId(current)) === (await contentId(corrupt))) await this.delete(id);
  }
}
