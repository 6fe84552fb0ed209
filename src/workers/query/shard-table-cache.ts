import { duckDb } from '../ingest/duckdb-instance';

/** Bytes of shards kept as DuckDB tables for queries (Arrow IPC size as the measure). */
export const SHARD_TABLE_CACHE_BYTES = 256 * 1024 * 1024;

interface CachedShard {
  readonly table: string;
  readonly bytes: number;
  usedAt: number;
}

/**
 * Shards a holder has queried, kept as tables in its DuckDB: a shard is read from the store
 * (verified against its id) and loaded once, then serves every query until it is evicted,
 * least recently used first, or deleted from this tab. Shards are immutable (content-addressed),
 * so a cached table never goes stale.
 */
export class ShardTableCache {
  private readonly cached = new Map<string, CachedShard>();
  private readonly loading = new Map<string, Promise<string>>();
  private uses = 0;

  constructor(
    private readonly read: (shard: string) => Promise<Uint8Array>,
    private readonly limitBytes = SHARD_TABLE_CACHE_BYTES,
  ) {}

  /** The DuckDB table holding the shard's rows, loading it first if needed. */
  async tableFor(shard: string): Promise<string> {
    const known = this.cached.get(shard);
    if (known) {
      known.usedAt = ++this.uses;
      return known.table;
    }
    let loading = this.loading.get(shard);
    if (!loading) {
      loading = this.load(shard).finally(() => this.loading.delete(shard));
      this.loading.set(shard, loading);
    }
    return loading;
  }

  /** Drops a shard's table (the shard left this tab). */
  async forget(shard: string): Promise<void> {
    const known = this.cached.get(shard);
    if (!known) return;
    this.cached.delete(shard);
    await this.drop(known.table);
  }

  private async load(shard: string): Promise<string> {
    const bytes = await this.read(shard);
    const table = `__shard_${shard.slice(0, 32)}`;
    const db = await duckDb();
    const connection = await db.connect();
    try {
      await connection.query(`DROP TABLE IF EXISTS ${table}`);
      await connection.insertArrowFromIPCStream(bytes.slice(), { name: table, create: true });
    } finally {
      await connection.close();
    }
    this.cached.set(shard, { table, bytes: bytes.length, usedAt: ++this.uses });
    await this.evict(shard);
    return table;
  }

  private async evict(keep: string): Promise<void> {
    let total = 0;
    for (const entry of this.cached.values()) total += entry.bytes;
    const byAge = [...this.cached.entries()].sort((a, b) => a[1].usedAt - b[1].usedAt);
    for (const [shard, entry] of byAge) {
      if (total <= this.limitBytes) break;
      if (shard === keep) continue;
      this.cached.delete(shard);
      total -= entry.bytes;
      await this.drop(entry.table);
    }
  }

  private async drop(table: string): Promise<void> {
    const db = await duckDb();
    const connection = await db.connect();
    await connection.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await connection.close();
  }
}
