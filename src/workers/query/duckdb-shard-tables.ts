import { duckDb } from '../ingest/duckdb-instance';
import type { ShardTables } from './shard-table-cache';

/** The query cache's tables in the worker's DuckDB-Wasm. */
export const duckDbShardTables: ShardTables = {
  async load(table, bytes) {
    const connection = await (await duckDb()).connect();
    try {
      await connection.query(`DROP TABLE IF EXISTS ${table}`);
      // DuckDB-Wasm takes the buffer over (detaches it): it gets a copy, the caller keeps its bytes.
      await connection.insertArrowFromIPCStream(bytes.slice(), { name: table, create: true });
    } finally {
      await connection.close();
    }
  },
  async drop(table) {
    const connection = await (await duckDb()).connect();
    try {
      await connection.query(`DROP TABLE IF EXISTS ${table}`);
    } finally {
      await connection.close();
    }
  },
};
