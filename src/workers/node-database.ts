import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { DatasetManifest } from '../engine/catalog/manifest';
import type { StoredShardInfo } from '../engine/ports/shard-store';

/** One IndexedDB database per node id: its shards, their sizes, usage, and known manifests. */
export interface NodeDatabaseSchema extends DBSchema {
  /**
   * Shard bytes by content id, as a Blob: Chromium's IndexedDB writes a Blob faster (1.1-2x)
   * and reads it 1.3-2x as fast as the same bytes as a Uint8Array, which it serializes and
   * then wraps in a Blob of its own (bench/RESULTS.md). Stores written before keep
   * Uint8Arrays, which are still read.
   */
  shards: { key: string; value: Blob | Uint8Array };
  /** Shard sizes by content id, so listing never reads the bytes. */
  shardInfo: { key: string; value: StoredShardInfo };
  /** Bytes used by shards, kept in the same transactions as the shards themselves. */
  meta: { key: 'usedBytes'; value: number };
  /** Dataset manifests by id. */
  manifests: { key: string; value: DatasetManifest };
}

export type NodeDatabase = IDBPDatabase<NodeDatabaseSchema>;

const VERSION = 2;

/** The database of one node: tabs of one profile share IndexedDB, so each node id gets its own. */
export function nodeDatabaseName(nodeId: string): string {
  return `tabswarm-node-${nodeId}`;
}

/** Opens (creating or upgrading) a node database. Version 2 added the manifests store. */
export function openNodeDatabase(name: string): Promise<NodeDatabase> {
  return openDB<NodeDatabaseSchema>(name, VERSION, {
    upgrade(database, oldVersion) {
      if (oldVersion < 1) {
        database.createObjectStore('shards');
        database.createObjectStore('shardInfo');
        database.createObjectStore('meta');
      }
      if (oldVersion < 2) database.createObjectStore('manifests');
    },
  });
}
