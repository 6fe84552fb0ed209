import type { DatasetManifest } from '../catalog/manifest';
import type { ManifestStore } from '../ports/manifest-store';

/** Manifests in memory, for engine tests; copies in and out like a real store would. */
export class MemoryManifestStore implements ManifestStore {
  private readonly manifests = new Map<string, string>();

  async save(manifest: DatasetManifest): Promise<void> {
    if (!this.manifests.has(manifest.id)) this.manifests.set(manifest.id, JSON.stringify(manifest));
  }

  async list(): Promise<DatasetManifest[]> {
    return [...this.manifests.values()].map((json) => JSON.parse(json) as DatasetManifest);
  }
}
