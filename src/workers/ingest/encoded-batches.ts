import { tableFromIPC, type Data, type RecordBatch, type Table } from 'apache-arrow';
import { ipcMessages, ipcStream } from './ipc-messages';

// DuckDB hands ingest each part of a CSV as Arrow IPC bytes. Cutting the part into shards used
// to decode those bytes and encode every shard's batches again (apache-arrow's writer copies
// each buffer and builds each message anew: 30-70 ms of a 30 MiB upload, on the thread that
// also computes stats and feeds the store). A shard of whole batches can instead be laid out
// from the messages the batches were decoded from. Slicing a table at batch boundaries and
// concatenating tables make new RecordBatch objects but keep their columns' Data, so a batch
// is known by its columns: the same column Data objects, all of them, and the same row count.

interface BatchEncoding {
  readonly schema: Uint8Array;
  readonly message: Uint8Array;
  readonly columns: readonly Data[];
  readonly rows: number;
}

/** Keyed by a batch's first column. */
const encodings = new WeakMap<Data, BatchEncoding>();

/** Decodes IPC bytes into a table, remembering each record batch's own message bytes. */
export function decodeRememberingBytes(ipc: Uint8Array): Table {
  const table = tableFromIPC(ipc);
  const messages = ipcMessages(ipc);
  if (messages && messages.batches.length === table.batches.length) {
    table.batches.forEach((batch, i) => {
      const [first] = batch.data.children;
      if (first) encodings.set(first, { schema: messages.schema, message: messages.batches[i] ?? new Uint8Array(0), columns: batch.data.children, rows: batch.numRows });
    });
  }
  return table;
}

/**
 * The IPC stream of these batches made from the bytes they were decoded from, or undefined
 * unless every one was decoded by decodeRememberingBytes, with byte-identical schemas.
 */
export function streamOfDecodedBatches(batches: readonly RecordBatch[]): Uint8Array | undefined {
  const known = batches.map((batch) => {
    const columns = batch.data.children;
    const encoding = columns[0] && encodings.get(columns[0]);
    const whole = encoding && batch.numRows === encoding.rows && columns.length === encoding.columns.length && columns.every((column, i) => column === encoding.columns[i]);
    return whole ? encoding : undefined;
  });
  const [first] = known;
  if (!first || known.some((encoding) => !encoding || !sameBytes(encoding.schema, first.schema))) return undefined;
  return ipcStream(
    first.schema,
    known.map((encoding) => encoding?.message ?? new Uint8Array(0)),
  );
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
