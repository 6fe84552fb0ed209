import { describe, expect, it } from 'vitest';
import { contentId, isContentId, verifyContentId } from './content-id';

describe('content ids', () => {
  it('are the SHA-256 of the bytes (FIPS 180-2 test vector)', async () => {
    expect(await contentId(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(isContentId(await contentId(new Uint8Array()))).toBe(true);
  });

  it('verification rejects bytes that do not match', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const id = await contentId(bytes);
    await expect(verifyContentId(id, bytes)).resolves.toBeUndefined();
    await expect(verifyContentId(id, new Uint8Array([1, 2, 4]))).rejects.toMatchObject({ name: 'ContentMismatchError' });
  });
});
