import { makeData, RecordBatch, Struct, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';
import { replaceIdentifier } from '../../engine/query/sql-tokens';
import { duckDb } from '../ingest/duckdb-instance';
import { arrowAsValues } from './arrow-as-values';

/**
 * Data to be seen by SQL under one view name: Arrow IPC stream buffers (all of one schema, at
 * least one: an empty table carries the schema), or a table DuckDB already holds.
 */
export type ArrowView = { readonly view: string; readonly streams: readonly Uint8Array[] } | { readonly view: string; readonly table: string };

export interface SqlResult {
  readonly table: Table;
  /** The result as Arrow IPC, in the stream or the file format (tableFromIPC reads both). */
  readonly bytes: Uint8Array;
}

let tables = 0;
let sharedConnection: Promise<AsyncDuckDBConnection> | undefined;

/**
 * Runs `sql` with the identifier `placeholder` standing for a table DuckDB already holds, on
 * one long-lived connection: a holder's subquery over a cached shard costs one round trip to
 * DuckDB's worker, not a connection, a view and a close each.
 */
export async function runSqlOverTable(sql: string, placeholder: string, table: string): Promise<SqlResult> {
  const connection = await shared();
  // DuckDB's own IPC bytes, kept as they are: decoding them into a table and encoding that
  // again would cost a copy of every result row.
  const bytes = await connection.useUnsafe((db, id) => db.runQuery(id, replaceIdentifier(sql, placeholder, table)));
  // Decoded only if asked for: a holder sends the bytes as they are.
  let decoded: Table | undefined;
  return {
    bytes,
    get table(): Table {
      decoded ??= tableFromIPC(bytes);
      return decoded;
    },
  };
}

/**
 * Like runSqlOverTable, over Arrow streams (the asker's merge of partial results): a few rows
 * go inline as typed literals (one DuckDB call); more are loaded as a table for this one
 * statement.
 */
export async function runSqlOverStreams(sql: string, placeholder: string, streams: readonly Uint8Array[]): Promise<SqlResult> {
  const [first] = streams;
  if (!first) throw new Error(`no Arrow data for ${placeholder}`);
  const parts = streams.map((stream) => tableFromIPC(stream));
  const inline = arrowAsValues(new Table((parts[0] ?? tableFromIPC(first)).schema, parts.flatMap((part) => part.batches)));
  if (inline) {
    // Should DuckDB refuse the literal form, the loaded table below is the reference path.
    const result = await runSqlOverTable(sql, placeholder, inline).catch(() => undefined);
    if (result) return result;
  }
  const connection = await shared();
  const table = `__arrow_${tables++}`;
  await connection.insertArrowFromIPCStream(streams.length === 1 ? withABatch(first).slice() : concatenated(streams), { name: table, create: true });
  try {
    return await runSqlOverTable(sql, placeholder, table);
  } finally {
    void connection.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  }
}

function shared(): Promise<AsyncDuckDBConnection> {
  sharedConnection ??= duckDb().then((db) => db.connect());
  return sharedConnection;
}

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
    for (const source of views) {
      const quotedView = `"${source.view.replaceAll('"', '""')}"`;
      if ('table' in source) {
        await connection.query(`CREATE OR REPLACE TEMP VIEW ${quotedView} AS SELECT * FROM ${source.table}`);
        continue;
      }
      const { view, streams } = source;
      const table = `__arrow_${tables++}`;
      created.push(table);
      const [first, ...rest] = streams;
      if (!first) throw new Error(`no Arrow data for ${view}`);
      // One insert of all the parts (each insert is a round trip to DuckDB's worker). DuckDB-Wasm
      // transfers (detaches) what it is given: it gets a fresh buffer, callers keep theirs.
      const combined = rest.length === 0 ? withABatch(first).slice() : concatenated([first, ...rest]);
      await connection.insertArrowFromIPCStream(combined, { name: table, create: true });
      await connection.query(`CREATE OR REPLACE TEMP VIEW ${quotedView} AS SELECT * FROM ${table}`);
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
 * Arrow IPC as a stream DuckDB-Wasm can load: the file format (DuckDB's own results) is
 * rewritten as a stream, and since DuckDB-Wasm creates no table from a stream with a schema
 * but no record batch (an empty result often is one), an empty table gets one batch of zero rows.
 */
function withABatch(ipc: Uint8Array): Uint8Array {
  const table = tableFromIPC(ipc);
  if (table.batches.length > 0) return isArrowFile(ipc) ? tableToIPC(table, 'stream') : ipc;
  const { schema } = table;
  const children = schema.fields.map((field) => makeData({ type: field.type, length: 0, nullCount: 0 }));
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children }));
  return tableToIPC(new Table([batch]), 'stream');
}

/** Whether Arrow IPC bytes are in the file format (they open with the magic "ARROW1"). */
function isArrowFile(ipc: Uint8Array): boolean {
  return ipc.length >= 6 && String.fromCharCode(...ipc.subarray(0, 6)) === 'ARROW1';
}

/** Several Arrow IPC buffers of one schema as one stream. */
function concatenated(streams: readonly Uint8Array[]): Uint8Array {
  const tables = streams.map((stream) => tableFromIPC(stream));
  const batches = tables.flatMap((table) => table.batches);
  return batches.length === 0 ? withABatch(streams[0] as Uint8Array).slice() : tableToIPC(new Table(batches), 'stream');
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
