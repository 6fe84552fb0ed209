import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import type { DatasetManifest } from '../../engine/catalog/manifest';
import { duckDb } from '../ingest/duckdb-instance';
import { parquetFromTable } from '../ingest/parquet-codec';

export type ExportFormat = 'arrow' | 'csv' | 'parquet';

export interface ExportedDataset {
  readonly fileName: string;
  readonly mimeType: string;
  readonly bytes: Uint8Array;
}

/**
 * A dataset back out of the swarm: every shard fetched (local copy first, then live holders),
 * joined in row order, written as an Arrow IPC file, CSV (DuckDB) or Parquet (parquet-wasm).
 */
export async function exportDataset(
  manifest: DatasetManifest,
  format: ExportFormat,
  fetchShard: (shard: string) => Promise<Uint8Array>,
): Promise<ExportedDataset> {
  const ordered = [...manifest.shards].sort((a, b) => a.firstRow - b.firstRow);
  const tables: Table[] = [];
  for (const shard of ordered) tables.push(tableFromIPC(await fetchShard(shard.id)));
  const [first, ...rest] = tables;
  if (!first) throw new Error(`dataset ${manifest.name} has no shards to export`);
  const table = rest.reduce((joined, next) => joined.concat(next), first);
  if (table.numRows !== manifest.rows) throw new Error(`exported ${table.numRows} rows but ${manifest.name} has ${manifest.rows}`);
  const base = manifest.name.replace(/\.[^.]+$/, '');
  if (format === 'arrow') return { fileName: `${base}.arrow`, mimeType: 'application/vnd.apache.arrow.file', bytes: tableToIPC(table, 'file') };
  if (format === 'parquet') return { fileName: `${base}.parquet`, mimeType: 'application/vnd.apache.parquet', bytes: await parquetFromTable(table) };
  return { fileName: `${base}.csv`, mimeType: 'text/csv', bytes: await toCsv(table) };
}

let exports = 0;

async function toCsv(table: Table): Promise<Uint8Array> {
  const db = await duckDb();
  const connection = await db.connect();
  const name = `export_${exports++}`;
  try {
    await connection.insertArrowTable(table as never, { name, create: true });
    await connection.query(`COPY ${name} TO '${name}.csv' (FORMAT CSV, HEADER)`);
    return await db.copyFileToBuffer(`${name}.csv`);
  } finally {
    await connection.query(`DROP TABLE IF EXISTS ${name}`).catch(() => undefined);
    await connection.close();
    await db.dropFile(`${name}.csv`).catch(() => undefined);
  }
}
