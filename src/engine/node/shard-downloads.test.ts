import { describe, expect, it } from 'vitest';
import { PIECE_BYTES, idOfPieces, pieceHashes, sha256Hex } from '../content-id';
import type { EngineEffect } from './engine-io';
import { decodeMessage, encodeMessage, type EngineMessage } from './messages';
import { defaultDownloadSettings, ShardDownloads } from './shard-downloads';

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
    // Back to the uploader, not parked: a fetch waiting on it has not failed.
    expect(asked()).toEqual(['u:0', 'u:1']);
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
});
