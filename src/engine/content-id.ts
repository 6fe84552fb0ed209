import { ContentMismatchError } from './errors';

// Shard and manifest ids are SHA-256 of their bytes (WebCrypto: the same in Node, tabs and
// workers), so a copy can be checked by anyone who holds it, with no trust in its sender.

const HEX_ID = /^[0-9a-f]{64}$/;

/** Lowercase hex SHA-256 of the bytes. */
export async function contentId(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  let hex = '';
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Whether a string has the shape of a content id. */
export function isContentId(value: string): boolean {
  return HEX_ID.test(value);
}

/** Resolves when the bytes hash to `expected`; rejects with ContentMismatchError otherwise. */
export async function verifyContentId(expected: string, bytes: Uint8Array): Promise<void> {
  const actual = await contentId(bytes);
  if (actual !== expected) throw new ContentMismatchError(expected, actual);
}
