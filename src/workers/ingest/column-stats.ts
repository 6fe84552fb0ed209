import { DataType, type Data, type Table, type Vector } from 'apache-arrow';
import type { ColumnStats } from '../../engine/catalog/manifest';

type StatValue = string | number | boolean | null;

// Min, max and null count per column are what queries prune shards by, so their order must be
// DuckDB's: numbers numerically, strings by their UTF-8 bytes (code point order, which is not
// JavaScript's UTF-16 order for characters beyond U+FFFF). Ingest runs this over every row, so
// plain numbers, strings, dates and timestamps are read straight from Arrow's buffers; other
// types go through Vector.get, which is about 20x slower.

/**
 * A value as the catalog keeps it: numbers, strings and booleans as they are; bigints as
 * numbers when exact, else as decimal strings; dates as epoch milliseconds; anything else
 * (lists, structs, binary) has no order the planner could prune by.
 */
function comparable(value: unknown): StatValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isNaN(value) ? undefined : value;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Date) return value.getTime();
  return undefined;
}

/** JavaScript strings in code point order (= UTF-8 byte order, DuckDB's). */
export function codePointLess(a: string, b: string): boolean {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800-DFFF) stand for code points above U+FFFF: they sort after U+E000-FFFF.
    const surrogateX = x >= 0xd800 && x <= 0xdfff;
    const surrogateY = y >= 0xd800 && y <= 0xdfff;
    if (surrogateX !== surrogateY) return surrogateY;
    return x < y;
  }
  return a.length < b.length;
}

/**
 * A chunk's validity bits, or undefined when every value is valid. Loops test `nullAt` only
 * with bits in hand: most chunks have no nulls, and the bitmap's getters cost more per row
 * than the comparisons they guard.
 */
function validityOf(data: Data): { readonly bitmap: Uint8Array; readonly offset: number } | undefined {
  const bitmap = data.nullBitmap;
  return data.nullCount === 0 || !bitmap || bitmap.length === 0 ? undefined : { bitmap, offset: data.offset };
}

function nullAt(validity: { readonly bitmap: Uint8Array; readonly offset: number }, i: number): boolean {
  const bit = validity.offset + i;
  return ((validity.bitmap[bit >> 3] ?? 0) & (1 << (bit & 7))) === 0;
}

/**
 * The rows holding the smallest and largest of a chunk's 64-bit integers (-1 if all are null),
 * compared as two 32-bit halves: JavaScript compares bigints many times slower than numbers.
 */
function int64Extremes(data: Data, values: BigInt64Array | BigUint64Array): { minAt: number; maxAt: number; nulls: number } {
  const halves = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  // Little-endian: the low half first. The high half is signed for signed ints; the low is unsigned.
  const unsigned = values instanceof BigUint64Array;
  const validity = validityOf(data);
  let minAt = -1;
  let maxAt = -1;
  let [minHigh, minLow, maxHigh, maxLow] = [0, 0, 0, 0];
  let nulls = 0;
  for (let i = 0; i < data.length; i++) {
    if (validity && nullAt(validity, i)) {
      nulls++;
      continue;
    }
    const signedHigh = halves[2 * i + 1] ?? 0;
    const high = unsigned ? signedHigh >>> 0 : signedHigh;
    const low = (halves[2 * i] ?? 0) >>> 0;
    if (minAt < 0) {
      [minAt, maxAt, minHigh, minLow, maxHigh, maxLow] = [i, i, high, low, high, low];
      continue;
    }
    if (high < minHigh || (high === minHigh && low < minLow)) [minAt, minHigh, minLow] = [i, high, low];
    if (high > maxHigh || (high === maxHigh && low > maxLow)) [maxAt, maxHigh, maxLow] = [i, high, low];
  }
  return { minAt, maxAt, nulls };
}

