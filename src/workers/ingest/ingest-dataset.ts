import type { Table } from 'apache-arrow';
import { createManifest, type DatasetManifest, type ShardEntry } from '../../engine/catalog/manifest';
import { identify } from '../../engine/content-id';
import { formatBytes } from '../../engine/format-bytes';
import { MAX_SHARD_BYTES } from '../../engine/node/messages';
import type { ShardStore } from '../../engine/ports/shard-store';
import { readDataset, UnreadableDatasetError } from './read-dataset';
import { shardTable, type TableShard } from './shard-table';

export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;
/** Store writes kept in flight while the next shards are made: IndexedDB works on its own thread. */
const WRITES_IN_FLIGHT = 4;

export interface IngestRequest {
  readonly fileName: string;
  readonly bytes: Uint8Array;
  readonly uploader: string;
  readonly shardBytes: number;
  /** Bytes the swarm can still take in all, and the copies each shard needs. */
  readonly swarmFreeBytes: number;
  readonly replicas: number;
  /** Told of each new shard as it is written to the store (its bytes are marked verified; never change them). */
  readonly staged?: (id: string, bytes: Uint8Array) => void;
}

/**
 * A dropped file to a manifest whose shards are all staged in the local store. Each part the
 * reader produces is cut into shards (its short last shard waits for the next part's rows, so
 * every shard but the dataset's last is near the target), and shards are hashed and written
 * while the reader reads on. Nothing is published here, and on any failure every shard this
 * upload added is removed again: a failed upload leaves nothing behind.
 */
export async function ingestDataset(request: IngestRequest, store: ShardStore): Promise<DatasetManifest> {
  // Shards come out at up to 1.5x the target, and a shard must fit one transfer.
  if (request.shardBytes > MAX_SHARD_BYTES / 2) throw new RangeError(`shard target ${formatBytes(request.shardBytes)} exceeds ${formatBytes(MAX_SHARD_BYTES / 2)}`);
  // Shards the store already has (a re-upload adds nothing twice), read while DuckDB starts on the file.
  const existing = store.list().then((stored) => new Set(stored.map((shard) => shard.id)));
  existing.catch(() => undefined);
  const added: string[] = [];
  const writes: Promise<void>[] = [];
  try {
    const shards: ShardEntry[] = [];
    let schemaOf: Table | undefined;
    let rows = 0;
    let totalBytes = 0;
    let carried: Table | undefined;
    const stage = async (piece: TableShard): Promise<void> => {
      if (piece.bytes.byteLength > MAX_SHARD_BYTES) {
        throw new UnreadableDatasetError(
          `${request.fileName} has a row (row ${rows + piece.firstRow + 1}) of ${formatBytes(piece.bytes.byteLength)}, over the ${formatBytes(MAX_SHARD_BYTES)} a shard can hold`,
        );
      }
      totalBytes += piece.bytes.byteLength;
      if (totalBytes * request.replicas > request.swarmFreeBytes) {
        throw new UnreadableDatasetError(
          `${request.fileName} needs more than ${formatBytes(totalBytes * request.replicas)} for ${request.replicas} copies but the swarm has ` +
            `${formatBytes(request.swarmFreeBytes)} free; open more tabs or raise their storage budgets`,
        );
      }
      const id = await identify(piece.bytes);
      shards.push({ id, bytes: piece.bytes.byteLength, rows: piece.rows, firstRow: rows + piece.firstRow, stats: piece.stats });
      if ((await existing).has(id) || added.includes(id)) return;
      added.push(id);
      if (writes.length >= WRITES_IN_FLIGHT) await writes.shift();
      writes.push(store.put(id, piece.bytes));
      request.staged?.(id, piece.bytes);
    };
    // readDataset reads the next part while this one is staged.
    for (const parts = readDataset(request.fileName, request.bytes, request.shardBytes); ; ) {
      const part: IteratorResult<Table> = await parts.next();
      if (!part.done) schemaOf ??= part.value;
      const rowsNow = part.done ? carried : carried ? carried.concat(part.value) : part.value;
      carried = undefined;
      if (rowsNow) {
        // A part's last shard is short unless it is the dataset's last: its rows join the next part.
        const cutter = shardTable(rowsNow, request.shardBytes, !part.done);
        let cut = 0;
        for (let piece = cutter.next(); ; piece = cutter.next()) {
          if (piece.done) {
            if (piece.value < rowsNow.numRows) carried = rowsNow.slice(piece.value);
            break;
          }
          await stage(piece.value);
          cut += piece.value.rows;
        }
        rows += cut;
      }
      if (part.done) break;
    }
    await Promise.all(writes.splice(0));
    if (!schemaOf) throw new UnreadableDatasetError(`${request.fileName} has no rows`);
    return await createManifest({
      name: request.fileName,
      columns: schemaOf.schema.fields.map((field) => ({ name: field.name, type: String(field.type) })),
      rows,
      bytes: totalBytes,
      shards,
      createdBy: request.uploader,
    });
  } catch (error) {
    await Promise.allSettled(writes);
    await Promise.all(added.map((id) => store.delete(id).catch(() => undefined)));
    throw error;
  }
}
