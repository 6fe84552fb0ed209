import * as duckdb from '@duckdb/duckdb-wasm';
import ehWorker from '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url';
import mvpWorker from '@duckdb/duckdb-wasm/dist/duckdb-browser-mvp.worker.js?url';
import ehWasm from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url';
import mvpWasm from '@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm?url';

let instance: Promise<duckdb.AsyncDuckDB> | undefined;

/**
 * The worker's DuckDB-Wasm, loaded once from the app's own origin (no CDN). Extension
 * autoloading is switched off: Parquet and JSON readers are extensions that would be
 * downloaded from the internet, and a failed download leaves the wasm instance corrupt.
 */
export function duckDb(): Promise<duckdb.AsyncDuckDB> {
  instance ??= (async () => {
    const bundle = await duckdb.selectBundle({
      mvp: { mainModule: mvpWasm, mainWorker: mvpWorker },
      eh: { mainModule: ehWasm, mainWorker: ehWorker },
    });
    if (!bundle.mainWorker) throw new Error('DuckDB-Wasm has no worker script for this browser');
    const db = new duckdb.AsyncDuckDB(new duckdb.ConsoleLogger(duckdb.LogLevel.WARNING), new Worker(bundle.mainWorker));
    await db.instantiate(bundle.mainModule, bundle.pthreadWorker);
    await db.open({ query: { castBigIntToDouble: false } });
    const connection = await db.connect();
    await connection.query('SET autoload_known_extensions = false; SET autoinstall_known_extensions = false');
    await connection.close();
    return db;
  })();
  return instance;
}
