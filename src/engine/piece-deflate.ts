import { deflateSync, inflateSync } from 'fflate';

// Pieces travel deflated when that makes them clearly smaller. Moving shards between tabs is
// CPU-bound here, and most of that CPU is spent per byte on the wire (WebRTC, the network
// service, IPC): tables of ids, dates, categories and rounded numbers deflate 2-3x at level 1,
// and each piece is deflated once by its holder however many peers pull it. Random or already
// compressed bytes do not shrink and go as they are. Hashes and content ids are always of the
// plain bytes, so a receiver verifies what it inflated, whoever deflated it.

/** Level 1: about 60 MB/s in V8 for 2-3x on tabular data; higher levels gain a few % at a third of the speed. */
const LEVEL = 1;
/** A piece goes deflated only if that saves at least this share of it. */
const MIN_SAVING = 1 / 8;

/** A piece as it goes on the wire. */
export interface WirePiece {
  readonly bytes: Uint8Array;
  readonly deflated: boolean;
}

/** The piece deflated, or as it is when deflating does not save at least 1/8 of it. */
export function deflatePiece(piece: Uint8Array): WirePiece {
  const deflated = deflateSync(piece, { level: LEVEL });
  return deflated.length <= piece.length * (1 - MIN_SAVING) ? { bytes: deflated, deflated: true } : { bytes: piece, deflated: false };
}

/**
 * Inflates a piece that must be exactly `length` bytes. Output is capped at `length` (a small
 * payload cannot inflate without bound), and anything that is not valid deflate of exactly
 * that many bytes is undefined: the sender is then treated as having sent a bad piece.
 */
export function inflatePiece(bytes: Uint8Array, length: number): Uint8Array | undefined {
  // One byte more than wanted shows a stream that would go on past the piece.
  const out = new Uint8Array(length + 1);
  try {
    const inflated = inflateSync(bytes, { out });
    return inflated.length === length ? inflated.subarray(0, length) : undefined;
  } catch {
    return undefined;
  }
}
