import { deflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { deflatePiece, inflatePiece } from './piece-deflate';
import { SeededRandom } from './testing/seeded-random';

describe('piece deflate', () => {
  it('round-trips a piece that shrinks and leaves one that does not as it is', () => {
    const repetitive = Uint8Array.from({ length: 100_000 }, (_, i) => i % 11);
    const wire = deflatePiece(repetitive);
    expect(wire.deflated).toBe(true);
    expect(inflatePiece(wire.bytes, repetitive.length)).toEqual(repetitive);
    const random = new SeededRandom(3);
    const noise = Uint8Array.from({ length: 100_000 }, () => random.int(256));
    expect(deflatePiece(noise)).toEqual({ bytes: noise, deflated: false });
  });

  it('refuses what does not inflate to exactly the piece: junk, a short stream, a stream that would go on (a bomb)', () => {
    expect(inflatePiece(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 1000)).toBeUndefined();
    expect(inflatePiece(deflateSync(new Uint8Array(999)), 1000)).toBeUndefined();
    // 64 MiB of zeros deflate to about 64 KiB; inflating stops one byte past the piece.
    const bomb = deflateSync(new Uint8Array(64 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(128 * 1024);
    expect(inflatePiece(bomb, 1000)).toBeUndefined();
    const truncated = deflatePiece(Uint8Array.from({ length: 5000 }, (_, i) => i % 5)).bytes;
    expect(inflatePiece(truncated.subarray(0, truncated.length - 2), 5000)).toBeUndefined();
  });
});
