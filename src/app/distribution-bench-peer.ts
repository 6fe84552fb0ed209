// A distribution benchmark peer (`npm run bench -- distribution` drives several): a full tab
// (engine worker, IndexedDB, DuckDB-Wasm, libp2p mesh) without the UI, plus the baselines the
// benchmark compares it with in the same page: a raw RTCDataChannel, DuckDB-Wasm reading a file
// alone, and an IndexedDB shard store written and read directly.
import { benchPeerConnections } from './bench-peer-connections';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { contentId } from '../engine/content-id';
import { SeededRandom } from '../engine/testing/seeded-random';
import { SwarmSession } from '../mesh/swarm-session';
import { IndexedDbShardStore } from '../workers/indexeddb-shard-store';
import { duckDb } from '../workers/ingest/duckdb-instance';
import { RawChannelBaseline } from './raw-channel-baseline';

const query = new URLSearchParams(location.search);
const files = new Map<string, Uint8Array>();
// Frames can arrive as soon as the session starts, before the baseline exists.
const baselineRef: { current?: RawChannelBaseline } = {};
const session = await SwarmSession.start({
  swarm: query.get('swarm') ?? 'distribution-bench',
  origin: location.origin,
  budgetBytes: 4 * 1024 ** 3,
  interceptFrame: (from, bytes) => baselineRef.current?.handle(from, bytes) ?? false,
});
baselineRef.current = new RawChannelBaseline(session.mesh);

/** A seeded table of `rows` rows: ids, a float, a category string, a timestamp-like integer. */
function columns(seed: number, rows: number): { id: Int32Array; value: Float64Array; category: string[]; at: Float64Array } {
  const random = new SeededRandom(seed);
  const categories = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
  return {
    id: Int32Array.from({ length: rows }, (_, i) => i),
    value: Float64Array.from({ length: rows }, () => Math.round(random.next() * 1e6) / 100),
    category: Array.from({ length: rows }, () => categories[random.int(categories.length)] ?? 'alpha'),
    at: Float64Array.from({ length: rows }, (_, i) => 1_700_000_000 + i * 7),
  };
}

// The page's long tasks (over 50 ms): a page busy that long delivers no data channel messages
// meanwhile, which the sending tab sees as a link gone silent.
const longTasks: number[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) longTasks.push(entry.duration);
}).observe({ type: 'longtask' });

