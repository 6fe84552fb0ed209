import type { Mesh } from '../engine/ports/mesh';

// The benchmarks' baseline: a raw RTCDataChannel between two tabs, signalled over the mesh,
// sending the same bytes as the thing measured. Its frames carry a first byte no engine frame
// has (engine frames start with their wire version), so a page can route them here first.

/** First byte of every baseline frame. */
export const BASELINE_TAG = 0xfe;
const OFFER = 1;
const ANSWER = 2;
const CHUNK = 64 * 1024;
const HIGH_WATER = 8 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

export class RawChannelBaseline {
  private readonly channels = new Map<string, RTCDataChannel>();
  private readonly delivered = new Map<string, number>();
  private readonly answerWaiters = new Map<string, (sdp: RTCSessionDescriptionInit) => void>();

  constructor(private readonly mesh: Pick<Mesh, 'send'>) {}

  /** Handles a baseline frame from the mesh; returns false for any other frame. */
  handle(from: string, bytes: Uint8Array): boolean {
    if (bytes[0] !== BASELINE_TAG) return false;
    const description = JSON.parse(new TextDecoder().decode(bytes.subarray(2))) as RTCSessionDescriptionInit;
    if (bytes[1] === OFFER) void this.answer(from, description);
    else if (bytes[1] === ANSWER) this.answerWaiters.get(from)?.(description);
    return true;
  }

  /** Sends `total` bytes to `peer` over the raw channel; resolves with MB/s once it has them all. */
  async goodput(peer: string, total: number): Promise<number> {
    const channel = await this.channelTo(peer);
    channel.bufferedAmountLowThreshold = LOW_WATER;
    const chunk = new Uint8Array(CHUNK);
    const started = performance.now();
    for (let sent = 0; sent < total; sent += CHUNK) {
      if (channel.bufferedAmount > HIGH_WATER) await new Promise((resolve) => channel.addEventListener('bufferedamountlow', resolve, { once: true }));
      channel.send(chunk);
    }
    const done = new Promise<number>((resolve) => channel.addEventListener('message', (event: MessageEvent<string>) => resolve(Number(event.data)), { once: true }));
    channel.send('done?');
    const count = (await done) - (this.delivered.get(peer) ?? 0);
    this.delivered.set(peer, count + (this.delivered.get(peer) ?? 0));
    const seconds = (performance.now() - started) / 1000;
    if (count < total) throw new Error(`raw channel delivered ${count} of ${total} bytes`);
    return total / 1e6 / seconds;
  }

  private async answer(from: string, offer: RTCSessionDescriptionInit): Promise<void> {
    const connection = new RTCPeerConnection({ iceServers: [] });
    connection.addEventListener('datachannel', ({ channel }) => {
      channel.binaryType = 'arraybuffer';
      let count = 0;
      channel.addEventListener('message', (event: MessageEvent<ArrayBuffer | string>) => {
        if (typeof event.data === 'string') channel.send(String(count));
        else count += event.data.byteLength;
      });
    });
    await connection.setRemoteDescription(offer);
    await connection.setLocalDescription(await connection.createAnswer());
    await gathered(connection);
    await this.mesh.send(from, frame(ANSWER, connection.localDescription));
  }

  /** One raw channel per peer, kept across reps like the mesh's own link. */
  private async channelTo(peer: string): Promise<RTCDataChannel> {
    const open = this.channels.get(peer);
    if (open?.readyState === 'open') return open;
    const connection = new RTCPeerConnection({ iceServers: [] });
    const channel = connection.createDataChannel('raw', { ordered: true });
    channel.binaryType = 'arraybuffer';
    await connection.setLocalDescription(await connection.createOffer());
    await gathered(connection);
    const answer = new Promise<RTCSessionDescriptionInit>((resolve) => this.answerWaiters.set(peer, resolve));
    await this.mesh.send(peer, frame(OFFER, connection.localDescription));
    await connection.setRemoteDescription(await answer);
    if (channel.readyState !== 'open') await new Promise((resolve) => channel.addEventListener('open', resolve, { once: true }));
    this.channels.set(peer, channel);
    this.delivered.set(peer, 0);
    return channel;
  }
}

function frame(kind: number, description: RTCSessionDescription | null): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(description));
  const bytes = new Uint8Array(2 + body.length);
  bytes[0] = BASELINE_TAG;
  bytes[1] = kind;
  bytes.set(body, 2);
  return bytes;
}

async function gathered(connection: RTCPeerConnection): Promise<void> {
  if (connection.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    connection.addEventListener('icegatheringstatechange', () => {
      if (connection.iceGatheringState === 'complete') resolve();
    });
  });
}
