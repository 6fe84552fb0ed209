import type { Uint8ArrayList } from 'uint8arraylist';

/**
 * Length-prefixed frames on a byte stream: [length u32 BE][bytes]. The reader refuses a frame
 * larger than `maxFrameBytes` (a hostile or buggy peer cannot make the tab buffer without end).
 */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(4 + payload.byteLength);
  frame.set(frameHeader(payload.byteLength), 0);
  frame.set(payload, 4);
  return frame;
}

/** The 4-byte length prefix of a frame (writers send it before the payload, uncopied). */
export function frameHeader(length: number): Uint8Array {
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, length);
  return header;
}

export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
}

/** Reassembles frames from the chunks of a stream. */
export class FrameReader {
  private buffered: Uint8Array[] = [];
  private bufferedBytes = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Adds a chunk; returns the frames it completed. Throws FrameTooLargeError on an oversized frame. */
  push(chunk: Uint8Array | Uint8ArrayList): Uint8Array[] {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray();
    if (bytes.byteLength > 0) {
      this.buffered.push(bytes);
      this.bufferedBytes += bytes.byteLength;
    }
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.bufferedBytes < 4) return frames;
      const header = this.peek(4);
      const length = new DataView(header.buffer, header.byteOffset, 4).getUint32(0);
      if (length > this.maxFrameBytes) throw new FrameTooLargeError(`frame of ${length} bytes exceeds ${this.maxFrameBytes}`);
      if (this.bufferedBytes < 4 + length) return frames;
      this.take(4);
      frames.push(this.take(length));
    }
  }

  private peek(count: number): Uint8Array {
    const first = this.buffered[0];
    if (first && first.byteLength >= count) return first.subarray(0, count);
    const out = new Uint8Array(count);
    let offset = 0;
    for (const part of this.buffered) {
      const piece = part.subarray(0, count - offset);
      out.set(piece, offset);
      offset += piece.byteLength;
      if (offset === count) break;
    }
    return out;
  }

  private take(count: number): Uint8Array {
    const out = new Uint8Array(count);
    let offset = 0;
    while (offset < count) {
      const part = this.buffered[0];
      if (!part) break;
      const piece = part.subarray(0, count - offset);
      out.set(piece, offset);
      offset += piece.byteLength;
      if (piece.byteLength === part.byteLength) this.buffered.shift();
      else this.buffered[0] = part.subarray(piece.byteLength);
    }
    this.bufferedBytes -= count;
    return out;
  }
}
