import type { DatasetManifest } from '../catalog/manifest';

/**
 * Where a node keeps the dataset manifests it knows, so that a swarm whose tabs all reload
 * still knows its datasets (gossip alone would lose them). Manifests are saved only after
 * their content id was checked.
 */
export interface ManifestStore {
  /** Saves a manifest; saving one already held is a no-op. */
  save(manifest: DatasetManifest): Promise<void>;
  /** Every manifest saved here. */
  list(): Promise<DatasetManifest[]>;
}
