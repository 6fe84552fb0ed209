import { DataType, tableFromIPC, tableFromJSON, type Table } from 'apache-arrow';
import { tableFromParquet } from './parquet-codec';
import { readDelimited } from './read-delimited';
import { UnreadableDatasetError } from './unreadable-dataset-error';

export { UnreadableDatasetError };

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

/**
 * Reads a dropped file as a sequence of tables with one schema: a big CSV comes in parts of
 * about `shardBytes` of Arrow each (the next read while the caller handles this one), any
 * other file as one table. Throws
 * UnreadableDatasetError, saying why, for bad input.
 */
export async function* readDataset(fileName: string, bytes: Uint8Array, shardBytes: number): AsyncGenerator<Table> {
  const format = formatOfFile(fileName);
  if (!format) throw new UnreadableDatasetError(`${fileName}: unsupported file type; drop CSV, TSV, Parquet, Arrow IPC, JSON or NDJSON`);
  if (bytes.byteLength === 0) throw new UnreadableDatasetError(`${fileName} is empty`);
  const parts =
    format === 'csv' || format === 'tsv' ? readDelimited(fileName, bytes, format === 'tsv' ? '\t' : undefined, shardBytes) : single(readWhole(format, fileName, bytes));
  let rows = 0;
  for (;;) {
    let next: IteratorResult<Table>;
    try {
      next = await parts.next();
    } catch (error) {
      if (error instanceof UnreadableDatasetError) throw error;
      throw new UnreadableDatasetError(`${fileName} could not be read as ${format.toUpperCase()}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (next.done) break;
    if (next.value.numCols === 0) throw new UnreadableDatasetError(`${fileName} has no columns`);
    if (rows === 0) rejectUnsupportedColumns(fileName, next.value);
    rows += next.value.numRows;
    yield next.value;
  }
  if (rows === 0) throw new UnreadableDatasetError(`${fileName} has no rows`);
}

/**
 * Columns the swarm cannot share: a column whose values are all null has no type to store or
 * query (DuckDB would reject it), and unions have no SQL equivalent.
 */
function rejectUnsupportedColumns(fileName: string, table: Table): void {
  for (const field of table.schema.fields) {
    if (DataType.isNull(field.type)) throw new UnreadableDatasetError(`${fileName}: column "${field.name}" has no type (every value is null); drop it or give it values`);
    if (DataType.isUnion(field.type)) throw new UnreadableDatasetError(`${fileName}: column "${field.name}" is a union of types, which SQL cannot query; split it into one column per type`);
  }
}

async function* single(table: Promise<Table>): AsyncGenerator<Table> {
  yield await table;
}

async function readWhole(format: Exclude<DatasetFormat, 'csv' | 'tsv'>, fileName: string, bytes: Uint8Array): Promise<Table> {
  switch (format) {
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
