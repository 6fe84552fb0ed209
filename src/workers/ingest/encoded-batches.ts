import { tableFromIPC, type Data, type RecordBatch, type Table } from 'apache-arrow';
import { END_OF_STREAM, ipcMessages, ipcStream, type IpcMessages } from './ipc-messages';

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
/** Tables decoded here, to the stream of their messages in the bytes they were decoded from (a table object never changes its batches). */
const decodedFrom = new WeakMap<Table, Uint8Array>();

/** Decodes IPC bytes into a table, remembering each record batch's own message bytes. */
export function decodeRememberingBytes(ipc: Uint8Array): Table {
  const table = tableFromIPC(ipc);
  const messages = ipcMessages(ipc);
  if (messages && messages.batches.length === table.batches.length) {
    const stream = streamWithin(ipc, messages);
    if (stream) decodedFrom.set(table, stream);
    table.batches.forEach((batch, i) => {
      const [first] = batch.data.children;
      if (first) encodings.set(first, { schema: messages.schema, message: messages.batches[i] ?? new Uint8Array(0), columns: batch.data.children, rows: batch.numRows });
    });
  }
  return table;
}

/**
 * The IPC stream a table was decoded from by decodeRememberingBytes (the very table, not a
 * slice or concatenation of it), as a view into those bytes, or undefined. A shard of all of a
 * CSV part's rows is this view: DuckDB's bytes as they are, no copy made.
 */
export function streamDecodedInto(table: Table): Uint8Array | undefined {
  return decodedFrom.get(table);
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

/**
 * The stream format of these messages within the bytes they were parsed from: the schema and
 * batch messages lie end to end, and an end marker after them (a stream's last bytes, or
 * followed by a file's footer: DuckDB-Wasm answers in the file format) closes the view.
 */
function streamWithin(ipc: Uint8Array, messages: IpcMessages): Uint8Array | undefined {
  const start = messages.schema.byteOffset - ipc.byteOffset;
  const end = start + messages.schema.length + messages.batches.reduce((total, batch) => total + batch.length, 0);
  if (end + END_OF_STREAM.length > ipc.length || !sameBytes(ipc.subarray(end, end + END_OF_STREAM.length), END_OF_STREAM)) return undefined;
  return ipc.subarray(start, end + END_OF_STREAM.length);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
