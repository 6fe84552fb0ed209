import { describe, expect, it } from 'vitest';
import { InvalidMessageError } from '../errors';
import { decodeQueryMessage, encodeQueryMessage, isQueryFrame, RESULT_PART_BYTES, resultMessages } from './query-messages';

const shard = 'ab'.repeat(32);
const other = 'cd'.repeat(32);

describe('query messages', () => {
  it('round-trip, and cut a large result into parts that reassemble to the same bytes', () => {
    const subquery = { type: 'subquery' as const, query: 'q1', shards: [shard, other], sql: 'SELECT 1 FROM __shard' };
    expect(decodeQueryMessage(encodeQueryMessage(subquery))).toEqual(subquery);
    const bytes = Uint8Array.from({ length: RESULT_PART_BYTES * 2 + 5 }, (_, i) => i % 251);
    const parts = resultMessages('q1', shard, { ok: true, bytes, ms: 4 }).map((message) => decodeQueryMessage(encodeQueryMessage(message)));
    expect(parts.map((part) => (part.type === 'subquery-result' ? [part.part, part.parts, part.bytes.length] : []))).toEqual([
      [0, 3, RESULT_PART_BYTES],
      [1, 3, RESULT_PART_BYTES],
      [2, 3, 5],
    ]);
    const joined = new Uint8Array(bytes.length);
    let offset = 0;
    for (const part of parts) {
      if (part.type !== 'subquery-result') continue;
      joined.set(part.bytes, offset);
      offset += part.bytes.length;
    }
    expect(joined).toEqual(bytes);
    expect(isQueryFrame(encodeQueryMessage(subquery))).toBe(true);
  });

  it('rejects malformed frames with a reason', () => {
    const good = encodeQueryMessage({ type: 'subquery', query: 'q', shards: [shard], sql: 'x' });
    const withHeader = (header: object): Uint8Array => {
      const json = new TextEncoder().encode(JSON.stringify(header));
      const frame = new Uint8Array(5 + json.length);
      frame[0] = good[0] ?? 0;
      new DataView(frame.buffer).setUint32(1, json.length);
      frame.set(json, 5);
      return frame;
    };
    const bad: [Uint8Array, RegExp][] = [
      [good.subarray(0, 3), /shorter than its 5-byte prefix/],
      [Uint8Array.of(2, 0, 0, 0, 0), /not a query frame/],
      [withHeader({ type: 'subquery', query: 'q', shards: ['nope'], sql: 'x' }), /content id/],
      [withHeader({ type: 'subquery', query: 'q', shards: [], sql: 'x' }), /1 to 4096 content ids/],
      [withHeader({ type: 'subquery', query: 'q', shards: [shard, shard], sql: 'x' }), /names a shard twice/],
      [withHeader({ type: 'subquery', query: 'q', shards: [shard, other], sql: 'x', vector: { query: [1], k: 1, metric: 'dot' } }), /vector job runs on one shard/],
      [withHeader({ type: 'subquery-result', query: 'q', shard: 'nope', ok: true, retryable: false, error: '', ms: 1, part: 0, parts: 1 }), /content id/],
      [withHeader({ type: 'drop-table', query: 'q', shard }), /unknown query message type/],
      [withHeader({ type: 'subquery-result', query: 'q', shard, ok: true, retryable: false, error: '', ms: 1, part: 3, parts: 2 }), /part out of range/],
      [withHeader({ type: 'subquery', query: 'q', shards: [shard], sql: 'x'.repeat(70_000) }), /sql must be a string/],
    ];
    for (const [frame, reason] of bad) {
      expect(() => decodeQueryMessage(frame)).toThrow(InvalidMessageError);
      expect(() => decodeQueryMessage(frame)).toThrow(reason);
    }
  });
});
