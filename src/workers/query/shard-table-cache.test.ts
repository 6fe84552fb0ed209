import { describe, expect, it } from 'vitest';
import { ShardTableCache, type ShardTables } from './shard-table-cache';

const shard = (n: number): string => n.toString(16).padStart(64, '0');
const KiB = 1024;

/** Tables as a map, with a log of what was loaded and dropped. */
function fakeTables(): ShardTables & { readonly live: Map<string, number>; readonly log: string[] } {
  const live = new Map<string, number>();
  const log: string[] = [];
  return {
    live,
    log,
    load: async (table, bytes) => {
      live.set(table, bytes.length);
      log.push(`load ${table.slice(-2)}`);
    },
    drop: async (table) => {
      live.delete(table);
      log.push(`drop ${table.slice(-2)}`);
    },
  };
}

/** Reads give 1 KiB per shard (2 KiB for shard 9); shard 13 cannot be read. Counts reads per shard. */
function fakeReads(): { read: (id: string) => Promise<Uint8Array>; readonly reads: Map<string, number> } {
  const reads = new Map<string, number>();
  return {
    reads,
    read: async (id) => {
      reads.set(id, (reads.get(id) ?? 0) + 1);
      if (id === shard(13)) throw new Error('corrupt copy');
      return new Uint8Array(id === shard(9) ? 2 * KiB : KiB);
    },
  };
}

describe('ShardTableCache', () => {
  it('loads a shard once and serves later queries from its table, in the order asked', async () => {
    const tables = fakeTables();
    const { read, reads } = fakeReads();
    const cache = new ShardTableCache(read, tables, 10 * KiB);
    const first = await cache.withTables([shard(1), shard(2)], async (names) => names);
    const again = await cache.withTables([shard(2), shard(1)], async (names) => names);
    expect(again).toEqual([first[1], first[0]]);
    expect([...reads.values()]).toEqual([1, 1]);
    expect(cache.has(shard(1)) && cache.has(shard(2)) && !cache.has(shard(3))).toBe(true);
  });

  it('evicts the least recently used tables beyond its limit, never one in use', async () => {
    const tables = fakeTables();
    const { read, reads } = fakeReads();
    const cache = new ShardTableCache(read, tables, 2 * KiB);
    // Shard 1 stays in use while 2 and 3 are loaded and used.
    let release = (): void => undefined;
    const held = cache.withTables([shard(1)], () => new Promise<void>((resolve) => (release = resolve)));
    await cache.withTables([shard(2)], async () => undefined);
    await cache.withTables([shard(3)], async () => undefined);
    // Over the limit (3 KiB): 2, the oldest table not in use, went; 1 stayed under its user.
    expect(cache.has(shard(1)) && !cache.has(shard(2)) && cache.has(shard(3))).toBe(true);
    release();
    await held;
    await cache.withTables([shard(2)], async () => undefined);
    // 2 comes back by a second read; 1 (done with, older than 3) makes room for it.
    expect(reads.get(shard(2))).toBe(2);
    expect(cache.has(shard(1))).toBe(false);
    expect([...tables.live.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2 * KiB);
  });

  it('drops a forgotten table at once, or when its last user is done', async () => {
    const tables = fakeTables();
    const { read } = fakeReads();
    const cache = new ShardTableCache(read, tables);
    await cache.withTables([shard(1)], async () => undefined);
    await cache.forget(shard(1));
    expect(tables.live.size).toBe(0);
    let during = -1;
    await cache.withTables([shard(2)], async () => {
      await cache.forget(shard(2));
      during = tables.live.size;
    });
    await Promise.resolve();
    expect(during).toBe(1);
    expect(tables.live.size).toBe(0);
    expect(cache.has(shard(2))).toBe(false);
  });

  it('fails a use whose shard cannot be read, without calling it, and keeps the others usable', async () => {
    const tables = fakeTables();
    const { read } = fakeReads();
    const cache = new ShardTableCache(read, tables, 2 * KiB);
    let called = false;
    await expect(
      cache.withTables([shard(1), shard(13)], async () => {
        called = true;
      }),
    ).rejects.toThrow('corrupt copy');
    expect(called).toBe(false);
    // Shard 1 was released: a bigger shard can push it out.
    await cache.withTables([shard(9)], async () => undefined);
    expect(cache.has(shard(1))).toBe(false);
  });

  it('warms shards in the background, one read each, skipping those it cannot read', async () => {
    const tables = fakeTables();
    const { read, reads } = fakeReads();
    const cache = new ShardTableCache(read, tables);
    await Promise.all([cache.warm([shard(1), shard(13), shard(2)]), cache.warm([shard(2), shard(3)])]);
    expect([shard(1), shard(2), shard(3)].map((id) => cache.has(id))).toEqual([true, true, true]);
    expect(cache.has(shard(13))).toBe(false);
    expect([shard(1), shard(2), shard(3)].map((id) => reads.get(id))).toEqual([1, 1, 1]);
    expect(tables.log.filter((line) => line.startsWith('load'))).toHaveLength(3);
  });
});
