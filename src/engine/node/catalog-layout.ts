import type { Catalog } from '../catalog/catalog';
import type { Membership } from '../membership/membership';
import { ReplicaMap, type NodeStatus } from '../placement/replica-map';

/**
 * The planner's view of the catalog as this node sees it: every known node with the status
 * its failure detector gives, every shard of every manifest, and who holds, stages and is
 * receiving what. `extraHolders` adds copies acknowledged to us that gossip has not yet shown.
 */
export function layoutFromCatalog(
  catalog: Catalog,
  membership: Membership,
  now: number,
  extraHolders: readonly { shard: string; node: string }[] = [],
): ReplicaMap {
  const map = new ReplicaMap();
  const records = catalog.allRecords().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const record of records) {
    if (record.left) continue;
    let status: NodeStatus = membership.placementStatus(record.id, now);
    if (record.leaving && status !== 'out') status = 'leaving';
    const node = map.upsertNode(record.id, record.host, Math.max(record.capacityBytes, 0), status);
    map.full[node] = record.full;
  }
  for (const manifest of catalog.allManifests().sort((a, b) => (a.id < b.id ? -1 : 1))) {
    for (const shard of manifest.shards) map.upsertShard(shard.id);
  }
  // A move's source and its replacement count as one copy until the source drops its own.
  // A source that has published the release holds a new copy if it lists the shard again.
  const released = new Set<string>();
  for (const record of records) for (const copy of record.released) released.add(`${copy.shard}|${record.id}|${copy.to}`);
  const replaced = new Set<string>();
  for (const record of records) {
    for (const copy of record.replacing) {
      if (record.holdings.includes(copy.shard) && !released.has(`${copy.shard}|${copy.source}|${record.id}`)) {
        replaced.add(`${copy.shard}|${copy.source}`);
      }
    }
  }
  for (const record of records) {
    const node = map.nodeNumber(record.id);
    if (node === undefined) continue;
    for (const id of record.holdings) {
      const shard = map.shardNumber(id);
      if (shard !== undefined && !replaced.has(`${id}|${record.id}`)) map.addHolder(shard, node);
    }
    for (const id of record.staged) {
      const shard = map.shardNumber(id);
      if (shard !== undefined && !map.staged.has(shard)) map.staged.set(shard, node);
    }
  }
  for (const { shard: id, node: nodeId } of extraHolders) {
    const shard = map.shardNumber(id);
    const node = map.nodeNumber(nodeId);
    if (shard !== undefined && node !== undefined) map.addHolder(shard, node);
  }
  for (const record of records) {
    const from = map.nodeNumber(record.id);
    if (from === undefined) continue;
    for (const copy of record.pending) {
      const shard = map.shardNumber(copy.shard);
      const to = map.nodeNumber(copy.to);
      if (shard === undefined || to === undefined || map.isHolderOrReceiving(shard, to)) continue;
      const releaseFrom = copy.releaseFrom === undefined ? undefined : map.nodeNumber(copy.releaseFrom);
      map.addPending(shard, { to, from, releaseFrom });
    }
  }
  return map;
}
