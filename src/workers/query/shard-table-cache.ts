/** Bytes of shards kept as DuckDB tables for queries (Arrow IPC size as the measure). */
export const SHARD_TABLE_CACHE_BYTES = 256 * 1024 * 1024;

/** Where cached shards live: tables of the worker's DuckDB (duckdb-shard-tables.ts), a fake in unit tests. */
export interface ShardTables {
  /** Makes `table` hold the rows of Arrow IPC `bytes` (replacing any table of that name). */
  load(table: string, bytes: Uint8Array): Promise<void>;
  drop(table: string): Promise<void>;
}

interface CachedShard {
  readonly table: string;
  readonly bytes: number;
  usedAt: number;
  /** Subqueries using the table right now: it is not dropped under them. */
  pins: number;
  /** Left the cache while pinned: dropped when the last user is done. */
  forgotten: boolean;
}

/** Tries to pin a shard that other loads keep evicting before it can be used. */
const PIN_ATTEMPTS = 3;

/**
 * Shards this tab queries, kept as tables in its DuckDB: its own copies, read from its store,
 * and copies of small datasets' shards it asks about, fetched from their holders (`warm`), so
 * that asking again runs here. Either way a shard's bytes are verified against its id and
 * loaded once, then serve every query until evicted, least recently used first, or deleted
 * from this tab; a table a subquery is using is never dropped under it. Shards are immutable
 * (content-addressed), so a cached table never goes stale.
 */
export class ShardTableCache {
  private readonly cached = new Map<string, CachedShard>();
  private readonly loading = new Map<string, Promise<void>>();
  private uses = 0;
  /** Shards queued to warm, and the queue's tail: warming fetches one shard at a time. */
  private readonly warming = new Set<string>();
  private warmed: Promise<void> = Promise.resolve();

  constructor(
    /** A shard's verified bytes: from this tab's store, or fetched from a holder. */
    private readonly read: (shard: string) => Promise<Uint8Array>,
    private readonly tables: ShardTables,
    private readonly limitBytes = SHARD_TABLE_CACHE_BYTES,
  ) {}

  /**
   * Runs `use` with the tables of `shards` (in their order), loading those not loaded yet; no
   * table is dropped while `use` runs. Rejects, without calling `use`, if a shard cannot be read.
   */
  async withTables<T>(shards: readonly string[], use: (tables: readonly string[]) => Promise<T>): Promise<T> {
    const pinned = await Promise.allSettled(shards.map((shard) => this.pin(shard)));
    const entries = pinned.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    try {
      const failed = pinned.find((outcome) => outcome.status === 'rejected');
      if (failed) throw failed.reason;
      return await use(entries.map((entry) => entry.table));
    } finally {
      for (const entry of entries) this.unpin(entry);
      await this.evict();
    }
  }

  /** Whether the shard is loaded here now. */
  has(shard: string): boolean {
    return this.cached.has(shard);
  }

  /**
   * Loads the shards not loaded yet, one after another in the background (a query runs
   * meanwhile as it would anyway); one that cannot be read is left out.
   */
  warm(shards: readonly string[]): Promise<void> {
    const missing = shards.filter((shard) => !this.cached.has(shard) && !this.loading.has(shard) && !this.warming.has(shard));
    for (const shard of missing) this.warming.add(shard);
    this.warmed = this.warmed.then(async () => {
      for (const shard of missing) {
        await this.withTables([shard], async () => undefined).catch(() => undefined);
        this.warming.delete(shard);
      }
    });
    return this.warmed;
  }

  /** Drops a shard's table (the shard left this tab), once no subquery uses it. */
  async forget(shard: string): Promise<void> {
    const known = this.cached.get(shard);
    if (!known) return;
    this.cached.delete(shard);
    if (known.pins > 0) known.forgotten = true;
    else await this.tables.drop(known.table);
  }

  private async pin(shard: string): Promise<CachedShard> {
    for (let attempt = 0; attempt < PIN_ATTEMPTS; attempt++) {
      const known = this.cached.get(shard);
      if (known) {
        known.pins++;
        known.usedAt = ++this.uses;
        return known;
      }
      let loading = this.loading.get(shard);
      if (!loading) {
        loading = this.load(shard).finally(() => this.loading.delete(shard));
        this.loading.set(shard, loading);
      }
      await loading;
    }
    throw new Error(`shard ${shard.slice(0, 12)} was evicted as soon as it was loaded ${PIN_ATTEMPTS} times: the query cache is too small`);
  }

  private unpin(entry: CachedShard): void {
    entry.pins--;
    if (entry.pins === 0 && entry.forgotten) void this.tables.drop(entry.table).catch(() => undefined);
  }

  private async load(shard: string): Promise<void> {
    const bytes = await this.read(shard);
    const table = `__shard_${shard.slice(0, 32)}`;
    await this.tables.load(table, bytes);
    this.cached.set(shard, { table, bytes: bytes.length, usedAt: ++this.uses, pins: 0, forgotten: false });
  }

  /** Least recently used tables out, none in use, until the cache fits its limit. */
  private async evict(): Promise<void> {
    let total = 0;
    for (const entry of this.cached.values()) total += entry.bytes;
    const byAge = [...this.cached.entries()].filter(([, entry]) => entry.pins === 0).sort((a, b) => a[1].usedAt - b[1].usedAt);
    const dropped: string[] = [];
    for (const [shard, entry] of byAge) {
      if (total <= this.limitBytes) break;
      this.cached.delete(shard);
      total -= entry.bytes;
      dropped.push(entry.table);
    }
    for (const table of dropped) await this.tables.drop(table).catch(() => undefined);
  }
}
