import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadBand } from './load-band';

describe('loadBand', () => {
  it('always contains floor and ceil of the target, so all bands can be met together', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.5, max: 10, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0.01, max: 0.5, noNaN: true }),
        (weights, total, tolerance) => {
          const sum = weights.reduce((a, b) => a + b, 0);
          let lows = 0;
          let highs = 0;
          for (const weight of weights) {
            const band = loadBand(total, weight, sum, tolerance);
            expect(band.low).toBeLessThanOrEqual(Math.floor(band.target));
            expect(band.high).toBeGreaterThanOrEqual(Math.ceil(band.target));
            expect(band.low).toBeGreaterThanOrEqual(Math.floor(band.target * (1 - tolerance)));
            lows += band.low;
            highs += band.high;
          }
          expect(lows).toBeLessThanOrEqual(total);
          expect(highs).toBeGreaterThanOrEqual(total);
        },
      ),
    );
  });

  it('is empty for a node without weight', () => {
    expect(loadBand(100, 0, 10, 0.1)).toEqual({ target: 0, low: 0, high: 0 });
  });
});
