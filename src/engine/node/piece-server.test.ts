import { describe, expect, it, vi } from 'vitest';
import { PIECE_BYTES, pieceHashes } from '../content-id';
import { deflatePiece } from '../piece-deflate';
import type * as PieceDeflate from '../piece-deflate';
import type { EngineEffect } from './engine-io';
import { decodeMessage, encodeMessage, type EngineMessage } from './messages';
import { SeededRandom } from '../testing/seeded-random';
import { PieceServer } from './piece-server';
import type { PartialCopy } from './shard-downloads';

vi.mock('../piece-deflate', async (importOriginal) => {
  const actual = await importOriginal<typeof PieceDeflate>();
  return { ...actual, deflatePiece: vi.fn(actual.deflatePiece) };
});

const shard = 'ab'.repeat(32);

function serverWithOutbox(partialCopy?: (shard: string) => PartialCopy | undefined): { server: PieceServer; sent: () => { to: string; message: EngineMessage }[] } {
  const sent: { to: string; message: EngineMessage }[] = [];
  const server = new PieceServer((to, message) => {
    sent.push({ to, message: decodeMessage(encodeMessage(message)) });
    return { type: 'send', to, bytes: new Uint8Array(0) };
  }, partialCopy);
  return { server, sent: () => sent.splice(0) };
}

