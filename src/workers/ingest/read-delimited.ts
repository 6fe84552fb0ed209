import type { Table } from 'apache-arrow';
import type { AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';
import { duckDb } from './duckdb-instance';
import { decodeRememberingBytes } from './encoded-batches';
import { prefixEnd, recordEnd } from './record-boundaries';
import { UnreadableDatasetError } from './unreadable-dataset-error';

const DOUBLE_QUOTE = 34;

let registered = 0;

/**
 * CSV is read in parts, each meant to come out as about one shard of Arrow (its size in CSV
 * learned from the parts read so far): such a part becomes a shard as DuckDB encoded it, with
 * no copy, and the caller's work per part (stats, hashes, a store write) comes in even steps
 * beside DuckDB's, leaving one shard's work after DuckDB's last part. Parts twice that size
 * left two shards' writes queued at the end; parts of 2-3 MiB for 4 MiB shards were slower end
 * to end than 4 MiB ones. However small the shard target, a part is never smaller than this:
 * each is a query and a round trip to DuckDB's worker.
 */
const MIN_PART_BYTES = 2 * 1024 * 1024;
/** Nor larger than this (a shard target of many megabytes is still read in steps). */
const MAX_PART_BYTES = 64 * 1024 * 1024;
/** Rows DuckDB's sniffer samples (its `sample_size` default): the sniffed prefix holds more. */
const SNIFF_SAMPLE_ROWS = 20_480;
/**
 * Parts handed to DuckDB before the caller takes them (each costs its CSV bytes and its rows
 * in memory). Enough that DuckDB still has work queued while the caller waits on the store.
 */
const PARTS_AHEAD = 4;

/**
 * Reads CSV/TSV with DuckDB-Wasm in parts. The file's start is sniffed once (DuckDB's own
 * `sniff_csv`: dialect and column types), the file cut at record boundaries, and each part is
 * read with exactly the sniffed settings, so every part has the same schema. DuckDB parses the
 * next parts in its own worker while the caller shards, hashes and stores this one, so reading
 * and staging overlap. Each part is cut to come out as about `partArrowBytes` of Arrow (see
 * MIN_PART_BYTES).
 * A file that cannot be cut safely (quotes escaped by something other than doubling) is read
 * as one part.
 */
export async function* readDelimited(fileName: string, bytes: Uint8Array, delimiter: string | undefined, partArrowBytes: number): AsyncGenerator<Table> {
  const db = await duckDb();
  const name = `upload-${registered++}.csv`;
  // CSV and Arrow bytes of the parts read so far: how much CSV makes `partArrowBytes` of Arrow.
  let csvRead = 0;
  let arrowRead = 0;
  const partBytes = (): number => {
    const csvPerArrowByte = arrowRead > 0 ? csvRead / arrowRead : 1;
    return Math.min(MAX_PART_BYTES, Math.max(MIN_PART_BYTES, Math.round(partArrowBytes * csvPerArrowByte)));
  };
  // The sniffer reads only the file's first rows (its sample): it gets the first part, which
  // holds at least that many, and DuckDB never copies the whole file. Cut as a '"'-quoted
  // file is cut, DuckDB's default; any other quoting is found below and read whole.
  const sniffEnd = prefixEnd(bytes, partBytes(), SNIFF_SAMPLE_ROWS + 1, DOUBLE_QUOTE);
  // DuckDB takes the buffer over; keep the caller's bytes intact.
  await db.registerFileBuffer(name, bytes.slice(0, sniffEnd));
  const connection = await db.connect();
  const options = delimiter ? `, delim = '${delimiter}'` : '';
  const queued: Promise<Table>[] = [];
  try {
    const sniffed = (await connection.query(`SELECT Prompt, Quote, Escape FROM sniff_csv('${name}'${options})`)).get(0);
    const prompt = String(sniffed?.Prompt ?? '').replace(/;\s*$/, '');
    const none = (value: unknown): boolean => value === '' || value === '(empty)';
    const quote = String(sniffed?.Quote ?? '');
    const escape = String(sniffed?.Escape ?? '');
    const cuttable = prompt.includes(`read_csv('${name}'`) && (none(quote) || (quote === '"' && (none(escape) || escape === '"')));
    if (!cuttable) {
      await db.dropFile(name);
      await db.registerFileBuffer(name, bytes.slice());
      const { table: whole } = await readPartQuery(connection, `SELECT * FROM read_csv_auto('${name}'${options})`);
      // The sniffer names a file with no usable header and one text column `column0`: that is not a table.
      if (whole.numCols === 1 && whole.schema.fields[0]?.name === 'column0' && whole.numRows === 0) throw new UnreadableDatasetError(`${fileName} has no rows`);
      yield whole;
      return;
    }
    const quoteByte = none(quote) ? undefined : DOUBLE_QUOTE;
    /**
     * Hands a part to DuckDB and queues its query; returns the promise of the part's rows, so
     * DuckDB parses while the caller works. The first part may already be registered: the one
     * the sniffer read.
     */
    const startPart = (start: number, end: number): Promise<Table> => {
      const sniffedPart = start === 0 && end === sniffEnd;
      const partName = sniffedPart ? name : `${name}-${start}`;
      const registered = sniffedPart ? Promise.resolve() : db.registerFileBuffer(partName, bytes.slice(start, end));
      // Only the first part has the header and the rows the sniffer skips.
      let query = prompt.replace(`read_csv('${name}'`, `read_csv('${partName}'`);
      if (start > 0) query = query.replace('header=true', 'header=false').replace(/\bskip=\d+/, 'skip=0');
      // The query is posted right behind the registration, not once it is done (DuckDB's worker
      // takes them in order): DuckDB finds its next part queued however busy this thread is.
      const rows = Promise.all([registered, readPartQuery(connection, query)]).then(([, { table, ipcBytes }]) => {
        csvRead += end - start;
        arrowRead += ipcBytes;
        return table;
      });
      // The part is dropped behind the queries queued after it; its rows must not wait for that.
      rows.finally(() => db.dropFile(partName)).catch(() => undefined);
      // A part read ahead that fails while the caller is busy is reported when its turn comes.
      rows.catch(() => undefined);
      return rows;
    };
    // The first part is the sniffed one (unless the file turned out unquoted, with stray
    // quotes: then its cut differs). Parts are queued in DuckDB's worker ahead of the caller,
    // so it never idles while the caller is busy with a part it finished earlier.
    let end = quoteByte === DOUBLE_QUOTE ? sniffEnd : recordEnd(bytes, 0, partBytes(), quoteByte);
    if (end !== sniffEnd) await db.dropFile(name);
    queued.push(startPart(0, end));
    for (;;) {
      while (queued.length < PARTS_AHEAD && end < bytes.length) {
        const start = end;
        end = recordEnd(bytes, start, partCut(bytes.length - start, partBytes()), quoteByte);
        queued.push(startPart(start, end));
      }
      const next = queued.shift();
      if (!next) return;
      yield await next;
    }
  } finally {
    // DuckDB's worker closes and drops behind the queries still queued; the caller's last rows
    // (the dataset's last shard waits for this generator to end) need not wait for that.
    void Promise.allSettled(queued.splice(0))
      .then(() => connection.close())
      .then(() => db.dropFile(name))
      .catch(() => undefined);
  }
}

/** The file's last part is cut down to at most this share of a part (see partCut)... */
const LAST_PART_SHARE = 0.25;
/** ...and no less than this share (else it is not worth a query of its own)... */
const LAST_PART_MIN_SHARE = 0.1;
/**
 * ...leaving the part before it at least this share: over half a shard with room to spare for
 * the CSV-per-Arrow estimate (a part under half a shard is held back and laid out again with
 * the next rows).
 */
const PART_BEFORE_LAST_MIN_SHARE = 0.55;

/**
 * CSV bytes to cut the next part at, `remaining` bytes before the file's end, for parts of
 * `partBytes`. What is left after DuckDB's last part is that part's shard to stage (stats,
 * hash, store write, while earlier writes finish): a remainder of 0.65-1.25 parts is cut into
 * a part and a short last one, so that tail is short. Traced on the bench's 30.4 MiB CSV, the
 * upload ended a median 9 ms after DuckDB's last answer (11 ingests) against 24 ms (6) without
 * the cut; end to end that is below what an A/B of two builds resolves (paired ratio of ingest
 * times 1.00 +- 0.03 over 28 reps). A longer remainder is cut a full part (its last part is
 * then short already), a shorter one not at all.
 */
export function partCut(remaining: number, partBytes: number): number {
  if (remaining > partBytes * (1 + LAST_PART_SHARE)) return partBytes;
  const last = Math.min(partBytes * LAST_PART_SHARE, remaining - partBytes * PART_BEFORE_LAST_MIN_SHARE);
  return last >= partBytes * LAST_PART_MIN_SHARE ? remaining - Math.round(last) : partBytes;
}

/** A part's rows, decoded from DuckDB's IPC bytes, which shards then reuse (see encoded-batches), and how many bytes those were. */
async function readPartQuery(connection: AsyncDuckDBConnection, query: string): Promise<{ table: Table; ipcBytes: number }> {
  const ipc = await connection.useUnsafe((db, id) => db.runQuery(id, query));
  return { table: decodeRememberingBytes(ipc), ipcBytes: ipc.byteLength };
}
