import { DateDay, Table, tableFromArrays, tableFromIPC, tableToIPC, TimestampMicrosecond, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../engine/testing/seeded-random';
import { codePointLess, columnStats, genericColumnStats } from './column-stats';
import { decodeRememberingBytes, streamDecodedInto, streamOfDecodedBatches } from './encoded-batches';
import { DuckDbOracle } from '../../../e2e/support/duckdb-oracle';
import { shardTable, type TableShard } from './shard-table';

function sampleTable(rows: number, seed: number) {
  const random = new SeededRandom(seed);
  return tableFromArrays({
    id: Int32Array.from({ length: rows }, (_, i) => i),
    score: Float64Array.from({ length: rows }, () => random.next() * 100),
    name: Array.from({ length: rows }, (_, i) => `name-${i % 97}-${'x'.repeat(random.int(20))}`),
  });
}

/** Shards of `rows` rows numbered by `id`: in order, all rows once, each within 0.5-1.5x the target (the last may be short). */
function expectShardsCoverInOrder(shards: readonly TableShard[], rows: number, target: number): void {
  expect(shards.length).toBeGreaterThan(3);
  let next = 0;
  const ids: number[] = [];
  for (const shard of shards) {
    expect(shard.firstRow).toBe(next);
    next += shard.rows;
    expect(shard.bytes.byteLength).toBeLessThanOrEqual(target * 1.5);
    const back = tableFromIPC(shard.bytes);
    expect(back.numRows).toBe(shard.rows);
    ids.push(...(back.getChild('id')?.toArray() as Int32Array));
  }
  expect(ids).toEqual(Array.from({ length: rows }, (_, i) => i));
  for (const shard of shards.slice(0, -1)) expect(shard.bytes.byteLength).toBeGreaterThan(target * 0.5);
}

describe('shardTable', () => {
  it('cuts a table into ~target-sized IPC shards whose rows, read back, equal the input in order', () => {
    const table = sampleTable(50_000, 1);
    const target = 256 * 1024;
    expectShardsCoverInOrder([...shardTable(table, target)], table.numRows, target);
  });

  it('keeps a single row whole even when it alone exceeds the target', () => {
    const table = tableFromArrays({ blob: ['y'.repeat(10_000), 'z'] });
    const shards = [...shardTable(table, 100)];
    expect(shards.map((shard) => shard.rows)).toEqual([1, 1]);
  });

  it('rejects a non-positive target', () => {
    expect(() => [...shardTable(sampleTable(10, 2), 0)]).toThrow(/target must be > 0/);
  });
});

describe('columnStats', () => {
  it('gives min, max and null count per column, bigints as numbers and huge ones as strings', () => {
    const table = tableFromArrays({
      n: [3, null, -1, 7],
      s: ['b', 'a', null, 'c'],
      big: BigInt64Array.from([5n, 9007199254740993n, -2n, 0n]),
    });
    const stats = columnStats(table);
    expect(stats.n).toEqual({ min: -1, max: 7, nulls: 1 });
    expect(stats.s).toEqual({ min: 'a', max: 'c', nulls: 1 });
    expect(stats.big).toEqual({ min: -2, max: '9007199254740993', nulls: 0 });
  });
});

describe('columnStats fast paths', () => {
  // Seeded; reproduce one with: npx vitest run src/workers/ingest/shard-table.test.ts -t "fast paths"
  it.each([1, 2, 3, 4, 5])('agree with the value-by-value reference on sliced columns with nulls (seed %i)', (seed) => {
    const random = new SeededRandom(seed);
    const rows = 500 + random.int(500);
    const maybe = <T>(value: T): T | null => (random.next() < 0.1 ? null : value);
    const alphabet = ['a', 'b', 'z', 'é', '中', '\u{1F600}', '\uFFFD', ''];
    const base = tableFromArrays({
      i32: Array.from({ length: rows }, () => maybe(random.int(2000) - 1000)),
      f64: Array.from({ length: rows }, () => maybe(random.next() < 0.02 ? Number.NaN : (random.next() - 0.5) * 1e6)),
      big: BigInt64Array.from({ length: rows }, () => BigInt(random.int(1e9)) * (random.next() < 0.5 ? -1n : 1n) * 10_000_000n),
      // Halves of 64-bit ints compare separately: spread values over both halves, the sign bit included.
      ubig: BigUint64Array.from({ length: rows }, () => (BigInt(random.int(2 ** 32)) << 32n) | BigInt(random.int(2 ** 32))),
      text: Array.from({ length: rows }, () => maybe(Array.from({ length: random.int(4) }, () => random.pick(alphabet)).join(''))),
    });
    const table = new Table({
      ...Object.fromEntries(base.schema.fields.map((field) => [field.name, base.getChild(field.name as 'i32') as Vector])),
      day: vectorFromArray(Array.from({ length: rows }, () => maybe(new Date(Date.UTC(1900 + random.int(200), random.int(12), 1 + random.int(28))))), new DateDay()),
      at: vectorFromArray(Array.from({ length: rows }, () => maybe(Math.round((random.next() - 0.3) * 4e12))), new TimestampMicrosecond()),
      // Plain UTF-8 (DuckDB's strings; tableFromArrays makes dictionaries of strings), with long shared prefixes.
      utf8: vectorFromArray(
        Array.from({ length: rows }, () => maybe(['', 'ab', 'abab'][random.int(3)] + Array.from({ length: random.int(4) }, () => random.pick(alphabet)).join(''))),
        new Utf8(),
      ),
    });
    const from = random.int(rows / 2);
    const slice = table.slice(from, from + 1 + random.int(rows / 2));
    const fast = columnStats(slice);
    for (const field of slice.schema.fields) {
      const column = slice.getChild(field.name as 'at');
      if (!column) throw new Error(`no column ${field.name}`);
      expect(fast[field.name], `${field.name} (seed ${seed})`).toEqual(genericColumnStats(column));
    }
  });

  it('order strings by code point, as DuckDB does, not by UTF-16 unit', () => {
    // U+1F600 is one code point above U+FFFD, though its first UTF-16 unit (U+D83D) is below.
    expect(codePointLess('\uFFFD', '\u{1F600}')).toBe(true);
    expect(columnStats(tableFromArrays({ s: ['\u{1F600}', '\uFFFD'] })).s).toEqual({ min: '\uFFFD', max: '\u{1F600}', nulls: 0 });
  });
});

describe('shardTable over many small batches', () => {
  it('holds back a last group of batches uncut when asked, returning where it starts', () => {
    const whole = sampleTable(40_000, 10);
    const batches = [];
    for (let row = 0; row < whole.numRows; row += 2048) batches.push(...whole.slice(row, row + 2048).batches);
    const table = new Table(batches);
    const cutter = shardTable(table, 128 * 1024, true);
    const shards: TableShard[] = [];
    let next = cutter.next();
    for (; !next.done; next = cutter.next()) shards.push(next.value);
    const all = [...shardTable(table, 128 * 1024)];
    // Everything but the last shard, which is left for the caller.
    expect(shards.map((shard) => [shard.firstRow, shard.rows])).toEqual(all.slice(0, -1).map((shard) => [shard.firstRow, shard.rows]));
    expect(next.value).toBe(all.at(-1)?.firstRow);
    expect(next.value).toBeLessThan(table.numRows);
  });

  it('groups whole batches into ~target shards, rows in order', () => {
    const whole = sampleTable(40_000, 9);
    const batches = [];
    for (let row = 0; row < whole.numRows; row += 2048) batches.push(...whole.slice(row, row + 2048).batches);
    const table = new Table(batches);
    const target = 128 * 1024;
    const shards = [...shardTable(table, target)];
    expectShardsCoverInOrder(shards, whole.numRows, target);
    for (const shard of shards.slice(0, -1)) expect(shard.rows % 2048, 'a shard of whole 2048-row batches').toBe(0);
  });

  it('lays out shards of batches decoded from IPC bytes from those bytes, carried rows included', () => {
    const whole = sampleTable(40_000, 11);
    const plain = new Table({ id: whole.getChild('id') as Vector, name: vectorFromArray(whole.getChild('name')?.toArray() as unknown as string[], new Utf8()) });
    const batches = [];
    for (let row = 0; row < plain.numRows; row += 2048) batches.push(...plain.slice(row, row + 2048).batches);
    // Two parts, as DuckDB hands them over: each its own IPC bytes; the first part's tail is carried into the second.
    const cut = 9 * 2048;
    const [first, second] = [new Table(batches.slice(0, 9)), new Table(batches.slice(9))].map((part) => decodeRememberingBytes(tableToIPC(part, 'stream')));
    if (!first || !second) throw new Error('two parts expected');
    const target = 128 * 1024;
    const cutter = shardTable(first, target, true);
    const shards: TableShard[] = [];
    let next = cutter.next();
    for (; !next.done; next = cutter.next()) shards.push(next.value);
    const carried = first.slice(next.value);
    for (const shard of shardTable(carried.concat(second), target)) shards.push({ ...shard, firstRow: shard.firstRow + next.value });
    expectShardsCoverInOrder(shards, plain.numRows, target);
    expect(next.value).toBeLessThan(cut);
    // Carried batches and the next part's batches are still known by the bytes they came from.
    expect(streamOfDecodedBatches([...carried.batches, ...second.batches.slice(0, 2)])).toBeInstanceOf(Uint8Array);
    expect(streamOfDecodedBatches(plain.slice(0, 4096).batches)).toBeUndefined();
    const names = shards.flatMap((shard) => Array.from({ length: shard.rows }, (_, i) => String(tableFromIPC(shard.bytes).getChild('name')?.get(i))));
    expect(names).toEqual(Array.from(plain.getChild('name')?.toArray() as unknown as string[]));
  });
});

describe('shardTable over a part decoded from one IPC stream', () => {
  /** A part as DuckDB hands it over: 2048-row batches in one IPC stream, decoded. */
  function decodedPart(rows: number, seed: number) {
    const sample = sampleTable(rows, seed);
    // Plain strings, as DuckDB sends them (tableFromArrays would make a dictionary of them).
    const whole = new Table({ id: sample.getChild('id') as Vector, name: vectorFromArray(sample.getChild('name')?.toArray() as unknown as string[], new Utf8()) });
    const batches = [];
    for (let row = 0; row < whole.numRows; row += 2048) batches.push(...whole.slice(row, row + 2048).batches);
    const bytes = tableToIPC(new Table(batches), 'stream');
    return { bytes, table: decodeRememberingBytes(bytes) };
  }

  it('is one shard, the very stream it was decoded from, when that is near the target', () => {
    const { bytes, table } = decodedPart(20_000, 21);
    for (const holdBackTail of [false, true]) {
      const shards = [...shardTable(table, bytes.byteLength, holdBackTail)];
      expect(shards).toHaveLength(1);
      expect(shards[0]?.bytes).toEqual(bytes);
      expect(shards[0]?.bytes.buffer, 'a view, not a copy').toBe(bytes.buffer);
      expect(shards[0]?.rows).toBe(20_000);
      expect(shards[0]?.stats).toEqual(columnStats(table));
    }
    // Up to a quarter over the target, or under it by up to half, it is still taken whole.
    expect([...shardTable(table, Math.ceil(bytes.byteLength / 1.25))][0]?.bytes.buffer).toBe(bytes.buffer);
    expect([...shardTable(table, bytes.byteLength * 2, true)][0]?.bytes.buffer).toBe(bytes.buffer);
  });

  it('is cut as any table when it is well over the target, held back when well under it, or not exactly one stream', () => {
    const { bytes, table } = decodedPart(20_000, 22);
    const over = [...shardTable(table, Math.floor(bytes.byteLength / 1.3))];
    expect(over.length).toBeGreaterThan(1);
    expect(over.every((shard) => shard.bytes.buffer !== bytes.buffer)).toBe(true);
    // Under half the target, a part that is not the last waits for the next part's rows.
    const cutter = shardTable(table, bytes.byteLength * 2 + 8, true);
    const first = cutter.next();
    expect(first.done).toBe(true);
    expect(first.value).toBe(0);
    // A slice or a concatenation of the part is not the stream, nor is a part read from an IPC file.
    expect(streamDecodedInto(table.slice(0, 4096))).toBeUndefined();
    expect(streamDecodedInto(table.concat(table))).toBeUndefined();
    expect(streamDecodedInto(table)).toEqual(bytes);
    // Nor is a stream that lacks its end marker.
    const unended = decodeRememberingBytes(bytes.subarray(0, bytes.length - 8));
    expect(unended.numRows).toBe(table.numRows);
    expect(streamDecodedInto(unended)).toBeUndefined();
  });

  it('is the stream inside the IPC file DuckDB-Wasm answers with, a view of its bytes', async () => {
    const oracle = await DuckDbOracle.open();
    const answer = oracle.answerBytes("SELECT i AS id, 'name-' || (i % 97) AS name FROM range(20000) t(i)");
    expect(new TextDecoder().decode(answer.subarray(0, 6)), 'DuckDB-Wasm answers in the file format').toBe('ARROW1');
    const table = decodeRememberingBytes(answer);
    const [shard, ...more] = [...shardTable(table, answer.byteLength)];
    expect(more).toHaveLength(0);
    if (!shard) throw new Error('one shard expected');
    expect(shard.bytes.buffer, 'a view, not a copy').toBe(answer.buffer);
    expect(shard.bytes.byteLength).toBeLessThan(answer.byteLength);
    // The stream format of the same rows.
    const back = tableFromIPC(shard.bytes);
    expect(new TextDecoder().decode(shard.bytes.subarray(0, 6))).not.toBe('ARROW1');
    expect(back.numRows).toBe(20_000);
    expect(back.getChild('name')?.toArray()).toEqual(table.getChild('name')?.toArray());
    // A file without the end marker before its footer (apache-arrow writes none) has no stream to take.
    expect(streamDecodedInto(decodeRememberingBytes(tableToIPC(table, 'file')))).toBeUndefined();
  });
});
