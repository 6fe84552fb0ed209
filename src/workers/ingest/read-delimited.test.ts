import { describe, expect, it } from 'vitest';
import { partCut } from './read-delimited';

const PART = 4_000_000;

describe('partCut', () => {
  it('cuts full parts while more than a part and a quarter remains', () => {
    expect(partCut(10 * PART, PART)).toBe(PART);
    expect(partCut(1.3 * PART, PART)).toBe(PART);
  });

  it('cuts a remainder of about one part into a part and a last one of at most a quarter', () => {
    expect(partCut(1.25 * PART, PART)).toBe(PART);
    expect(partCut(PART, PART)).toBe(0.75 * PART);
    expect(partCut(0.8 * PART, PART)).toBe(0.55 * PART);
    expect(partCut(0.7 * PART, PART)).toBe(0.55 * PART);
    for (const share of [0.65, 0.7, 0.8, 0.9, 1, 1.1, 1.25]) {
      const remaining = share * PART;
      const last = remaining - partCut(remaining, PART);
      expect(last, `remainder ${share} of a part`).toBeGreaterThanOrEqual(0.1 * PART);
      expect(last, `remainder ${share} of a part`).toBeLessThanOrEqual(0.25 * PART);
      // The part before the last stays well over half a shard: never held back.
      expect(remaining - last).toBeGreaterThanOrEqual(0.55 * PART);
    }
  });

  it('leaves a remainder under 0.65 parts whole', () => {
    expect(partCut(0.6 * PART, PART)).toBe(PART);
    expect(partCut(0.3 * PART, PART)).toBe(PART);
  });
});
