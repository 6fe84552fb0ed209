import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentId, copyOfBytes, identify, idOfPieces, isContentId, markVerified, PIECE_BYTES, pieceCount, pieceHashes, verifyContentId } from './content-id';

/** An independent model of the id: node:crypto over the same piece layout. */
function modelId(bytes: Uint8Array): string {
  const list = createHash('sha256');
  for (let offset = 0; offset < bytes.length; offset += PIECE_BYTES) list.update(createHash('sha256').update(bytes.subarray(offset, offset + PIECE_BYTES)).digest());
  return list.digest('hex');
}

describe('content ids', () => {
  it('are the SHA-256 of the pieces\' SHA-256s (FIPS 180-2 vector for a one-piece input)', async () => {
    // SHA-256('abc') is the FIPS test vector; the id hashes that digest once more.
    const abc = createHash('sha256').update(Buffer.from('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'hex')).digest('hex');
    expect(await contentId(new TextEncoder().encode('abc'))).toBe(abc);
    expect(isContentId(await contentId(new Uint8Array()))).toBe(true);
  });

  it('match an independent model for sizes around piece boundaries', async () => {
    for (const size of [0, 1, PIECE_BYTES - 1, PIECE_BYTES, PIECE_BYTES + 1, 3 * PIECE_BYTES + 17]) {
      const bytes = new Uint8Array(size).map((_, i) => (i * 31 + size) & 255);
      expect(await contentId(bytes)).toBe(modelId(bytes));
      const pieces = await pieceHashes(bytes);
      expect(pieces).toHaveLength(pieceCount(size));
      expect(await idOfPieces(pieces)).toBe(modelId(bytes));
    }
  });

  it('change when any single byte changes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 600_000 }), fc.nat(), async (bytes, at) => {
        const flipped = bytes.slice();
        const index = at % bytes.length;
        flipped[index] = (flipped[index] ?? 0) ^ 1;
        expect(await contentId(flipped)).not.toBe(await contentId(bytes));
      }),
      { numRuns: 20 },
    );
  });

  it('verification rejects bytes that do not match', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const id = await contentId(bytes);
    await expect(verifyContentId(id, bytes)).resolves.toEqual(await pieceHashes(bytes));
    await expect(verifyContentId(id, new Uint8Array([1, 2, 4]))).rejects.toMatchObject({ name: 'ContentMismatchError' });
  });

  it('a verified mark spares the hashing, and only the marked object (or a copy made of it) carries it', async () => {
    const made = new Uint8Array(PIECE_BYTES + 5).map((_, i) => i & 255);
    const id = await identify(made);
    expect(id).toBe(modelId(made));
    // The mark is trusted: proven here by marking bytes with another buffer's pieces.
    const other = new Uint8Array([9, 9, 9]);
    markVerified(other, await pieceHashes(made));
    expect(await contentId(other)).toBe(id);
    await expect(verifyContentId(id, copyOfBytes(other))).resolves.toHaveLength(2);
    // A plain copy, or another object with the same bytes, is hashed for real.
    await expect(verifyContentId(id, other.slice())).rejects.toMatchObject({ name: 'ContentMismatchError' });
    expect(await contentId(new Uint8Array([9, 9, 9]))).toBe(modelId(other));
  });
});
