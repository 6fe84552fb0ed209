import { duckDb } from '../ingest/duckdb-instance';

/** Bytes of shards kept as DuckDB tables for queries (Arrow IPC size as the measure). */
export const SHARD_TABLE_CACHE_BYTES = 256 * 1024 * 1024;

interface CachedShard {
  readonly table: string;
  readonly bytes: number;
  usedAt: number;
}

/**
 * Shards this tab queries, kept as tables in its DuckDB: its own copies, read from its store,
 * and copies of small datasets' shards it asks about, fetched from their holders (`warm`), so
 * that asking again runs here. Either way a shard's bytes are verified against its id and
 * loaded once, then serve every query until evicted, least recently used first, or deleted
 * from this tab. Shards are immutable (content-addressed), so a cached table never goes stale.
 */
export class ShardTableCache {
  private readonly cached = new Map<string, CachedShard>();
  private readonly loading = new Map<string, Promise<string>>();
  private uses = 0;
  /** Shards queued to warm, and the queue's tail: warming fetches one shard at a time. */
  private readonly warming = new Set<string>();
  private warmed: Promise<void> = Promise.resolve();

  constructor(
    /** A shard's verified bytes: from this tab's store, or fetched from a holder. */
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

  /** Whether the shard is loaded here now. */
  has(shard: string): boolean {
    return this.cached.has(shard);
  }

  /**
   * Loads the shards not loaded yet, one after another in the background (a query runs
   * meanwhile as it would anyway); one that cannot be read is left out.
   */
  warm(shards: readonly string[]): void {
    const missing = shards.filter((shard) => !this.cached.has(shard) && !this.loading.has(shard) && !this.warming.has(shard));
    for (const shard of missing) this.warming.add(shard);
    this.warmed = this.warmed.then(async () => {
      for (const shard of missing) {
        await this.tableFor(shard).catch(() => undefined);
        this.warming.delete(shard);
      }
    });
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
