import type { Stream } from '@libp2p/interface';
import { frameHeader } from './frame-codec';

/** Pieces a frame is written in, so a large shard never sits whole in the muxer's buffer; just under the 256 KiB data channel message so a piece and its muxer header fit in one message. */
const PIECE_BYTES = 256 * 1024 - 1024;

/**
 * Writes frames to one stream, one at a time, honouring backpressure: when the stream's
 * buffer is full (`send` returns false) the writer waits for it to drain.
 */
export class FrameWriter {
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly stream: Stream) {}

  /** Resolves when the frame is handed to the stream; rejects if the stream fails. */
  write(payload: Uint8Array): Promise<void> {
    const next = this.queue.then(() => this.writeNow(payload));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * The header with the payload's first piece, then the rest in pieces, uncopied. The header
   * shares a message with the payload's start: every data channel message costs the sender,
   * the network service and the receiver about as much as tens of KiB of bytes, and most
   * frames (requests, deflated pieces) are one piece or less.
   */
  private async writeNow(payload: Uint8Array): Promise<void> {
    const header = frameHeader(payload.byteLength);
    const firstBytes = Math.min(payload.byteLength, PIECE_BYTES - header.byteLength);
    const first = new Uint8Array(header.byteLength + firstBytes);
    first.set(header, 0);
    first.set(payload.subarray(0, firstBytes), header.byteLength);
    await this.sendPiece(first);
    for (let offset = firstBytes; offset < payload.byteLength; offset += PIECE_BYTES) {
      await this.sendPiece(payload.subarray(offset, offset + PIECE_BYTES));
    }
  }

  private async sendPiece(piece: Uint8Array): Promise<void> {
    if (this.stream.status !== 'open' || this.stream.writeStatus !== 'writable') {
      throw new Error(`stream to ${this.stream.protocol} is no longer writable`);
    }
    if (!this.stream.send(piece)) await nextDrain(this.stream);
  }
}

/**
 * The stream's next drain; rejects if it closes first. Not `stream.onDrain()`: libp2p keeps
 * the promise of the first drain it was asked about, so once that has resolved every later
 * call resolves at once, and a writer using it stops waiting: frames then pile up in the
 * stream's own buffer (7 MB where a piece should be, in this file's test).
 */
function nextDrain(stream: Stream): Promise<void> {
  return new Promise((resolve, reject) => {
    const drained = (): void => {
      stop();
      resolve();
    };
    const closed = (event: Event): void => {
      stop();
      reject((event as Event & { error?: Error }).error ?? new Error(`stream to ${stream.protocol} closed while waiting to send`));
    };
    const stop = (): void => {
      stream.removeEventListener('drain', drained);
      stream.removeEventListener('close', closed);
    };
    stream.addEventListener('drain', drained);
    stream.addEventListener('close', closed);
  });
}
