import { defaultLogger } from '@libp2p/logger';
import { AbstractStream } from '@libp2p/utils';
import type { SendResult } from '@libp2p/utils';
import { describe, expect, it } from 'vitest';
import { FrameWriter } from './frame-writer';

/**
 * libp2p's own stream base class over a channel like a data channel: it takes bytes until
 * `capacity` are buffered, then asks for a drain, which comes once `flush` empties it (as
 * WebRTC's `bufferedamountlow` at a threshold of 0 does).
 */
class ChannelStream extends AbstractStream {
  buffered = 0;
  sent = 0;

  constructor(private readonly capacity: number) {
    super({ id: 'test', protocol: '/test/1', direction: 'outbound', log: defaultLogger().forComponent('frame-writer-test') });
  }

  sendData(data: Parameters<AbstractStream['sendData']>[0]): SendResult {
    this.buffered += data.byteLength;
    this.sent += data.byteLength;
    return { sentBytes: data.byteLength, canSendMore: this.buffered < this.capacity };
  }

  flush(): void {
    this.buffered = 0;
    this.onMuxerDrain();
  }

  sendReset(): void {}
  sendPause(): void {}
  sendResume(): void {}
  async sendCloseWrite(): Promise<void> {}
  async sendCloseRead(): Promise<void> {}
}

// libp2p's drain uses Promise.withResolvers, which Chromium has and Node 20 lacks.
const promises = Promise as unknown as { withResolvers?: () => { promise: Promise<unknown>; resolve: (value?: unknown) => void; reject: (reason?: unknown) => void } };
promises.withResolvers ??= () => {
  let resolve: (value?: unknown) => void = () => undefined;
  let reject: (reason?: unknown) => void = () => undefined;
  const promise = new Promise((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
};

const KiB = 1024;
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('FrameWriter', () => {
  it('waits for every drain, not only the first: what it has handed over but the channel has not taken stays under a piece', async () => {
    const stream = new ChannelStream(512 * KiB);
    const writer = new FrameWriter(stream);
    let written = 0;
    const frames = Array.from({ length: 8 }, () => writer.write(new Uint8Array(1024 * KiB)).then(() => written++));
    for (let drains = 0; drains < 40 && written < frames.length; drains++) {
      await settle();
      // Bytes queued in the stream itself, beyond what the channel took: with backpressure
      // honoured, at most the piece that found the channel full.
      expect(stream.writeBufferLength, `after ${drains} drains`).toBeLessThanOrEqual(256 * KiB);
      stream.flush();
    }
    await Promise.all(frames);
    expect(stream.sent).toBeGreaterThanOrEqual(8 * 1024 * KiB);
  });

  it('fails the frame, not hangs, when the stream closes while it waits for a drain', async () => {
    const stream = new ChannelStream(64 * KiB);
    const writer = new FrameWriter(stream);
    const frame = writer.write(new Uint8Array(1024 * KiB));
    await settle();
    stream.abort(new Error('link lost'));
    await expect(frame).rejects.toThrow();
    // The next frame fails at once: the stream is no longer writable.
    await expect(writer.write(new Uint8Array(16))).rejects.toThrow(/no longer writable/);
  });
});