/** Numbers (ints up to 32 bits, floats but half) and 64-bit ints from their value buffers. */
function numericStats(vector: Vector): ColumnStats {
  let min: number | bigint | undefined;
  let max: number | bigint | undefined;
  let nulls = 0;
  for (const data of vector.data) {
    if (data.values instanceof BigInt64Array || data.values instanceof BigUint64Array) {
      const extremes = int64Extremes(data, data.values);
      nulls += extremes.nulls;
      if (extremes.minAt < 0) continue;
      const low = data.values[extremes.minAt] as bigint;
      const high = data.values[extremes.maxAt] as bigint;
      if (min === undefined || low < min) min = low;
      if (max === undefined || high > max) max = high;
      continue;
    }
    // NaN fails every comparison, so it is never taken; a chunk of only NaN leaves low > high.
    const values = data.values as ArrayLike<number>;
    const validity = validityOf(data);
    let low = Infinity;
    let high = -Infinity;
    let seen = false;
    for (let i = 0; i < data.length; i++) {
      if (validity && nullAt(validity, i)) {
        nulls++;
        continue;
      }
      const value = values[i] ?? Number.NaN;
      if (value < low) low = value;
      if (value > high) high = value;
      seen ||= value === value;
    }
    if (!seen) continue;
    if (min === undefined || low < min) min = low;
    if (max === undefined || high > max) max = high;
  }
  return { min: comparable(min) ?? null, max: comparable(max) ?? null, nulls };
}

/** Whether bytes [a, a + aLength) of `bytes` sort before bytes [b, b + bLength). */
function bytesBefore(bytes: Uint8Array, a: number, aLength: number, b: number, bLength: number): boolean {
  const length = aLength < bLength ? aLength : bLength;
  for (let i = 0; i < length; i++) {
    const x = bytes[a + i]!;
    const y = bytes[b + i]!;
    if (x !== y) return x < y;
  }
  return aLength < bLength;
}

/**
 * UTF-8 strings compared as bytes, decoded only for the winners. A row's first byte settles
 * most comparisons with the smallest and largest so far; only a tie looks further.
 */
function utf8Stats(vector: Vector): ColumnStats {
  const decoder = new TextDecoder();
  let min: string | undefined;
  let max: string | undefined;
  let nulls = 0;
  for (const data of vector.data) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    // The extremes as [start, length) in `bytes`, and their first byte (-1 for ""). Before any
    // row, the first byte bounds are out of reach, so the first valid row takes both.
    let [minStart, minLength, minFirst] = [0, -1, 256];
    let [maxStart, maxLength, maxFirst] = [0, -1, -2];
    const validity = validityOf(data);
    let end = offsets[0]!;
    for (let i = 0; i < data.length; i++) {
      const start = end;
      end = offsets[i + 1]!;
      if (validity && nullAt(validity, i)) {
        nulls++;
        continue;
      }
      const length = end - start;
      const first = length > 0 ? bytes[start]! : -1;
      if (first < minFirst || (first === minFirst && bytesBefore(bytes, start, length, minStart, minLength))) {
        minStart = start;
        minLength = length;
        minFirst = first;
      }
      if (first > maxFirst || (first === maxFirst && bytesBefore(bytes, maxStart, maxLength, start, length))) {
        maxStart = start;
        maxLength = length;
        maxFirst = first;
      }
    }
    if (minLength >= 0) {
      const candidate = decoder.decode(bytes.subarray(minStart, minStart + minLength));
      if (min === undefined || codePointLess(candidate, min)) min = candidate;
    }
    if (maxLength >= 0) {
      const candidate = decoder.decode(bytes.subarray(maxStart, maxStart + maxLength));
      if (max === undefined || codePointLess(max, candidate)) max = candidate;
    }
  }
  return { min: min ?? null, max: max ?? null, nulls };
}

type OrderKey = number | bigint | string | boolean;

