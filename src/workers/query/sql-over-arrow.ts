import { makeData, RecordBatch, Struct, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { duckDb } from '../ingest/duckdb-instance';

/** Arrow IPC stream buffers to be seen by SQL under one view name. */
export interface ArrowView {
  readonly view: string;
  /** Each an Arrow IPC stream; all share one schema. At least one (an empty table carries the schema). */
  readonly streams: readonly Uint8Array[];
}

export interface SqlResult {
  readonly table: Table;
  /** The result as an Arrow IPC stream. */
  readonly bytes: Uint8Array;
}

let tables = 0;

/**
 * Runs one SQL statement in the worker's DuckDB over Arrow data registered under the given
 * view names. Views are temporary to the statement's own connection, so concurrent queries
 * (a holder serving several askers, an asker merging) never see each other's data; everything
 * registered is dropped afterwards. A DuckDB error is thrown as DuckDB worded it.
 */
export async function runSqlOverArrow(sql: string, views: readonly ArrowView[]): Promise<SqlResult> {
  const db = await duckDb();
  const connection = await db.connect();
  const created: string[] = [];
  try {
    for (const { view, streams } of views) {
      const table = `__arrow_${tables++}`;
      created.push(table);
      const [first, ...rest] = streams;
      if (!first) throw new Error(`no Arrow data for ${view}`);
      // DuckDB-Wasm transfers (detaches) what it is given: hand it copies, callers keep theirs.
      await connection.insertArrowFromIPCStream(withABatch(first).slice(), { name: table, create: true });
      for (const stream of rest) await connection.insertArrowFromIPCStream(stream.slice(), { name: table, create: false });
      await connection.query(`CREATE OR REPLACE TEMP VIEW "${view.replaceAll('"', '""')}" AS SELECT * FROM ${table}`);
    }
    const table = (await connection.query(sql)) as unknown as Table;
    const bytes = tableToIPC(table, 'stream');
    // Re-read so the table no longer refers to DuckDB's memory.
    return { table: tableFromIPC(bytes), bytes };
  } finally {
    for (const table of created) await connection.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await connection.close();
  }
}

/**
 * DuckDB-Wasm creates no table from a stream with a schema but no record batch (an empty
 * result often is one), so an empty table gets one batch of zero rows.
 */
function withABatch(stream: Uint8Array): Uint8Array {
  const table = tableFromIPC(stream);
  if (table.batches.length > 0) return stream;
  const { schema } = table;
  const children = schema.fields.map((field) => makeData({ type: field.type, length: 0, nullCount: 0 }));
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children }));
  return tableToIPC(new Table([batch]), 'stream');
}

/** A DuckDB error's message without the JavaScript wrapper DuckDB-Wasm puts around it. */
export function duckDbMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  try {
    const parsed = JSON.parse(message) as { exception_type?: string; exception_message?: string };
    if (parsed.exception_message) return `${parsed.exception_type ?? 'DuckDB'} Error: ${parsed.exception_message}`;
  } catch {
    // Not JSON: already a plain message.
  }
  return message;
}