const api = {
  self: () => session.identity.peerId,
  /** Packets Chromium discarded on send over all of this page's peer connections, and those connections' packets sent. */
  async discardedOnSend(): Promise<{ discarded: number; sent: number }> {
    let discarded = 0;
    let sent = 0;
    for (const connection of benchPeerConnections) {
      if (connection.connectionState === 'closed') continue;
      const stats = await connection.getStats().catch(() => undefined);
      stats?.forEach((report: { type: string; packetsDiscardedOnSend?: number; packetsSent?: number }) => {
        if (report.type !== 'candidate-pair') return;
        discarded += report.packetsDiscardedOnSend ?? 0;
        sent += report.packetsSent ?? 0;
      });
    }
    return { discarded, sent };
  },
  /** Durations (ms) of the page's long tasks since the last call. */
  takeLongTasks: (): number[] => longTasks.splice(0),
  snapshot: () => session.snapshot(),
  /** The baseline link rate to `peer`, MB/s. */
  rawGoodput: (peer: string, total: number) => baselineRef.current?.goodput(peer, total) ?? Promise.reject(new Error('no baseline')),
  /** Makes a CSV file of `rows` seeded rows in the page; returns its size. */
  makeCsv(name: string, seed: number, rows: number): number {
    const { id, value, category, at } = columns(seed, rows);
    // Encoded a few thousand lines at a time: one string of the whole file would leave tens of
    // megabytes of garbage in the page's heap, collected during whatever is measured next.
    const encoder = new TextEncoder();
    let bytes = new Uint8Array(64 * 1024 + rows * 48);
    let length = encoder.encodeInto('id,value,category,at\n', bytes).written;
    for (let from = 0; from < rows; from += 4096) {
      let chunk = '';
      for (let i = from; i < Math.min(rows, from + 4096); i++) chunk += `${id[i]},${value[i]},${category[i]},${at[i]}\n`;
      if (bytes.length - length < chunk.length * 3) {
        const grown = new Uint8Array(bytes.length * 2 + chunk.length * 3);
        grown.set(bytes.subarray(0, length));
        bytes = grown;
      }
      length += encoder.encodeInto(chunk, bytes.subarray(length)).written;
    }
    const file = bytes.slice(0, length);
    files.set(name, file);
    return file.length;
  },
  /** Makes an Arrow IPC file of `rows` seeded rows in the page; returns its size. */
  makeArrow(name: string, seed: number, rows: number): number {
    const bytes = tableToIPC(tableFromArrays(columns(seed, rows)), 'file');
    files.set(name, bytes);
    return bytes.length;
  },
  /**
   * Makes an Arrow IPC file that does not deflate (random full-precision floats and random
   * integers: what a table of measurements with no repeats looks like); returns its size.
   */
  makeIncompressibleArrow(name: string, seed: number, rows: number): number {
    const random = new SeededRandom(seed);
    const table = tableFromArrays({
      x: Float64Array.from({ length: rows }, () => random.next()),
      y: Float64Array.from({ length: rows }, () => random.next() * 1e9),
      n: Int32Array.from({ length: rows }, () => random.int(2 ** 31)),
    });
    const bytes = tableToIPC(table, 'file');
    files.set(name, bytes);
    return bytes.length;
  },
  /** The baseline: DuckDB-Wasm reading the CSV file alone into one Arrow table, as a plain DuckDB user would; ms. */
  async readAlone(name: string): Promise<number> {
    const bytes = fileBytes(name).slice();
    const started = performance.now();
    const db = await duckDb();
    await db.registerFileBuffer(name, bytes);
    const connection = await db.connect();
    const table = await connection.query(`SELECT * FROM read_csv_auto('${name}')`);
    await connection.close();
    await db.dropFile(name);
    if (table.numRows === 0) throw new Error(`${name} read as empty`);
    return performance.now() - started;
  },
  /** The whole upload, as a drop does it: read, shard, hash, stage, publish; ms and the dataset. */
  async ingest(name: string, shardBytes?: number): Promise<{ ms: number; id: string; shards: number; rows: number }> {
    const bytes = fileBytes(name).slice();
    const started = performance.now();
    const result = await session.ingest(name, bytes.buffer, shardBytes);
    return { ms: performance.now() - started, ...result };
  },
  /**
   * Writes `count` shards of `size` random bytes to a fresh IndexedDB shard store, then reads
   * them back, `concurrency` at a time (the engine runs that many transfers, each storing or
   * reading its own shard); ms each way.
   */
  async storeThroughput(count: number, size: number, concurrency: number): Promise<{ writeMs: number; readMs: number }> {
    const name = `tabswarm-store-bench-${Date.now()}`;
    const store = await IndexedDbShardStore.open(name, count * size * 2);
    const shards = await Promise.all(
      Array.from({ length: count }, async () => {
        const bytes = new Uint8Array(size);
        for (let offset = 0; offset < size; offset += 65_536) crypto.getRandomValues(bytes.subarray(offset, offset + 65_536));
        return { id: await contentId(bytes), bytes };
      }),
    );
    const inTurns = async (work: (shard: { id: string; bytes: Uint8Array }) => Promise<void>): Promise<number> => {
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < shards.length) {
            const shard = shards[next++];
            if (shard) await work(shard);
          }
        }),
      );
      return performance.now() - started;
    };
    const writeMs = await inTurns((shard) => store.put(shard.id, shard.bytes));
    const readMs = await inTurns(async (shard) => {
      if ((await store.get(shard.id)).length !== size) throw new Error('short read');
    });
    store.close();
    indexedDB.deleteDatabase(name);
    return { writeMs, readMs };
  },
  stop: () => session.stop(),
};

function fileBytes(name: string): Uint8Array {
  const bytes = files.get(name);
  if (!bytes) throw new Error(`no file ${name} was made in this page`);
  return bytes;
}

(globalThis as { distributionBench?: typeof api }).distributionBench = api;
const status = document.getElementById('status');
if (status) status.textContent = `ready: ${session.identity.peerId}`;
