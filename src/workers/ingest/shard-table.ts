import { Table, tableToIPC, type RecordBatch } from 'apache-arrow';
import type { ColumnStats } from '../../engine/catalog/manifest';
import { columnStats } from './column-stats';
import { streamDecodedInto, streamOfDecodedBatches } from './encoded-batches';

/** One shard cut from a table, before it gets its content id. */
export interface TableShard {
  /** Arrow IPC stream bytes of the shard's rows. */
  readonly bytes: Uint8Array;
  readonly rows: number;
  readonly firstRow: number;
  readonly stats: Record<string, ColumnStats>;
}

/** A table decoded from one IPC stream is a shard as it is when its stream is at most this much over the target. */
const WHOLE_STREAM_SLACK = 1.25;
/** Refinements of a shard's row count before its size is accepted. */
const MAX_REFINEMENTS = 3;
const FIRST_GUESS_ROWS = 1024;

/**
 * Cuts a table into row ranges whose Arrow IPC bytes are about `targetBytes` each. A table
 * decoded from one IPC stream of about the target (a CSV part DuckDB just read, sized for
 * that) is one shard: its stream, not a copy. Otherwise small record batches (DuckDB makes
 * 2048-row ones) are grouped whole: encoding whole batches is a copy of their buffers, where a
 * slice must be realigned. A big batch is cut by `sliceShards`.
 * With `holdBackTail`, a last group of small batches is not cut (nor encoded): its rows are
 * left for the caller to put before the next rows it reads. Returns the first row not cut.
 */
export function* shardTable(table: Table, targetBytes: number, holdBackTail = false): Generator<TableShard, number> {
  if (!(targetBytes > 0)) throw new RangeError(`shard target must be > 0 bytes, got ${targetBytes}`);
  const stream = streamDecodedInto(table);
  if (stream && table.numRows > 0 && stream.byteLength <= targetBytes * WHOLE_STREAM_SLACK && (stream.byteLength >= targetBytes / 2 || !holdBackTail)) {
    yield { bytes: stream, rows: table.numRows, firstRow: 0, stats: columnStats(table) };
    return table.numRows;
  }
  let group: RecordBatch[] = [];
  let groupBytes = 0;
  let firstRow = 0;
  function* flush(): Generator<TableShard> {
    if (group.length === 0) return;
    const rows = new Table(group);
    // Batches DuckDB just encoded are laid out again as they are; others are encoded.
    yield { bytes: streamOfDecodedBatches(group) ?? tableToIPC(rows, 'stream'), rows: rows.numRows, firstRow, stats: columnStats(rows) };
    firstRow += rows.numRows;
    group = [];
    groupBytes = 0;
  }
  for (const batch of table.batches) {
    if (batch.numRows === 0) continue;
    const bytes = batch.data.byteLength;
    if (bytes > targetBytes / 2) {
      yield* flush();
      for (const shard of sliceShards(new Table([batch]), targetBytes)) yield { ...shard, firstRow: firstRow + shard.firstRow };
      firstRow += batch.numRows;
      continue;
    }
    if (groupBytes + bytes > targetBytes) yield* flush();
    group.push(batch);
    groupBytes += bytes;
  }
  if (holdBackTail && group.length > 0) return firstRow;
  yield* flush();
  return table.numRows;
}

/**
 * Cuts a table into slices of about `targetBytes` of IPC. Bytes are not proportional to rows
 * (dictionaries and schema cost the same in every shard), so each shard's row count is guessed
 * from the previous shard and refined by measuring until the shard is within 25% of the target
 * (or the table ends); a single huge row stays whole.
 */
function* sliceShards(table: Table, targetBytes: number): Generator<TableShard> {
  let rowsGuess = FIRST_GUESS_ROWS;
  let firstRow = 0;
  while (firstRow < table.numRows) {
    const remaining = table.numRows - firstRow;
    let rows = Math.min(rowsGuess, remaining);
    let bytes = tableToIPC(table.slice(firstRow, firstRow + rows), 'stream');
    for (let step = 0; step < MAX_REFINEMENTS; step++) {
      const tooSmall = bytes.byteLength < targetBytes * 0.75 && rows < remaining;
      const tooBig = bytes.byteLength > targetBytes * 1.25 && rows > 1;
      if (!tooSmall && !tooBig) break;
      rows = Math.min(remaining, Math.max(1, Math.round((rows * targetBytes) / bytes.byteLength)));
      bytes = tableToIPC(table.slice(firstRow, firstRow + rows), 'stream');
    }
    while (bytes.byteLength > targetBytes * 1.5 && rows > 1) {
      rows = Math.ceil(rows / 2);
      bytes = tableToIPC(table.slice(firstRow, firstRow + rows), 'stream');
    }
    rowsGuess = rows;
    yield { bytes, rows, firstRow, stats: columnStats(table.slice(firstRow, firstRow + rows)) };
    firstRow += rows;
  }
}
