import type { DatasetManifest } from '../engine/catalog/manifest';
import type { ManifestStore } from '../engine/ports/manifest-store';
import type { NodeDatabase } from './node-database';

/** Manifests in the node's IndexedDB database, beside its shards. */
export class IndexedDbManifestStore implements ManifestStore {
  constructor(private readonly db: NodeDatabase) {}

  async save(manifest: DatasetManifest): Promise<void> {
    const tx = this.db.transaction('manifests', 'readwrite');
    if ((await tx.store.getKey(manifest.id)) === undefined) await tx.store.put(manifest, manifest.id);
    await tx.done;
  }

  async list(): Promise<DatasetManifest[]> {
    return this.db.getAll('manifests');
  }
}
