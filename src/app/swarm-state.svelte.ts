import { SwarmSession, type SessionSnapshot } from '../mesh/swarm-session';
import { swarmFromSearch } from '../mesh/swarm-protocols';
import type { QueryAnswer, QueryOptions } from '../workers/engine-api';
import type { VectorSearchRequest, VectorSearchResult } from '../workers/query/vector-search';

const REFRESH_MS = 500;
const DEFAULT_BUDGET_MIB = 512;
/** The budget a user set, per browser profile (its tabs share the disk). */
const BUDGET_KEY = 'tabswarm:budget-mib';
const MiB = 1024 * 1024;

/** The page's view of its swarm session, refreshed from the engine worker. */
export class SwarmState {
  snapshot = $state.raw<SessionSnapshot | undefined>(undefined);
  error = $state<string | undefined>(undefined);
  swarm = $state('default');
  /** Live peers (believed alive by the engine), for the peer list. */
  livePeers = $derived((this.snapshot?.peers ?? []).filter((peer) => peer.liveness === 'alive'));
  uploading = $state(false);
  uploadMessage = $state('');
  uploadError = $state('');
  /** What the user lends the swarm from this tab, MiB. */
  budgetMiB = $state(DEFAULT_BUDGET_MIB);
  private session: SwarmSession | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  async start(): Promise<void> {
    try {
      this.swarm = swarmFromSearch(location.search);
      const saved = Number(localStorage.getItem(BUDGET_KEY));
      if (Number.isFinite(saved) && saved >= 0 && localStorage.getItem(BUDGET_KEY) !== null) this.budgetMiB = saved;
      // `?gpu=off` keeps this tab's GPU out of vector work.
      const webGpu = !/[?&]gpu=off\b/.test(location.search);
      this.session = await SwarmSession.start({ swarm: this.swarm, origin: location.origin, budgetBytes: this.budgetMiB * MiB, webGpu });
      (globalThis as { tabswarm?: SwarmSession }).tabswarm = this.session;
      await this.refresh();
      this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
      // Tabs joining and leaving show at once, not at the next periodic refresh.
      this.session.watchLivePeers(() => void this.refresh());
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  /** Changes what this tab lends the swarm; kept for the next visit. */
  async setBudget(mib: number): Promise<void> {
    if (!this.session || !Number.isFinite(mib) || mib < 0) return;
    localStorage.setItem(BUDGET_KEY, String(mib));
    this.budgetMiB = mib;
    await this.session.setBudget(Math.round(mib * MiB));
    await this.refresh();
  }

  /** Reads, shards and publishes a file the user dropped or picked. */
  async upload(file: File): Promise<void> {
    if (!this.session) return;
    this.uploading = true;
    this.uploadMessage = '';
    this.uploadError = '';
    try {
      // `?shard-kib=` overrides the 4 MiB shard size (small shards make small files spread).
      const shardKiB = shardKiBFromSearch(location.search);
      const result = await this.session.ingest(file.name, await file.arrayBuffer(), shardKiB > 0 ? shardKiB * 1024 : undefined);
      this.uploadMessage = `${file.name}: ${result.rows} rows in ${result.shards} shards, replicating…`;
      await this.refresh();
    } catch (error) {
      this.uploadError = error instanceof Error ? error.message : String(error);
    } finally {
      this.uploading = false;
    }
  }

  /** Downloads a dataset from the swarm as Arrow or CSV. */
  async download(id: string, format: 'arrow' | 'csv' | 'parquet'): Promise<void> {
    if (!this.session) return;
    this.uploadError = '';
    try {
      const file = await this.session.exportDataset(id, format);
      const url = URL.createObjectURL(new Blob([file.bytes], { type: file.mimeType }));
      const link = document.createElement('a');
      link.href = url;
      link.download = file.fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      this.uploadError = error instanceof Error ? error.message : String(error);
    }
  }

  /** Runs a SELECT across the swarm. */
  query(sql: string, options?: QueryOptions): Promise<QueryAnswer> {
    if (!this.session) return Promise.reject(new Error('the tab has not joined the swarm yet'));
    return this.session.query(sql, options);
  }

  /** Top-k vector search across the swarm. */
  vectorSearch(request: VectorSearchRequest): Promise<VectorSearchResult> {
    if (!this.session) return Promise.reject(new Error('the tab has not joined the swarm yet'));
    return this.session.vectorSearch(request);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    void this.session?.stop();
  }

  private async refresh(): Promise<void> {
    if (!this.session) return;
    try {
      const snapshot = await this.session.snapshot();
      if (this.livePeerCount(snapshot) > 0 && !performance.getEntriesByName('tabswarm:first-peer').length) {
        performance.mark('tabswarm:first-peer');
      }
      this.snapshot = snapshot;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  private livePeerCount(snapshot: SessionSnapshot): number {
    return snapshot.peers.filter((peer) => peer.liveness === 'alive').length;
  }
}

/** The `?shard-kib=` override of the shard size, if any (not reactive: read once per upload). */
function shardKiBFromSearch(search: string): number {
  const match = /[?&]shard-kib=(\d+)/.exec(search);
  return match ? Number(match[1]) : 0;
}
