import { createManifest, type DatasetManifest, type ShardEntry } from '../../engine/catalog/manifest';
import { contentId } from '../../engine/content-id';
import { formatBytes } from '../../engine/format-bytes';
import { MAX_SHARD_BYTES } from '../../engine/node/messages';
import type { ShardStore } from '../../engine/ports/shard-store';
import { readDataset, UnreadableDatasetError } from './read-dataset';
import { shardTable } from './shard-table';

export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

export interface IngestRequest {
  readonly fileName: string;
  readonly bytes: Uint8Array;
  readonly uploader: string;
  readonly shardBytes: number;
  /** Bytes the swarm can still take in all, and the copies each shard needs. */
  readonly swarmFreeBytes: number;
  readonly replicas: number;
}

/**
 * A dropped file to a manifest whose shards are all staged in the local store. Nothing is
 * published here, and on any failure every shard this upload added is removed again: a
 * failed upload leaves nothing behind.
 */
export async function ingestDataset(request: IngestRequest, store: ShardStore): Promise<DatasetManifest> {
  // Shards come out at up to 1.5x the target, and a shard must fit one transfer.
  if (request.shardBytes > MAX_SHARD_BYTES / 2) throw new RangeError(`shard target ${formatBytes(request.shardBytes)} exceeds ${formatBytes(MAX_SHARD_BYTES / 2)}`);
  const table = await readDataset(request.fileName, request.bytes);
  const pieces = [...shardTable(table, request.shardBytes)];
  const oversized = pieces.find((piece) => piece.bytes.byteLength > MAX_SHARD_BYTES);
  if (oversized) {
    throw new UnreadableDatasetError(
      `${request.fileName} has a row (row ${oversized.firstRow + 1}) of ${formatBytes(oversized.bytes.byteLength)}, over the ${formatBytes(MAX_SHARD_BYTES)} a shard can hold`,
    );
  }
  const totalBytes = pieces.reduce((sum, piece) => sum + piece.bytes.byteLength, 0);
  if (totalBytes * request.replicas > request.swarmFreeBytes) {
    throw new UnreadableDatasetError(
      `${request.fileName} needs ${formatBytes(totalBytes * request.replicas)} for ${request.replicas} copies but the swarm has ` +
        `${formatBytes(request.swarmFreeBytes)} free; open more tabs or raise their storage budgets`,
    );
  }
  const added: string[] = [];
  try {
    const shards: ShardEntry[] = [];
    for (const piece of pieces) {
      const id = await contentId(piece.bytes);
      if (!(await store.has(id))) {
        await store.put(id, piece.bytes);
        added.push(id);
      }
      shards.push({ id, bytes: piece.bytes.byteLength, rows: piece.rows, firstRow: piece.firstRow, stats: piece.stats });
    }
    return await createManifest({
      name: request.fileName,
      columns: table.schema.fields.map((field) => ({ name: field.name, type: String(field.type) })),
      rows: table.numRows,
      bytes: totalBytes,
      shards,
      createdBy: request.uploader,
    });
  } catch (error) {
    await Promise.all(added.map((id) => store.delete(id).catch(() => undefined)));
    throw error;
  }
}
