import { Dictionary, Int32, Table, tableFromArrays, tableFromIPC, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ipcMessages, ipcStream } from './ipc-messages';

/** A table of plain (not dictionary) columns in `batches` record batches of `rows` rows each. */
function batchedTable(batches: number, rows: number): Table {
  const parts = Array.from({ length: batches }, (_, b) =>
    new Table({
      id: vectorFromArray(Int32Array.from({ length: rows }, (_, i) => b * rows + i)),
      name: vectorFromArray(Array.from({ length: rows }, (_, i) => `n${(b * rows + i) % 13}`), new Utf8()),
    }),
  );
  return new Table(parts.flatMap((part) => part.batches));
}

const ids = (table: Table): number[] => Array.from(table.getChild('id')?.toArray() as Int32Array);

describe('ipcMessages', () => {
  it('splits a stream, or a file laid out as DuckDB writes it, into its schema and batches, which lay out again into a stream', () => {
    const table = batchedTable(3, 100);
    const stream = tableToIPC(table, 'stream');
    // A file: magic and padding, the stream's messages, then a footer (here junk: nothing reads it).
    const file = new Uint8Array([...new TextEncoder().encode('ARROW1'), 0, 0, ...stream, 1, 2, 3, 4]);
    for (const ipc of [stream, file]) {
      const messages = ipcMessages(ipc);
      expect(messages?.batches).toHaveLength(3);
      const whole = tableFromIPC(ipcStream(messages?.schema ?? new Uint8Array(0), messages?.batches ?? []));
      expect(ids(whole)).toEqual(ids(table));
      const middle = tableFromIPC(ipcStream(messages?.schema ?? new Uint8Array(0), messages?.batches.slice(1, 2) ?? []));
      expect(ids(middle)).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
      expect(middle.getChild('name')?.get(0)).toBe(`n${100 % 13}`);
    }
  });

  it('refuses what it cannot lay out again: dictionaries, bytes cut short, junk', () => {
    const dictionary = new Table({ name: vectorFromArray(['a', 'b', 'a'], new Dictionary(new Utf8(), new Int32())) });
    expect(ipcMessages(tableToIPC(dictionary, 'stream'))).toBeUndefined();
    const stream = tableToIPC(tableFromArrays({ id: Int32Array.of(1, 2, 3) }), 'stream');
    expect(ipcMessages(stream.subarray(0, stream.length - 20))).toBeUndefined();
    expect(ipcMessages(Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256))).toBeUndefined();
  });
});
