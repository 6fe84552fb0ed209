import { describe, expect, it } from 'vitest';
import { partCut } from './read-delimited';

const PART = 4_000_000;

describe('partCut', () => {
  it('cuts full parts while more than a part and a quarter remains', () => {
    expect(partCut(10 * PART, PART)).toBe(PART);
    expect(partCut(1.3 * PART, PART)).toBe(PART);
  });

  it('cuts a remainder of about one part into a part and a short last one', () => {
    expect(partCut(1.25 * PART, PART)).toBe(PART);
    expect(partCut(PART, PART)).toBe(0.75 * PART);
    expect(partCut(0.9 * PART, PART)).toBe(0.65 * PART);
    // What follows is the quarter part left, always.
    for (const remaining of [0.85, 0.9, 1, 1.1, 1.25].map((share) => share * PART)) expect(remaining - partCut(remaining, PART)).toBe(0.25 * PART);
  });

  it('leaves a remainder alone when its first piece would come near half a shard', () => {
    expect(partCut(0.8 * PART, PART)).toBe(PART);
    expect(partCut(0.3 * PART, PART)).toBe(PART);
  });
});
