import type { DatasetManifest } from '../catalog/manifest';
import type { NodeRecord } from '../catalog/node-record';
import type { StoreCapacity } from '../ports/shard-store';
import type { ReplicaMap } from '../placement/replica-map';

const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/**
 * What a node advertises about its room. It is full when the largest known shard no longer
 * fits, so placement stops sending it new replicas.
 */
export function capacityFields(capacity: StoreCapacity, manifests: readonly DatasetManifest[]): Pick<NodeRecord, 'capacityBytes' | 'usedBytes' | 'full'> {
  let largest = DEFAULT_SHARD_BYTES;
  for (const manifest of manifests) for (const shard of manifest.shards) largest = Math.max(largest, shard.bytes);
  return { capacityBytes: capacity.budgetBytes, usedBytes: capacity.usedBytes, full: capacity.budgetBytes - capacity.usedBytes < largest };
}

/** Bytes the live nodes can still take in all (advertised budgets less use; full, leaving and gone nodes excluded). */
export function freeBytesInSwarm(records: readonly NodeRecord[], isLive: (id: string) => boolean): number {
  let free = 0;
  for (const record of records) {
    if (record.left || record.leaving || record.full || !isLive(record.id)) continue;
    free += Math.max(0, record.capacityBytes - record.usedBytes);
  }
  return free;
}

/** Whether every shard a leaving node holds or staged has R counted copies elsewhere. */
export function handedOff(layout: ReplicaMap, self: string, shards: readonly string[], replicas: number): boolean {
  const selfIndex = layout.nodeNumber(self);
  const others = layout.status.filter((status, node) => node !== selfIndex && (status === 'active' || status === 'down')).length;
  const wanted = Math.min(replicas, others);
  return shards.every((id) => {
    const shard = layout.shardNumber(id);
    if (shard === undefined) return true;
    return (layout.holders[shard] ?? []).filter((node) => node !== selfIndex && layout.counts(node)).length >= wanted;
  });
}
