import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import initParquet, { Compression, readParquet, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm/esm';
import parquetWasm from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url';

// Parquet through parquet-wasm (served from our origin): DuckDB-Wasm reads and writes Parquet
// only with an extension downloaded from the internet, which a closed network cannot reach.

let ready: Promise<unknown> | undefined;

function loaded(): Promise<unknown> {
  ready ??= initParquet({ module_or_path: parquetWasm });
  return ready;
}

/** Parquet bytes to an Arrow table; throws parquet-wasm's message on a corrupt file. */
export async function tableFromParquet(bytes: Uint8Array): Promise<Table> {
  await loaded();
  return tableFromIPC(readParquet(bytes).intoIPCStream());
}

/** An Arrow table to Parquet bytes (zstd). */
export async function parquetFromTable(table: Table): Promise<Uint8Array> {
  await loaded();
  const properties = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).build();
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), properties);
}
