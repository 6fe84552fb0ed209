import type { DatasetManifest } from './manifest';
import { laterRecord, type NodeRecord } from './node-record';

/** A catalog as it travels: every manifest and every node record known. */
export interface CatalogSnapshot {
  readonly manifests: readonly DatasetManifest[];
  readonly records: readonly NodeRecord[];
}

/** What a merge brought that was not known before. */
export interface CatalogNews {
  readonly manifests: DatasetManifest[];
  readonly records: NodeRecord[];
}

/**
 * The replicated catalog, a state-based CRDT: manifests are a grow-only set keyed by content
 * id, node records a map of single-writer registers ordered by (incarnation, version).
 * Merging is commutative, associative and idempotent, so gossip may arrive in any order,
 * any number of times, and every node that has seen the same updates holds the same catalog.
 */
export class Catalog {
  private readonly manifests = new Map<string, DatasetManifest>();
  private readonly records = new Map<string, NodeRecord>();

  /** Adds manifests (already checked authentic) and newer records; returns what was new. */
  merge(snapshot: CatalogSnapshot): CatalogNews {
    const news: CatalogNews = { manifests: [], records: [] };
    for (const manifest of snapshot.manifests) {
      if (this.manifests.has(manifest.id)) continue;
      this.manifests.set(manifest.id, manifest);
      news.manifests.push(manifest);
    }
    for (const record of snapshot.records) {
      const known = this.records.get(record.id);
      const winner = known ? laterRecord(known, record) : record;
      if (winner === known) continue;
      this.records.set(record.id, winner);
      news.records.push(winner);
    }
    return news;
  }

  hasManifest(id: string): boolean {
    return this.manifests.has(id);
  }

  manifest(id: string): DatasetManifest | undefined {
    return this.manifests.get(id);
  }

  record(id: string): NodeRecord | undefined {
    return this.records.get(id);
  }

  allManifests(): DatasetManifest[] {
    return [...this.manifests.values()];
  }

  allRecords(): NodeRecord[] {
    return [...this.records.values()];
  }

  /** Everything, sorted by id so equal catalogs give equal snapshots. */
  snapshot(): CatalogSnapshot {
    return {
      manifests: [...this.manifests.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      records: [...this.records.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    };
  }
}

/** Merges snapshots into a fresh catalog's snapshot (the pure form the property tests check). */
export function mergeSnapshots(...snapshots: CatalogSnapshot[]): CatalogSnapshot {
  const catalog = new Catalog();
  for (const snapshot of snapshots) catalog.merge(snapshot);
  return catalog.snapshot();
}
