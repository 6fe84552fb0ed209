import { describe, expect, it } from 'vitest';
import { contentId, verifyContentId } from '../content-id';
import { ShardNotFoundError, StoreFullError } from '../errors';
import { MemoryShardStore } from './memory-shard-store';
import { runShardStoreContract, shardStoreContractCases, type ShardStoreSubject } from './shard-store-contract';

function memorySubject(budgetBytes: number): ShardStoreSubject {
  const store = new MemoryShardStore({ budgetBytes });
  return { store, corrupt: async (id) => store.corruptForTest(id) };
}

runShardStoreContract('MemoryShardStore', async ({ budgetBytes }) => memorySubject(budgetBytes), { describe, it });

/** A store that keeps every promise of the port but one, to prove the contract notices. */
class FlawedStore extends MemoryShardStore {
  constructor(
    budgetBytes: number,
    private readonly flaw: 'trusts-what-it-stored' | 'hands-out-its-buffer',
  ) {
    super({ budgetBytes });
  }

  override async get(id: string): Promise<Uint8Array> {
    const stored = this.shards.get(id);
    if (stored === undefined) throw new ShardNotFoundError(id);
    if (this.flaw === 'trusts-what-it-stored') return stored.slice();
    try {
      await verifyContentId(id, stored);
    } catch (error) {
      await this.delete(id);
      throw error;
    }
    return stored;
  }
}

/** Names of the contract cases a store fails. */
async function failingCases(make: (budgetBytes: number) => ShardStoreSubject): Promise<string[]> {
  const failed: string[] = [];
  for (const contractCase of shardStoreContractCases) {
    await contractCase.run(make(contractCase.budgetBytes)).catch(() => failed.push(contractCase.name));
  }
  return failed;
}

function flawedSubject(flaw: ConstructorParameters<typeof FlawedStore>[1]) {
  return (budgetBytes: number): ShardStoreSubject => {
    const store = new FlawedStore(budgetBytes, flaw);
    return { store, corrupt: async (id) => store.corruptForTest(id) };
  };
}

describe('the ShardStore contract can fail', () => {
  const corruptCase = shardStoreContractCases.find((c) => c.name.includes('corrupted stored copy'));

  it('rejects a store whose get skips verification, on the corrupt-copy case', async () => {
    expect(corruptCase).toBeDefined();
    const subject = flawedSubject('trusts-what-it-stored')(corruptCase?.budgetBytes ?? 0);
    await expect(corruptCase?.run(subject)).rejects.toThrow(/ShardStore contract: get of a corrupted shard should reject/);
  });

  it('fails only the corrupt-copy case for that store, so the other cases do not mask it', async () => {
    expect(await failingCases(flawedSubject('trusts-what-it-stored'))).toEqual([corruptCase?.name]);
  });

  it('fails only the copy case for a store that hands out its own buffer', async () => {
    expect(await failingCases(flawedSubject('hands-out-its-buffer'))).toEqual([
      'bytes are copied in and out: mutating buffers changes nothing stored',
    ]);
  });

  it('passes every case with MemoryShardStore, run directly as a browser runner would', async () => {
    expect(await failingCases(memorySubject)).toEqual([]);
  });

  it('has at least 10 cases with distinct names', () => {
    const names = shardStoreContractCases.map((c) => c.name);
    expect(names.length).toBeGreaterThanOrEqual(10);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('MemoryShardStore', () => {
  it('says how much was needed and free when full', async () => {
    const store = new MemoryShardStore({ budgetBytes: 10 });
    const bytes = new Uint8Array(11);
    const error = await store.put(await contentId(bytes), bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreFullError);
    expect(error).toMatchObject({ needed: 11, free: 10 });
  });

  it('keeps a fresh copy put while a corrupt one was being verified', async () => {
    const store = new MemoryShardStore({ budgetBytes: 1000 });
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const id = await contentId(bytes);
    await store.put(id, bytes);
    store.corruptForTest(id);
    const refused = store.get(id).catch((error: unknown) => error);
    await store.delete(id);
    await store.put(id, bytes);
    expect(await refused).toMatchObject({ name: 'ContentMismatchError' });
    expect(await store.get(id)).toEqual(bytes);
    expect((await store.capacity()).usedBytes).toBe(4);
  });

  it('corruptForTest refuses absent and empty shards', async () => {
    const store = new MemoryShardStore({ budgetBytes: 1000 });
    const empty = new Uint8Array(0);
    const id = await contentId(empty);
    expect(() => store.corruptForTest(id)).toThrow(ShardNotFoundError);
    await store.put(id, empty);
    expect(() => store.corruptForTest(id)).toThrow(RangeError);
  });

  it('refuses a negative or non-finite budget', () => {
    expect(() => new MemoryShardStore({ budgetBytes: -1 })).toThrow(RangeError);
    expect(() => new MemoryShardStore({ budgetBytes: Number.NaN })).toThrow(RangeError);
  });
});
