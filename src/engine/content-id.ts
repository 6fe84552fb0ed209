import { ContentMismatchError } from './errors';

// Content ids are a one-level hash list (like BitTorrent v2 pieces): the bytes are cut into
// fixed 256 KiB pieces, each piece is SHA-256'd, and the id is the SHA-256 of those piece
// hashes laid end to end. A receiver that has checked a piece list against the id can then
// check every piece on its own as it arrives, so a transfer broken halfway resumes from the
// pieces already verified and a bad piece is pinned on the peer that sent it. WebCrypto makes
// this the same in Node, tabs and workers; nobody has to trust the sender.

const HEX_ID = /^[0-9a-f]{64}$/;

/** Bytes per piece: the unit of transfer and of verification. */
export const PIECE_BYTES = 256 * 1024;

/** Number of pieces `size` bytes are cut into. */
export function pieceCount(size: number): number {
  return Math.ceil(size / PIECE_BYTES);
}

/** Lowercase hex SHA-256 of the bytes. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return toHex(new Uint8Array(digest));
}

/** The SHA-256 of each piece, in order. */
export async function pieceHashes(bytes: Uint8Array): Promise<string[]> {
  const pieces: Promise<string>[] = [];
  for (let offset = 0; offset < bytes.length; offset += PIECE_BYTES) pieces.push(sha256Hex(bytes.subarray(offset, offset + PIECE_BYTES)));
  return Promise.all(pieces);
}

/** The bytes a piece list hashes to its content id from: the binary hashes end to end. */
export function pieceListBytes(pieces: readonly string[]): Uint8Array {
  const bytes = new Uint8Array(pieces.length * 32);
  pieces.forEach((hex, i) => {
    for (let j = 0; j < 32; j++) bytes[i * 32 + j] = Number.parseInt(hex.slice(j * 2, j * 2 + 2), 16);
  });
  return bytes;
}

/** The content id of bytes whose pieces hash to `pieces`. */
export function idOfPieces(pieces: readonly string[]): Promise<string> {
  return sha256Hex(pieceListBytes(pieces));
}

/** The content id of the bytes. */
export async function contentId(bytes: Uint8Array): Promise<string> {
  return idOfPieces(await pieceHashes(bytes));
}

/** Whether a string has the shape of a content id (or of a piece hash). */
export function isContentId(value: string): boolean {
  return HEX_ID.test(value);
}

/** Resolves when the bytes hash to `expected`; rejects with ContentMismatchError otherwise. */
export async function verifyContentId(expected: string, bytes: Uint8Array): Promise<void> {
  const actual = await contentId(bytes);
  if (actual !== expected) throw new ContentMismatchError(expected, actual);
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