describe('PieceServer', () => {
  it('reads a shard once for every request that waits on it, then serves pieces from memory', async () => {
    const bytes = Uint8Array.from({ length: 2 * PIECE_BYTES + 10 }, (_, i) => i % 251);
    const hashes = await pieceHashes(bytes);
    const { server, sent } = serverWithOutbox();
    const effects: EngineEffect[] = [];
    server.onRequest('a', shard, undefined, true, 0, effects);
    server.onRequest('b', shard, 2, true, 0, effects);
    expect(effects.filter((effect) => effect.type === 'read-shard')).toHaveLength(1);
    expect(sent()).toEqual([]);
    server.onRead(shard, bytes, hashes, '', 10, effects);
    const answers = sent();
    expect(answers.map((answer) => [answer.to, answer.message.type])).toEqual([['a', 'pieces'], ['b', 'piece']]);
    expect(answers[0]?.message).toMatchObject({ ok: true, size: bytes.length, hashes });
    expect(answers[1]?.message).toMatchObject({ ok: true, index: 2, bytes: bytes.subarray(2 * PIECE_BYTES) });
    const more: EngineEffect[] = [];
    server.onRequest('c', shard, 0, true, 20, more);
    expect(more.some((effect) => effect.type === 'read-shard')).toBe(false);
    expect(sent()[0]?.message).toMatchObject({ type: 'piece', ok: true, index: 0 });
    expect(server.bytesServed.get(shard)).toBe(10 + PIECE_BYTES);
  });

  it('warms a shard due to be sent: one read, every piece deflated before anyone asks, none deflated again', async () => {
    const bytes = Uint8Array.from({ length: 3 * PIECE_BYTES }, (_, i) => i % 7);
    const hashes = await pieceHashes(bytes);
    const { server, sent } = serverWithOutbox();
    const deflations = vi.mocked(deflatePiece);
    deflations.mockClear();
    const effects: EngineEffect[] = [];
    server.warm(shard, 0, effects);
    server.warm(shard, 500, effects);
    expect(effects.filter((effect) => effect.type === 'read-shard')).toHaveLength(1);
    server.onRead(shard, bytes, hashes, '', 1_000, effects);
    expect(deflations).toHaveBeenCalledTimes(3);
    expect(server.shardsWarmed).toBe(1);
    // A shard already cached (an upload's, say) is only deflated where it is not yet.
    server.prime('cd'.repeat(32), bytes, hashes, 1_000);
    server.onRequest('b', 'cd'.repeat(32), 0, true, 1_000, effects);
    server.warm('cd'.repeat(32), 1_000, effects);
    expect(deflations).toHaveBeenCalledTimes(6);
    sent();
    // Warmed again each tick until the transfer starts: it stays cached past the idle limit.
    server.warm(shard, 14_000, effects);
    server.tick(20_000);
    const later: EngineEffect[] = [];
    for (let index = 0; index < 3; index++) server.onRequest('a', shard, index, true, 20_000, later);
    expect(later).toHaveLength(3);
    expect(later.every((effect) => effect.type === 'send')).toBe(true);
    expect(sent().map((answer) => answer.message)).toEqual([0, 1, 2].map((index) => expect.objectContaining({ type: 'piece', ok: true, index, deflated: true })));
    expect(deflations).toHaveBeenCalledTimes(6);
  });

  it("serves an upload's primed shard with no store read, and keeps a shard it already serves", async () => {
    const bytes = Uint8Array.from({ length: PIECE_BYTES + 5 }, (_, i) => i % 13);
    const hashes = await pieceHashes(bytes);
    const { server, sent } = serverWithOutbox();
    server.prime(shard, bytes, hashes, 0);
    const effects: EngineEffect[] = [];
    server.onRequest('a', shard, undefined, true, 1, effects);
    server.onRequest('a', shard, 1, true, 1, effects);
    expect(effects.filter((effect) => effect.type === 'read-shard')).toEqual([]);
    const answers = sent();
    expect(answers[0]?.message).toMatchObject({ type: 'pieces', ok: true, size: bytes.length, hashes });
    expect(answers[1]?.message).toMatchObject({ type: 'piece', ok: true, index: 1, bytes: bytes.subarray(PIECE_BYTES) });
    // Priming again (another upload of the same bytes) leaves the entry being served alone.
    server.prime(shard, new Uint8Array(3), [], 2);
    server.onRequest('b', shard, undefined, true, 3, effects);
    expect(sent()[0]?.message).toMatchObject({ size: bytes.length, hashes });
  });

  it('refuses shards it does not hold, pieces past the end, and everyone waiting on a failed read', () => {
    const { server, sent } = serverWithOutbox();
    const effects: EngineEffect[] = [];
    server.onRequest('a', shard, 0, false, 0, effects);
    expect(sent()[0]?.message).toMatchObject({ type: 'piece', ok: false, reason: 'not held here' });
    server.onRequest('a', shard, undefined, true, 0, effects);
    server.onRequest('b', shard, 1, true, 0, effects);
    server.onRead(shard, undefined, [], 'ShardNotFoundError: gone', 5, effects);
    expect(sent().map((answer) => answer.message)).toEqual([
      expect.objectContaining({ type: 'pieces', ok: false, reason: 'ShardNotFoundError: gone' }),
      expect.objectContaining({ type: 'piece', ok: false, reason: 'ShardNotFoundError: gone' }),
    ]);
  });

  it('forgets idle shards, so a later request reads the store again', async () => {
    const bytes = new Uint8Array(100).fill(7);
    const { server, sent } = serverWithOutbox();
    const effects: EngineEffect[] = [];
    server.onRequest('a', shard, 0, true, 0, effects);
    server.onRead(shard, bytes, await pieceHashes(bytes), '', 0, effects);
    server.onRequest('a', shard, 1, true, 1, effects);
    expect(sent()[1]?.message).toMatchObject({ type: 'piece', ok: false, reason: 'no piece 1' });
    server.tick(60_000);
    const later: EngineEffect[] = [];
    server.onRequest('a', shard, 0, true, 60_001, later);
    expect(later.some((effect) => effect.type === 'read-shard')).toBe(true);
  });

  it('deflates a piece that shrinks once, however many peers pull it, and sends one that does not as it is', async () => {
    const random = new SeededRandom(5);
    // A first piece of small repeating values, a second of random bytes.
    const tabular = Uint8Array.from({ length: 2 * PIECE_BYTES }, (_, i) => (i < PIECE_BYTES ? i % 7 : random.int(256)));
    const hashes = await pieceHashes(tabular);
    const sent: EngineMessage[] = [];
    const server = new PieceServer((to, message) => {
      sent.push(message);
      return { type: 'send', to, bytes: new Uint8Array(0) };
    });
    server.prime(shard, tabular, hashes, 0);
    const effects: EngineEffect[] = [];
    for (const peer of ['a', 'b']) for (const index of [0, 1]) server.onRequest(peer, shard, index, true, 1, effects);
    const pieces = sent.filter((message) => message.type === 'piece');
    expect(pieces.map((piece) => [piece.index, piece.deflated])).toEqual([[0, true], [1, false], [0, true], [1, false]]);
    // The same deflated bytes went to both peers: made once, kept with the shard.
    expect(pieces[2]?.bytes).toBe(pieces[0]?.bytes);
    expect(pieces[0]?.bytes.length).toBeLessThan(PIECE_BYTES / 8);
    expect(pieces[1]?.bytes).toEqual(tabular.subarray(PIECE_BYTES));
    expect(server.bytesServed.get(shard)).toBe(4 * PIECE_BYTES);
    expect(server.wireBytesServed).toBe(2 * (pieces[0]?.bytes.length ?? 0) + 2 * PIECE_BYTES);
  });

  it('passes on the verified pieces of a copy still arriving, keeps requests for the rest until they arrive, and refuses them once it stops', async () => {
    const bytes = Uint8Array.from({ length: 3 * PIECE_BYTES }, (_, i) => i % 11);
    const hashes = await pieceHashes(bytes);
    // The copy as a download here has it: no list yet, then the list and piece 0, ...
    const arriving = { size: 0, hashes: undefined as readonly string[] | undefined, growing: true, pieces: [] as (Uint8Array | undefined)[] };
    const partial = (): PartialCopy => ({ ...arriving, piece: (index) => arriving.pieces[index], wirePiece: () => undefined });
    let receiving = true;
    const { server, sent } = serverWithOutbox((asked) => (asked === shard && receiving ? partial() : undefined));
    const effects: EngineEffect[] = [];
    server.onRequest('a', shard, undefined, false, 0, effects);
    server.onRequest('a', shard, 0, false, 0, effects);
    server.onRequest('b', shard, 2, false, 0, effects);
    expect(sent()).toEqual([]);
    Object.assign(arriving, { size: bytes.length, hashes, pieces: [bytes.slice(0, PIECE_BYTES)] });
    server.onArrival(shard, undefined, 10, effects);
    expect(sent().map((answer) => [answer.to, answer.message])).toEqual([
      ['a', expect.objectContaining({ type: 'pieces', ok: true, size: bytes.length, hashes })],
      ['a', expect.objectContaining({ type: 'piece', ok: true, index: 0, deflated: true })],
    ]);
    // Piece 2 is still awaited; a piece past the end is refused at once.
    server.onRequest('b', shard, 3, false, 10, effects);
    expect(sent()[0]?.message).toMatchObject({ type: 'piece', ok: false, reason: 'no piece 3' });
    // The copy completes: the waiting request is answered from it, and so are later ones.
    receiving = false;
    server.onArrival(shard, { bytes, hashes, wire: [] }, 20, effects);
    server.onRequest('c', shard, 1, false, 20, effects);
    expect(sent().map((answer) => [answer.to, answer.message])).toEqual([
      ['b', expect.objectContaining({ type: 'piece', ok: true, index: 2 })],
      ['c', expect.objectContaining({ type: 'piece', ok: true, index: 1 })],
    ]);
    expect(server.totals()).toMatchObject({ bytesServed: 3 * PIECE_BYTES, bytesRelayed: PIECE_BYTES });
    expect(effects.filter((effect) => effect.type === 'read-shard')).toEqual([]);
    // A copy that stopped arriving (its holders went silent) has its waiting requests refused.
    const other = 'ef'.repeat(32);
    const stopped = { size: bytes.length, hashes, growing: true, piece: (): Uint8Array | undefined => undefined, wirePiece: () => undefined };
    const second = serverWithOutbox((asked) => (asked === other ? stopped : undefined));
    second.server.onRequest('a', other, 1, false, 0, effects);
    expect(second.sent()).toEqual([]);
    stopped.growing = false;
    second.server.onArrival(other, undefined, 5, effects);
    expect(second.sent()[0]?.message).toMatchObject({ type: 'piece', ok: false, reason: expect.stringMatching(/stopped arriving/) });
  });

  it('passes on the pieces of a copy it receives as they came on the wire, while they arrive and once the copy is whole, never deflating them again', async () => {
    const random = new SeededRandom(9);
    const bytes = new Uint8Array(2 * PIECE_BYTES).map((_, i) => (i < PIECE_BYTES ? i % 13 : random.int(256)));
    const hashes = await pieceHashes(bytes);
    const pieces = [bytes.slice(0, PIECE_BYTES), bytes.slice(PIECE_BYTES)];
    // As the holder sent them: the first deflated, the random second as it is.
    const wire = [deflatePiece(bytes.subarray(0, PIECE_BYTES)), { bytes: bytes.slice(PIECE_BYTES), deflated: false }];
    vi.mocked(deflatePiece).mockClear();
    let arriving = true;
    const partial: PartialCopy = { size: bytes.length, hashes, growing: true, piece: (index) => pieces[index], wirePiece: (index) => wire[index] };
    const { server, sent } = serverWithOutbox((asked) => (asked === shard && arriving ? partial : undefined));
    const effects: EngineEffect[] = [];
    server.onRequest('a', shard, 0, false, 0, effects);
    arriving = false;
    server.onArrival(shard, { bytes, hashes, wire }, 10, effects);
    server.onRequest('b', shard, 1, false, 10, effects);
    server.onRequest('c', shard, 0, false, 10, effects);
    const answers = sent().map((answer) => [answer.to, answer.message.type === 'piece' ? [answer.message.deflated, answer.message.bytes] : undefined]);
    expect(answers).toEqual([
      ['a', [true, wire[0]?.bytes]],
      ['b', [false, wire[1]?.bytes]],
      ['c', [true, wire[0]?.bytes]],
    ]);
    expect(deflatePiece).not.toHaveBeenCalled();
  });
});