/** A value's place in DuckDB's order, or undefined when it has none (NaN, lists, structs...). */
function orderKey(raw: unknown): OrderKey | undefined {
  if (typeof raw === 'number') return Number.isNaN(raw) ? undefined : raw;
  if (typeof raw === 'bigint' || typeof raw === 'string' || typeof raw === 'boolean') return raw;
  if (raw instanceof Date) return raw.getTime();
  return undefined;
}

function keyLess(a: OrderKey, b: OrderKey): boolean {
  if (typeof a === 'string' && typeof b === 'string') return codePointLess(a, b);
  // Numbers and bigints compare exactly with each other in JavaScript.
  return a < b;
}

/** Any column, one value at a time (the reference the fast paths must agree with). */
export function genericColumnStats(vector: Vector): ColumnStats {
  let min: OrderKey | undefined;
  let max: OrderKey | undefined;
  let nulls = 0;
  let orderable = true;
  for (let row = 0; row < vector.length; row++) {
    const raw: unknown = vector.get(row);
    if (raw === null || raw === undefined) {
      nulls++;
      continue;
    }
    const key = orderKey(raw);
    if (key === undefined) {
      if (typeof raw !== 'number') orderable = false;
      continue;
    }
    if (min === undefined || keyLess(key, min)) min = key;
    if (max === undefined || keyLess(max, key)) max = key;
  }
  return orderable ? { min: comparable(min) ?? null, max: comparable(max) ?? null, nulls } : { min: null, max: null, nulls };
}

/**
 * Dates and timestamps: one integer per row whose order is the values' order, so the smallest
 * and largest are found on the raw integers and only those two rows are read as values (epoch
 * milliseconds, as genericColumnStats gives them).
 */
function temporalStats(vector: Vector): ColumnStats {
  let minRow = -1;
  let maxRow = -1;
  let min: number | bigint = 0;
  let max: number | bigint = 0;
  let nulls = 0;
  let offset = 0;
  for (const data of vector.data) {
    const values = data.values as ArrayLike<number | bigint>;
    if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
      const extremes = int64Extremes(data, values);
      nulls += extremes.nulls;
      if (extremes.minAt >= 0) {
        const [low, high] = [values[extremes.minAt] as bigint, values[extremes.maxAt] as bigint];
        if (minRow < 0 || low < min) [min, minRow] = [low, offset + extremes.minAt];
        if (maxRow < 0 || high > max) [max, maxRow] = [high, offset + extremes.maxAt];
      }
      offset += data.length;
      continue;
    }
    const validity = validityOf(data);
    for (let i = 0; i < data.length; i++) {
      if (validity && nullAt(validity, i)) {
        nulls++;
        continue;
      }
      const value = values[i] as number | bigint;
      if (minRow < 0 || value < min) [min, minRow] = [value, offset + i];
      if (maxRow < 0 || value > max) [max, maxRow] = [value, offset + i];
    }
    offset += data.length;
  }
  if (minRow < 0) return { min: null, max: null, nulls };
  return { min: comparable(vector.get(minRow)) ?? null, max: comparable(vector.get(maxRow)) ?? null, nulls };
}

function statsOf(vector: Vector): ColumnStats {
  const type = vector.type as DataType;
  if ((DataType.isInt(type) && type.bitWidth <= 64) || (DataType.isFloat(type) && type.precision > 0)) return numericStats(vector);
  if (DataType.isDate(type) || DataType.isTimestamp(type)) return temporalStats(vector);
  if (DataType.isUtf8(type)) return utf8Stats(vector);
  return genericColumnStats(vector);
}

/** Min, max and null count of every column of a table (or a shard's slice of one). */
export function columnStats(table: Table): Record<string, ColumnStats> {
  const stats: Record<string, ColumnStats> = {};
  for (const field of table.schema.fields) {
    const column = table.getChild(field.name);
    stats[field.name] = column ? statsOf(column) : { min: null, max: null, nulls: 0 };
  }
  return stats;
}
