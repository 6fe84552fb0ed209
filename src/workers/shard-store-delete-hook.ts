import type { ShardStore } from '../engine/ports/shard-store';

/**
 * The store, with `afterDelete` called once each delete is done: a tab's caches of shard data
 * (its DuckDB tables for queries) let go of a shard as soon as the shard leaves the tab. A
 * failing hook never fails the delete.
 */
export function withDeleteHook(inner: ShardStore, afterDelete: (shard: string) => Promise<void>): ShardStore {
  return {
    put: (id, bytes) => inner.put(id, bytes),
    get: (id) => inner.get(id),
    has: (id) => inner.has(id),
    delete: async (id) => {
      await inner.delete(id);
      await afterDelete(id).catch(() => undefined);
    },
    list: () => inner.list(),
    capacity: () => inner.capacity(),
  };
}
