import { tableFromIPC, tableFromJSON, type Table } from 'apache-arrow';
import { duckDb } from './duckdb-instance';
import { tableFromParquet } from './parquet-codec';

/** A file the user dropped could not become a dataset; the message says why and what to do. */
export class UnreadableDatasetError extends Error {
  override readonly name = 'UnreadableDatasetError';
}

export type DatasetFormat = 'csv' | 'tsv' | 'arrow' | 'json' | 'ndjson' | 'parquet';

/** The format a file name says it has. */
export function formatOfFile(fileName: string): DatasetFormat | undefined {
  const extension = fileName.toLowerCase().split('.').pop() ?? '';
  const formats: Record<string, DatasetFormat> = {
    csv: 'csv',
    tsv: 'tsv',
    tab: 'tsv',
    arrow: 'arrow',
    arrows: 'arrow',
    feather: 'arrow',
    ipc: 'arrow',
    json: 'json',
    ndjson: 'ndjson',
    jsonl: 'ndjson',
    parquet: 'parquet',
  };
  return formats[extension];
}

/** Reads a dropped file into one Arrow table; throws UnreadableDatasetError for bad input. */
export async function readDataset(fileName: string, bytes: Uint8Array): Promise<Table> {
  const format = formatOfFile(fileName);
  if (!format) throw new UnreadableDatasetError(`${fileName}: unsupported file type; drop CSV, TSV, Parquet, Arrow IPC, JSON or NDJSON`);
  if (bytes.byteLength === 0) throw new UnreadableDatasetError(`${fileName} is empty`);
  let table: Table;
  try {
    table = await readFormat(format, fileName, bytes);
  } catch (error) {
    if (error instanceof UnreadableDatasetError) throw error;
    throw new UnreadableDatasetError(`${fileName} could not be read as ${format.toUpperCase()}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (table.numRows === 0) throw new UnreadableDatasetError(`${fileName} has no rows`);
  if (table.numCols === 0) throw new UnreadableDatasetError(`${fileName} has no columns`);
  return table;
}

async function readFormat(format: DatasetFormat, fileName: string, bytes: Uint8Array): Promise<Table> {
  switch (format) {
    case 'csv':
    case 'tsv':
      return readDelimited(fileName, bytes, format === 'tsv' ? '\t' : undefined);
    case 'arrow':
      return tableFromIPC(bytes);
    case 'json': {
      const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      if (!Array.isArray(parsed)) throw new UnreadableDatasetError(`${fileName}: JSON must be an array of row objects`);
      return tableFromJSON(parsed as Record<string, unknown>[]);
    }
    case 'ndjson': {
      const lines = new TextDecoder('utf-8', { fatal: true }).decode(bytes).split('\n').filter((line) => line.trim() !== '');
      return tableFromJSON(lines.map((line) => JSON.parse(line) as Record<string, unknown>));
    }
    case 'parquet':
      return tableFromParquet(bytes);
  }
}

let registered = 0;

async function readDelimited(fileName: string, bytes: Uint8Array, delimiter: string | undefined): Promise<Table> {
  const db = await duckDb();
  const name = `upload-${registered++}.csv`;
  // DuckDB takes the buffer over; keep the caller's bytes intact.
  await db.registerFileBuffer(name, bytes.slice());
  const connection = await db.connect();
  try {
    const options = delimiter ? `, delim = '${delimiter}'` : '';
    const table = await connection.query(`SELECT * FROM read_csv_auto('${name}'${options})`);
    // The sniffer names a file with no usable header and one text column `column0`: that is not a table.
    if (table.numCols === 1 && table.schema.fields[0]?.name === 'column0' && table.numRows === 0) {
      throw new UnreadableDatasetError(`${fileName} has no rows`);
    }
    return table as unknown as Table;
  } finally {
    await connection.close();
    await db.dropFile(name);
  }
}
