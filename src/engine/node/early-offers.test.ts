import { describe, expect, it } from 'vitest';
import { EarlyOffers } from './early-offers';

const offer = (shard: string) => ({ type: 'shard-offer' as const, shard, replaces: '', replacesIncarnation: 0, replacesVersion: 0 });

describe('EarlyOffers', () => {
  it('gives back offers once their shard is known, and the rest when they expire', () => {
    const early = new EarlyOffers(1_000);
    expect(early.park('a', offer('s1'), 0)).toBe(true);
    expect(early.park('b', offer('s2'), 100)).toBe(true);
    expect(early.park('a', offer('s1'), 200)).toBe(true); // a repeat replaces the first
    expect(early.takeKnown(new Set(['s1']))).toEqual([{ from: 'a', offer: offer('s1') }]);
    expect(early.takeExpired(1_099)).toEqual([]);
    expect(early.takeExpired(1_100)).toEqual([{ from: 'b', offer: offer('s2') }]);
    expect(early.takeKnown(new Set(['s1', 's2']))).toEqual([]);
  });

  it('refuses to keep more than its bound', () => {
    const early = new EarlyOffers(1_000);
    let kept = 0;
    for (let i = 0; i < 300; i++) if (early.park('a', offer(`s${i}`), 0)) kept++;
    expect(kept).toBe(256);
  });
});
