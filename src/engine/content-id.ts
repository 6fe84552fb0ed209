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

/**
 * Piece hashes of buffers whose maker has already checked them: an ingest that just hashed a
 * shard it made, a download assembled from pieces each checked against a verified list, a
 * store that just verified what it read. The store checking them again on put, or a sender
 * listing the pieces of what its store just verified, then costs nothing; on a busy tab every
 * shard used to be hashed twice on each side of a transfer. Marked bytes must never change
 * (shards never do); stored copies are never marked, so a read still hashes what it reads.
 */
const verifiedPieces = new WeakMap<Uint8Array, readonly string[]>();

/** Records that `bytes` hash to `pieces` (checked by the caller); the bytes must not change afterwards. */
export function markVerified(bytes: Uint8Array, pieces: readonly string[]): void {
  verifiedPieces.set(bytes, pieces);
}

/** Whether the bytes carry a verified mark (and so never change). */
export function isMarkedVerified(bytes: Uint8Array): boolean {
  return verifiedPieces.has(bytes);
}

/** A copy of the bytes that keeps their verified mark. */
export function copyOfBytes(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  const known = verifiedPieces.get(bytes);
  if (known) verifiedPieces.set(copy, known);
  return copy;
}

/** The SHA-256 of each piece, in order. */
export async function pieceHashes(bytes: Uint8Array): Promise<string[]> {
  const known = verifiedPieces.get(bytes);
  if (known) return [...known];
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

/** The content id of bytes this tab has just made (an ingest's shard), marking them verified. */
export async function identify(bytes: Uint8Array): Promise<string> {
  const pieces = await pieceHashes(bytes);
  markVerified(bytes, pieces);
  return idOfPieces(pieces);
}

/** Whether a string has the shape of a content id (or of a piece hash). */
export function isContentId(value: string): boolean {
  return HEX_ID.test(value);
}

/** Resolves with the bytes' piece hashes when they hash to `expected`; rejects with ContentMismatchError otherwise. */
export async function verifyContentId(expected: string, bytes: Uint8Array): Promise<readonly string[]> {
  const pieces = await pieceHashes(bytes);
  const actual = await idOfPieces(pieces);
  if (actual !== expected) throw new ContentMismatchError(expected, actual);
  return pieces;
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
