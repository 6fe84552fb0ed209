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

  /** The header, then the payload in pieces, without copying the payload. */
  private async writeNow(payload: Uint8Array): Promise<void> {
    await this.sendPiece(frameHeader(payload.byteLength));
    for (let offset = 0; offset < payload.byteLength; offset += PIECE_BYTES) {
      await this.sendPiece(payload.subarray(offset, offset + PIECE_BYTES));
    }
  }

  private async sendPiece(piece: Uint8Array): Promise<void> {
    if (this.stream.status !== 'open' || this.stream.writeStatus !== 'writable') {
      throw new Error(`stream to ${this.stream.protocol} is no longer writable`);
    }
    if (!this.stream.send(piece)) await this.stream.onDrain();
  }
}
