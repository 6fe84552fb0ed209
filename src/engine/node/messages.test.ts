import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PIECE_BYTES } from '../content-id';
import { decodeMessage, encodeMessage, MAX_FRAME_BYTES, type EngineMessage } from './messages';

const id = 'ab'.repeat(32);

describe('wire messages', () => {
  it('round-trip every message type', () => {
    const messages: EngineMessage[] = [
      { type: 'shard-offer', shard: id, replaces: 'n', replacesIncarnation: 1, replacesVersion: 3 },
      { type: 'pieces-request', shard: id },
      { type: 'pieces', shard: id, ok: true, reason: '', size: PIECE_BYTES + 1, hashes: [id, id] },
      { type: 'pieces', shard: id, ok: false, reason: 'not held here', size: 0, hashes: [] },
      { type: 'piece-request', shard: id, index: 1 },
      { type: 'piece', shard: id, index: 1, ok: true, reason: '', deflated: true, bytes: new Uint8Array([1, 2, 3, 250]) },
      { type: 'shard-ack', shard: id, ok: false, reason: 'store is full', version: 7 },
      {
        type: 'gossip',
        catalog: {
          manifests: [{ id, name: 'd', columns: [{ name: 'a', type: 'Utf8' }], rows: 1, bytes: 3, createdBy: 'n', shards: [{ id, bytes: 3, rows: 1, firstRow: 0, stats: { a: { min: 'x', max: 'y', nulls: 0 } } }] }],
          records: [{ id: 'n', host: 'h', incarnation: 1, version: 2, capacityBytes: 10, usedBytes: 3, full: false, capabilities: ['webgpu'], holdings: [id], staged: [], pending: [{ shard: id, to: 'm', releaseFrom: 'n' }], replacing: [{ shard: id, source: 'o' }], released: [{ shard: id, to: 'p', at: 5 }], leaving: false, left: false }],
        },
        heardAgoMs: { n: 0, m: 1_250 },
      },
    ];
    for (const message of messages) expect(decodeMessage(encodeMessage(message))).toEqual(message);
  });

  it('reject any random bytes with InvalidMessageError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (error) {
          expect((error as Error).name).toBe('InvalidMessageError');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reject malformed headers, wrong versions, bad ids and oversized frames', () => {
    const good = encodeMessage({ type: 'shard-ack', shard: id, ok: true, reason: '', version: 1 });
    const wrongVersion = good.slice();
    wrongVersion[0] = 9;
    expect(() => decodeMessage(wrongVersion)).toThrow(/wire version/);
    const badId = encodeMessage({ type: 'shard-ack', shard: 'not-an-id', ok: true, reason: '', version: 1 });
    expect(() => decodeMessage(badId)).toThrow(/content id/);
    const typeless = encodeMessage({ type: 'nope' } as unknown as EngineMessage);
    expect(() => decodeMessage(typeless)).toThrow(/unknown message type/);
    expect(() => decodeMessage(new Uint8Array(MAX_FRAME_BYTES + 1))).toThrow(/exceeds/);
    expect(() => decodeMessage(encodeMessage({ type: 'pieces', shard: id, ok: true, reason: '', size: 3 * PIECE_BYTES, hashes: [id] }))).toThrow(/1 piece hashes/);
    expect(() => decodeMessage(encodeMessage({ type: 'piece-request', shard: id, index: 1.5 }))).toThrow(/integer/);
    const oversized = encodeMessage({ type: 'piece', shard: id, index: 0, ok: true, reason: '', deflated: false, bytes: new Uint8Array(PIECE_BYTES + 1) });
    expect(() => decodeMessage(oversized)).toThrow(/piece of/);
    const payloadOnRequest = new Uint8Array([...encodeMessage({ type: 'pieces-request', shard: id }), 1]);
    expect(() => decodeMessage(payloadOnRequest)).toThrow(/unexpected payload/);
    const badRecord = encodeMessage({ type: 'gossip', catalog: { manifests: [], records: [{ id: 'n' }] } } as unknown as EngineMessage);
    expect(() => decodeMessage(badRecord)).toThrow(/records\[0\]/);
    const gossip = (heardAgoMs: unknown): Uint8Array => encodeMessage({ type: 'gossip', catalog: { manifests: [], records: [] }, heardAgoMs } as unknown as EngineMessage);
    expect(() => decodeMessage(gossip({ n: -5 }))).toThrow(/heardAgoMs\.n/);
    expect(() => decodeMessage(gossip([1]))).toThrow(/heardAgoMs is not an object/);
    // A key like __proto__ is a plain key, not a way to reach the object's prototype.
    const decoded = decodeMessage(gossip({ ['__proto__']: 1 }));
    expect(decoded.type === 'gossip' && Object.keys(decoded.heardAgoMs)).toEqual(['__proto__']);
    // Frames from builds before the field still decode: every relayed heartbeat is news from now.
    const old = encodeMessage({ type: 'gossip', catalog: { manifests: [], records: [] } } as unknown as EngineMessage);
    expect(decodeMessage(old)).toEqual({ type: 'gossip', catalog: { manifests: [], records: [] }, heardAgoMs: {} });
  });
});
