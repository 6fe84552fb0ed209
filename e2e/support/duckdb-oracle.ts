import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';

// The oracle for query tests: DuckDB-Wasm (the same engine the tabs run) in this Node process,
// with each dataset loaded whole from its original file, in one place.

const require = createRequire(import.meta.url);
interface BlockingConnection {
  query(sql: string): Table;
  useUnsafe<R>(use: (bindings: { runQuery(connection: number, sql: string): Uint8Array }, connection: number) => R): R;
  insertArrowFromIPCStream(bytes: Uint8Array, options: { name: string; create: boolean }): void;
}
interface BlockingDb {
  instantiate(progress: () => void): Promise<void>;
  connect(): BlockingConnection;
  registerFileBuffer(name: string, bytes: Uint8Array): void;
}
interface BlockingModule {
  createDuckDB(bundles: object, logger: object, runtime: object): Promise<BlockingDb>;
  VoidLogger: new () => object;
  NODE_RUNTIME: object;
}

export class DuckDbOracle {
  private constructor(private readonly connection: BlockingConnection, private readonly db: BlockingDb) {}

  static async open(): Promise<DuckDbOracle> {
    const duckdb = require('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs') as BlockingModule;
    const dist = dirname(require.resolve('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm'));
    const db = await duckdb.createDuckDB(
      {
        mvp: { mainModule: join(dist, 'duckdb-mvp.wasm'), mainWorker: join(dist, 'duckdb-node-mvp.worker.cjs') },
        eh: { mainModule: join(dist, 'duckdb-eh.wasm'), mainWorker: join(dist, 'duckdb-node-eh.worker.cjs') },
      },
      new duckdb.VoidLogger(),
      duckdb.NODE_RUNTIME,
    );
    await db.instantiate(() => undefined);
    const connection = db.connect();
    connection.query('SET autoload_known_extensions = false; SET autoinstall_known_extensions = false');
    return new DuckDbOracle(connection, db);
  }

  /** A CSV file as a table, read the way DuckDB reads it by default. */
  loadCsv(table: string, bytes: Uint8Array): void {
    this.db.registerFileBuffer(`${table}.csv`, bytes);
    this.connection.query(`CREATE TABLE "${table}" AS SELECT * FROM read_csv('${table}.csv')`);
  }

  /** An Arrow IPC file or stream as a table. */
  loadArrow(table: string, bytes: Uint8Array): void {
    this.connection.insertArrowFromIPCStream(tableToIPC(tableFromIPC(bytes), 'stream'), { name: table, create: true });
  }

  query(sql: string): Table {
    return this.connection.query(sql);
  }

  /** A result's bytes exactly as DuckDB-Wasm's bindings answer a query (an Arrow IPC file), as a tab's ingest gets them. */
  answerBytes(sql: string): Uint8Array {
    return this.connection.useUnsafe((bindings, connection) => bindings.runQuery(connection, sql)).slice();
  }

  /**
   * A result as an Arrow IPC stream. DuckDB's Node build makes its tables with the CommonJS
   * copy of apache-arrow, which the ES module copy's writer does not recognise: that copy writes them.
   */
  queryIpc(sql: string): Uint8Array {
    const arrow = require('apache-arrow') as { tableToIPC(table: Table, format: 'stream'): Uint8Array };
    return arrow.tableToIPC(this.connection.query(sql), 'stream');
  }
}

/**
 * A result as comparable rows: values as text, floats to 10 significant digits (a sum of
 * doubles in another order differs in its last bits), rows sorted unless the order matters.
 */
export function comparableRows(table: Table, ordered: boolean): string[] {
  const columns = table.schema.fields.map((field) => field.name);
  const rows: string[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const row = table.get(i) as Record<string, unknown> | null;
    rows.push(columns.map((column) => comparable(row?.[column])).join(' | '));
  }
  return ordered ? rows : rows.sort();
}

function comparable(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : Number(value.toPrecision(10)).toString();
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value, (_, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : inner));
  return String(value);
}
