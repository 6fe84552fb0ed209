import type { Catalog } from '../catalog/catalog';
import type { DatasetManifest } from '../catalog/manifest';
import type { ReplicaMap } from '../placement/replica-map';

/** How well one dataset is replicated, as the UI shows it. */
export interface DatasetHealth {
  readonly id: string;
  readonly name: string;
  readonly shards: number;
  /** Shards with at least R counted copies. */
  readonly atTarget: number;
  /** Shards with some, but fewer than R, counted copies (or only a staged one). */
  readonly underTarget: number;
  /** Shards with no copy left anywhere. */
  readonly lost: number;
  /** The dataset's bytes (one copy). */
  readonly bytes: number;
  /** Copies the dataset should have (shards x R, or fewer while the swarm has fewer nodes). */
  readonly replicasWanted: number;
  /** Of those, copies confirmed: held and counted, at most R per shard. */
  readonly replicasConfirmed: number;
  /** Bytes of the confirmed copies, against `bytes` x R wanted: the replication progress. */
  readonly bytesConfirmed: number;
}

/** A dataset's health plus what this node is moving for it right now. */
export interface DatasetProgress extends DatasetHealth {
  /** Bytes this node has served of the dataset's shards (to replicas and readers). */
  readonly bytesSent: number;
  /** Verified bytes of the dataset's shards this node is pulling right now. */
  readonly bytesReceiving: number;
}

export function datasetHealth(manifests: readonly DatasetManifest[], layout: ReplicaMap, replicas: number): DatasetHealth[] {
  let counted = 0;
  for (let node = 0; node < layout.count; node++) if (layout.counts(node)) counted++;
  const wanted = Math.min(replicas, Math.max(counted, 1));
  return manifests
    .map((manifest) => {
      let atTarget = 0;
      let underTarget = 0;
      let lost = 0;
      let replicasConfirmed = 0;
      let bytesConfirmed = 0;
      for (const entry of manifest.shards) {
        const shard = layout.shardNumber(entry.id);
        const holders = shard === undefined ? [] : (layout.holders[shard] ?? []);
        const copies = holders.filter((node) => layout.counts(node)).length;
        const readable = holders.some((node) => layout.status[node] !== 'out') || (shard !== undefined && layout.staged.has(shard));
        replicasConfirmed += Math.min(copies, wanted);
        bytesConfirmed += Math.min(copies, wanted) * entry.bytes;
        if (copies >= wanted) atTarget++;
        else if (copies > 0 || readable) underTarget++;
        else lost++;
      }
      const replicasWanted = manifest.shards.length * wanted;
      return { id: manifest.id, name: manifest.name, shards: manifest.shards.length, atTarget, underTarget, lost, bytes: manifest.bytes, replicasWanted, replicasConfirmed, bytesConfirmed };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1));
}

/** Adds what this node is moving for each dataset: bytes it served, and verified bytes it is pulling now. */
export function withLocalProgress(
  health: readonly DatasetHealth[],
  catalog: Pick<Catalog, 'manifest'>,
  bytesServed: ReadonlyMap<string, number>,
  downloads: readonly { shard: string; received: number }[],
): DatasetProgress[] {
  const receiving = new Map(downloads.map((download) => [download.shard, download.received]));
  return health.map((dataset) => {
    let bytesSent = 0;
    let bytesReceiving = 0;
    for (const shard of catalog.manifest(dataset.id)?.shards ?? []) {
      bytesSent += bytesServed.get(shard.id) ?? 0;
      bytesReceiving += receiving.get(shard.id) ?? 0;
    }
    return { ...dataset, bytesSent, bytesReceiving };
  });
}
