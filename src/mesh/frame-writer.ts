import type { Stream } from '@libp2p/interface';
import { encodeFrame } from './frame-codec';

/** Pieces a frame is written in, so a large shard never sits whole in the muxer's buffer. */
const PIECE_BYTES = 256 * 1024;

/**
 * Writes frames to one stream, one at a time, honouring backpressure: when the stream's
 * buffer is full (`send` returns false) the writer waits for it to drain.
 */
export class FrameWriter {
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly stream: Stream) {}

  /** Resolves when the frame is handed to the stream; rejects if the stream fails. */
  write(payload: Uint8Array): Promise<void> {
    const next = this.queue.then(() => this.writeNow(encodeFrame(payload)));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async writeNow(frame: Uint8Array): Promise<void> {
    for (let offset = 0; offset < frame.byteLength; offset += PIECE_BYTES) {
      if (this.stream.status !== 'open' || this.stream.writeStatus !== 'writable') {
        throw new Error(`stream to ${this.stream.protocol} is no longer writable`);
      }
      if (!this.stream.send(frame.subarray(offset, offset + PIECE_BYTES))) await this.stream.onDrain();
    }
  }
}
