import { describe, expect, it } from 'vitest';
import { contentId } from '../engine/content-id';
import { MemoryShardStore } from '../engine/testing/memory-shard-store';
import { runShardStoreContract } from '../engine/testing/shard-store-contract';
import { withDeleteHook } from './shard-store-delete-hook';

// The decorated store is still a store: it passes the port's contract (its inner store does the
// work), and it tells the hook about each delete, after the delete, without failing on the hook.
runShardStoreContract(
  'a store with a delete hook',
  async ({ budgetBytes }) => {
    const inner = new MemoryShardStore({ budgetBytes });
    return { store: withDeleteHook(inner, async () => undefined), corrupt: async (id) => inner.corruptForTest(id) };
  },
  { describe, it },
);

describe('withDeleteHook', () => {
  it('calls the hook once the shard is gone, and a failing hook does not fail the delete', async () => {
    const inner = new MemoryShardStore({ budgetBytes: 1_000 });
    const seen: [string, boolean][] = [];
    const store = withDeleteHook(inner, async (shard) => {
      seen.push([shard, await inner.has(shard)]);
      throw new Error('cache is gone');
    });
    const bytes = Uint8Array.of(1, 2, 3);
    const id = await contentId(bytes);
    await store.put(id, bytes);
    await expect(store.delete(id)).resolves.toBeUndefined();
    expect(seen).toEqual([[id, false]]);
  });
});
