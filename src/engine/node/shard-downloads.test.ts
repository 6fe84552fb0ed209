import { describe, expect, it } from 'vitest';
import { PIECE_BYTES, idOfPieces, pieceHashes, sha256Hex } from '../content-id';
import type { EngineEffect } from './engine-io';
import { decodeMessage, encodeMessage, type EngineMessage } from './messages';
import { defaultDownloadSettings } from './download-settings';
import { ShardDownloads } from './shard-downloads';

// One download driven by hand: every message it sends is read back, every hash check it asks
// for is done here, and holders answer (or do not) as each test says.

interface Harness {
  downloads: ShardDownloads;
  /** Requests sent since the last call, as `holder:index` (`holder:list` for a piece list). */
  asked: () => string[];
  /** Performs the hash checks among `effects` and steps their results back in. */
  settle: (effects: EngineEffect[], now: number) => Promise<EngineEffect[]>;
}

function harness(holders: readonly string[]): Harness {
  const sent: string[] = [];
  const send = (to: string, message: EngineMessage): EngineEffect => {
    const decoded = decodeMessage(encodeMessage(message));
    if (decoded.type === 'pieces-request') sent.push(`${to}:list`);
    if (decoded.type === 'piece-request') sent.push(`${to}:${decoded.index}`);
    return { type: 'send', to, bytes: new Uint8Array(0) };
  };
  const downloads = new ShardDownloads(defaultDownloadSettings, send, (to) => ({ type: 'send', to, bytes: new Uint8Array(0) }), () => holders);
  const settle = async (effects: EngineEffect[], now: number): Promise<EngineEffect[]> => {
    const out: EngineEffect[] = [];
    for (const effect of effects) {
      if (effect.type !== 'check-digest') {
        out.push(effect);
        continue;
      }
      const digest = effect.check.kind === 'piece-list' ? await idOfPieces(effect.check.hashes) : await sha256Hex(effect.bytes);
      const next: EngineEffect[] = [];
      downloads.onChecked(effect.check, digest === effect.expected, effect.bytes, now, next);
      out.push(...(await settle(next, now)));
    }
    return out;
  };
  return { downloads, asked: () => sent.splice(0), settle };
}

/** A shard of `count` pieces of a repeating pattern: its bytes, piece hashes and id, and piece `index` as a holder sends it. */
async function testShard(count: number, step: number, modulo: number) {
  const bytes = new Uint8Array(count * PIECE_BYTES).map((_, i) => (i * step) % modulo);
  const hashes = await pieceHashes(bytes);
  const shard = await idOfPieces(hashes);
  const piece = (index: number, data: Uint8Array = bytes.slice(index * PIECE_BYTES, (index + 1) * PIECE_BYTES)): Extract<EngineMessage, { type: 'piece' }> => ({
    type: 'piece',
    shard,
    index,
    ok: true,
    reason: '',
    deflated: false,
    bytes: data,
  });
  return { bytes, hashes, shard, piece };
}

