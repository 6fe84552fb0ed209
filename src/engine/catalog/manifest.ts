import { contentId } from '../content-id';
import { canonicalJson } from './canonical-json';

/** Smallest and largest value and null count of one column within one shard: what the query planner prunes by. */
export interface ColumnStats {
  readonly min: string | number | boolean | null;
  readonly max: string | number | boolean | null;
  readonly nulls: number;
}

/** One shard of a dataset: a contiguous row range, stored as Arrow IPC bytes under their content id. */
export interface ShardEntry {
  readonly id: string;
  readonly bytes: number;
  readonly rows: number;
  readonly firstRow: number;
  readonly stats: Readonly<Record<string, ColumnStats>>;
}

export interface ColumnSchema {
  readonly name: string;
  readonly type: string;
}

/** Everything about a dataset except its id. */
export interface DatasetManifestBody {
  readonly name: string;
  readonly columns: readonly ColumnSchema[];
  readonly rows: number;
  readonly bytes: number;
  readonly shards: readonly ShardEntry[];
  /** Node that uploaded it. */
  readonly createdBy: string;
}

/**
 * An immutable, content-addressed dataset description: its id is the SHA-256 of the
 * canonical JSON of its body, so any node can check a manifest it is sent, and two uploads
 * of the same data by the same node are the same dataset.
 */
export interface DatasetManifest extends DatasetManifestBody {
  readonly id: string;
}

/** Builds a manifest and its id. */
export async function createManifest(body: DatasetManifestBody): Promise<DatasetManifest> {
  const id = await contentId(new TextEncoder().encode(canonicalJson(body)));
  return { ...body, id };
}

/** Whether a manifest's id matches its body (a peer cannot forge or alter one). */
export async function manifestIsAuthentic(manifest: DatasetManifest): Promise<boolean> {
  const { id, ...body } = manifest;
  return id === (await contentId(new TextEncoder().encode(canonicalJson(body))));
}
