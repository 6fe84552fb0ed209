// A benchmark peer page (`npm run bench -- mesh` drives two of these): a bare libp2p mesh with
// no engine, plus a raw RTCDataChannel to the same peer as the baseline, signalled over the mesh.
import { generateKeyPair } from '@libp2p/crypto/keys';
import { Libp2pMesh } from '../mesh/libp2p-mesh';
import { probeRedials } from '../mesh/redial-probe';

const DATA = 1;
const DONE = 2;
const OFFER = 3;
const ANSWER = 4;
const RAW_CHUNK = 64 * 1024;
const RAW_HIGH_WATER = 8 * 1024 * 1024;
const RAW_LOW_WATER = 1024 * 1024;

const query = new URLSearchParams(location.search);
const swarm = query.get('swarm') ?? 'bench';
// Data channel tuning can be overridden to compare settings (`?mms=65536&mba=4194304`).
const tuning = {
  ...(query.has('mms') ? { maxMessageSize: Number(query.get('mms')) } : {}),
  ...(query.has('mba') ? { maxBufferedAmount: Number(query.get('mba')) } : {}),
};
const mesh = new Libp2pMesh({ privateKey: await generateKeyPair('Ed25519'), swarm, origin: location.origin, ...tuning });
let firstPeerAt: number | undefined;
let received = 0;
const doneWaiters = new Map<string, (count: number) => void>();
const answerWaiters = new Map<string, (sdp: RTCSessionDescriptionInit) => void>();

function tagged(tag: number, body: Uint8Array = new Uint8Array()): Uint8Array {
  const frame = new Uint8Array(1 + body.byteLength);
  frame[0] = tag;
  frame.set(body, 1);
  return frame;
}

const text = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

mesh.onPeer((event) => {
  if (event.kind === 'connected' && firstPeerAt === undefined) firstPeerAt = performance.now();
});
mesh.onMessage(({ from, bytes }) => {
  const tag = bytes[0];
  if (tag === DATA) received += bytes.byteLength - 1;
  else if (tag === DONE) {
    const count = Number(new TextDecoder().decode(bytes.subarray(1)));
    if (count < 0) void mesh.send(from, tagged(DONE, text(received)));
    else doneWaiters.get(from)?.(count);
  } else if (tag === OFFER) void answerRaw(from, JSON.parse(new TextDecoder().decode(bytes.subarray(1))) as RTCSessionDescriptionInit);
  else if (tag === ANSWER) answerWaiters.get(from)?.(JSON.parse(new TextDecoder().decode(bytes.subarray(1))) as RTCSessionDescriptionInit);
});

async function gathered(connection: RTCPeerConnection): Promise<void> {
  if (connection.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    connection.addEventListener('icegatheringstatechange', () => {
      if (connection.iceGatheringState === 'complete') resolve();
    });
  });
}

async function answerRaw(from: string, offer: RTCSessionDescriptionInit): Promise<void> {
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
  await mesh.send(from, tagged(ANSWER, text(connection.localDescription)));
}

/** One raw channel per peer, kept across reps like the mesh's own link. */
const rawChannels = new Map<string, RTCDataChannel>();
const rawDelivered = new Map<string, number>();

async function rawChannelTo(peer: string): Promise<RTCDataChannel> {
  const open = rawChannels.get(peer);
  if (open?.readyState === 'open') return open;
  const connection = new RTCPeerConnection({ iceServers: [] });
  const channel = connection.createDataChannel('raw', { ordered: true });
  channel.binaryType = 'arraybuffer';
  await connection.setLocalDescription(await connection.createOffer());
  await gathered(connection);
  const answer = new Promise<RTCSessionDescriptionInit>((resolve) => answerWaiters.set(peer, resolve));
  await mesh.send(peer, tagged(OFFER, text(connection.localDescription)));
  await connection.setRemoteDescription(await answer);
  if (channel.readyState !== 'open') await new Promise((resolve) => channel.addEventListener('open', resolve, { once: true }));
  rawChannels.set(peer, channel);
  rawDelivered.set(peer, 0);
  return channel;
}

const api = {
  self: () => mesh.self,
  peers: () => mesh.peers(),
  /** Page load to the first connected peer, ms. */
  joinMs: () => firstPeerAt,
  dialStats: () => mesh.dialStats,
  /** Sends `total` bytes as frames of `frameBytes` through the mesh; resolves with MB/s once the peer has them all. */
  async meshGoodput(peer: string, total: number, frameBytes: number): Promise<number> {
    await mesh.send(peer, tagged(DONE, text(-1)));
    const baseline = await new Promise<number>((resolve) => doneWaiters.set(peer, resolve));
    const frame = tagged(DATA, new Uint8Array(frameBytes));
    const started = performance.now();
    for (let sent = 0; sent < total; sent += frameBytes) await mesh.send(peer, frame);
    for (;;) {
      await mesh.send(peer, tagged(DONE, text(-1)));
      const count = await new Promise<number>((resolve) => doneWaiters.set(peer, resolve));
      if (count - baseline >= total) break;
    }
    return total / 1e6 / ((performance.now() - started) / 1000);
  },
  /** The baseline: the same bytes over a fresh raw RTCDataChannel to the same peer; MB/s. */
  async rawGoodput(peer: string, total: number): Promise<number> {
    const channel = await rawChannelTo(peer);
    channel.bufferedAmountLowThreshold = RAW_LOW_WATER;
    const chunk = new Uint8Array(RAW_CHUNK);
    const started = performance.now();
    for (let sent = 0; sent < total; sent += RAW_CHUNK) {
      if (channel.bufferedAmount > RAW_HIGH_WATER) await new Promise((resolve) => channel.addEventListener('bufferedamountlow', resolve, { once: true }));
      channel.send(chunk);
    }
    const done = new Promise<number>((resolve) => channel.addEventListener('message', (event: MessageEvent<string>) => resolve(Number(event.data)), { once: true }));
    channel.send('done?');
    const count = (await done) - (rawDelivered.get(peer) ?? 0);
    rawDelivered.set(peer, count + (rawDelivered.get(peer) ?? 0));
    const seconds = (performance.now() - started) / 1000;
    if (count < total) throw new Error(`raw channel delivered ${count} of ${total} bytes`);
    return total / 1e6 / seconds;
  },
  /** Hangs up and dials a peer again, `count` times; resolves with durations and failures. */
  redial: (peer: string, count: number) => probeRedials(mesh, peer, count),
};

(globalThis as { benchPeer?: typeof api }).benchPeer = api;
performance.mark('bench:script-ready');
await mesh.start();
performance.mark('bench:mesh-started');
const status = document.getElementById('status');
if (status) status.textContent = `ready: ${mesh.self}`;