describe('ShardDownloads', () => {
  it('goes back to a holder it left early for another, once that one refuses, rather than giving up', async () => {
    const bytes = Uint8Array.from({ length: 2 * PIECE_BYTES }, (_, i) => i % 9);
    const hashes = await pieceHashes(bytes);
    const shard = await idOfPieces(hashes);
    // 'u' holds the whole shard; 'r' is listed as receiving it, but turns out to have nothing.
    const { downloads, asked, settle } = harness(['u', 'r']);
    let effects: EngineEffect[] = [];
    downloads.want(shard, { kind: 'fetch', request: 1 }, ['u'], 0, effects);
    expect(asked()).toEqual(['u:list']);
    downloads.onPieceList('u', { type: 'pieces', shard, ok: true, reason: '', size: bytes.length, hashes }, 10, effects);
    effects = await settle(effects, 10);
    expect(asked()).toEqual(['u:0', 'u:1']);
    // The uploader's link stalls: after a second, the download tries the receiver.
    downloads.tick(1_010, effects);
    expect(asked()).toEqual(['r:0', 'r:1']);
    downloads.onPiece('r', { type: 'piece', shard, index: 0, ok: false, reason: 'not held here', deflated: false, bytes: new Uint8Array(0) }, 1_020, effects);
    // Back to the uploader, not parked: a fetch waiting on it has not failed. Its asks still
    // stand (the pieces may yet come), so nothing is asked twice.
    expect(asked()).toEqual([]);
    expect(effects.filter((effect) => effect.type === 'fetched-shard')).toEqual([]);
    for (const index of [0, 1]) {
      downloads.onPiece('u', { type: 'piece', shard, index, ok: true, reason: '', deflated: false, bytes: bytes.slice(index * PIECE_BYTES, (index + 1) * PIECE_BYTES) }, 1_500, effects);
    }
    effects = await settle(effects, 1_500);
    expect(effects.filter((effect) => effect.type === 'fetched-shard')).toEqual([expect.objectContaining({ request: 1, bytes, error: '' })]);
    expect(downloads.recentGiveUps.map((giveUp) => giveUp.holder)).toEqual(['u', 'r']);
  });

  it('goes back and forth between stalled holders ever more slowly, and gives up once nothing has been verified for the silence limit', async () => {
    const bytes = Uint8Array.from({ length: 2 * PIECE_BYTES }, (_, i) => i % 5);
    const hashes = await pieceHashes(bytes);
    const shard = await idOfPieces(hashes);
    // Both holders stall for good.
    const { downloads, settle } = harness(['u', 'r']);
    const effects: EngineEffect[] = [];
    downloads.want(shard, { kind: 'fetch', request: 7 }, ['u'], 0, effects);
    downloads.onPieceList('u', { type: 'pieces', shard, ok: true, reason: '', size: bytes.length, hashes }, 0, effects);
    await settle(effects, 0);
    let failedAt: number | undefined;
    for (let now = 250; now <= 20_000 && failedAt === undefined; now += 250) {
      const step: EngineEffect[] = [];
      downloads.tick(now, step);
      if (step.some((effect) => effect.type === 'fetched-shard' && effect.error !== '')) failedAt = now;
    }
    // Left early each way, each wait twice the last (times a quarter once a holder is known to
    // be stalled): u after 1 s, r after 2 s, u after 4 x 250 ms; then, nothing verified for 5 s,
    // each is given up on for good, and the fetch fails.
    expect(downloads.recentGiveUps.map((giveUp) => [giveUp.holder, giveUp.at])).toEqual([
      ['u', 1_000],
      ['r', 3_000],
      ['u', 4_000],
      ['r', 5_000],
      ['u', 5_250],
    ]);
    expect(failedAt).toBe(5_250);
    expect(downloads.has(shard)).toBe(false);
  });

  it('uses the pieces a stalled holder had in flight when they arrive after the download left it, and penalizes a bad one without leaving the holder asked now', async () => {
    const { bytes, hashes, shard, piece } = await testShard(4, 7, 11);
    const { downloads, asked, settle } = harness(['u', 'r']);
    let effects: EngineEffect[] = [];
    downloads.want(shard, { kind: 'fetch', request: 3 }, ['u', 'r'], 0, effects);
    downloads.onPieceList('u', { type: 'pieces', shard, ok: true, reason: '', size: bytes.length, hashes }, 10, effects);
    effects = await settle(effects, 10);
    expect(asked()).toEqual(['u:list', 'u:0', 'u:1', 'u:2', 'u:3']);
    // u's link stalls; the download moves to r for all four pieces.
    downloads.tick(1_010, effects);
    expect(asked()).toEqual(['r:0', 'r:1', 'r:2', 'r:3']);
    // u's pieces 0 and 1 arrive late, and a corrupt piece 2: the good two are kept, u is penalized.
    for (const message of [piece(0), piece(1), piece(2, piece(3).bytes)]) downloads.onPiece('u', message, 1_100, effects);
    effects = await settle(effects, 1_100);
    expect(downloads.counters.latePieces).toBe(2);
    expect(effects).toContainEqual(expect.objectContaining({ type: 'penalize', peer: 'u' }));
    expect(downloads.recentGiveUps.map((giveUp) => giveUp.holder)).toEqual(['u']);
    // r's copies of pieces 0 and 1 are ignored; its 2 and 3 complete the shard.
    for (const index of [0, 1, 2, 3]) downloads.onPiece('r', piece(index), 1_200, effects);
    effects = await settle(effects, 1_200);
    expect(downloads.counters.piecesReceived).toBe(4);
    expect(effects.filter((effect) => effect.type === 'fetched-shard')).toEqual([expect.objectContaining({ request: 3, bytes, error: '' })]);
  });

  it('asks the next holder for the pieces nobody is sending, and for those the holder it left was sending only once it has nothing else to send', async () => {
    const { bytes, hashes, shard, piece } = await testShard(16, 5, 13);
    const { downloads, asked, settle } = harness(['u', 'r']);
    let effects: EngineEffect[] = [];
    const send = (from: string, indices: number[], now: number): void => {
      for (const index of indices) downloads.onPiece(from, piece(index), now, effects);
    };
    downloads.want(shard, { kind: 'fetch', request: 5 }, ['u', 'r'], 0, effects);
    downloads.onPieceList('u', { type: 'pieces', shard, ok: true, reason: '', size: bytes.length, hashes }, 10, effects);
    effects = await settle(effects, 10);
    expect(asked()).toEqual(['u:list', 'u:0', 'u:1', 'u:2', 'u:3', 'u:4', 'u:5', 'u:6', 'u:7']);
    // u stalls: r is asked for the eight pieces nobody is sending, not u's again.
    downloads.tick(1_010, effects);
    expect(asked()).toEqual(['r:8', 'r:9', 'r:10', 'r:11', 'r:12', 'r:13', 'r:14', 'r:15']);
    // Half of u's window comes through once its link recovers; the rest never does.
    send('u', [0, 1, 2, 3], 1_500);
    effects = await settle(effects, 1_500);
    expect(asked()).toEqual([]);
    // r sends its eight; with nothing else to send, it is asked for what u still owes.
    send('r', [8, 9, 10, 11, 12, 13, 14, 15], 1_600);
    effects = await settle(effects, 1_600);
    expect(asked()).toEqual(['r:4', 'r:5', 'r:6', 'r:7']);
    send('r', [4, 5, 6, 7], 1_700);
    effects = await settle(effects, 1_700);
    expect(effects.filter((effect) => effect.type === 'fetched-shard')).toEqual([expect.objectContaining({ request: 5, bytes, error: '' })]);
    expect(downloads.counters).toMatchObject({ piecesReceived: 16, latePieces: 4 });
  });

  it("asks again for a piece that has not come 3 s after it was asked while its holder sent others, but not while the holder sends nothing (its silence decides)", async () => {
    const { bytes, hashes, shard, piece } = await testShard(4, 3, 17);
    // One holder: nobody to leave it for.
    const { downloads, asked, settle } = harness(['u']);
    let effects: EngineEffect[] = [];
    downloads.want(shard, { kind: 'fetch', request: 8 }, ['u'], 0, effects);
    downloads.onPieceList('u', { type: 'pieces', shard, ok: true, reason: '', size: bytes.length, hashes }, 10, effects);
    effects = await settle(effects, 10);
    expect(asked()).toEqual(['u:list', 'u:0', 'u:1', 'u:2', 'u:3']);
    // Pieces 0-2 come; 3 was lost with a link that broke and came back.
    for (const index of [0, 1, 2]) downloads.onPiece('u', piece(index), 500, effects);
    effects = await settle(effects, 500);
    downloads.tick(2_500, effects);
    expect(asked()).toEqual([]);
    downloads.tick(3_010, effects);
    expect(asked()).toEqual(['u:3']);
    downloads.onPiece('u', piece(3), 3_100, effects);
    effects = await settle(effects, 3_100);
    expect(effects.filter((effect) => effect.type === 'fetched-shard')).toEqual([expect.objectContaining({ request: 8, bytes, error: '' })]);

    // A holder that sends nothing at all is not asked twice: it is given up on after 5 s.
    const silent = harness(['u']);
    let quiet: EngineEffect[] = [];
    silent.downloads.want(shard, { kind: 'fetch', request: 9 }, ['u'], 0, quiet);
    silent.downloads.onPieceList('u', { type: 'pieces', shard, ok: true, reason: '', size: bytes.length, hashes }, 10, quiet);
    quiet = await silent.settle(quiet, 10);
    silent.asked();
    for (let now = 250; now < 5_010; now += 250) silent.downloads.tick(now, quiet);
    expect(silent.asked()).toEqual([]);
    silent.downloads.tick(5_010, quiet);
    expect(quiet.filter((effect) => effect.type === 'fetched-shard')).toEqual([expect.objectContaining({ request: 9, error: expect.stringMatching(/no answer within 5000 ms/) })]);
  });
});
