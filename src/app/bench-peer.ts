// A benchmark peer page (`npm run bench -- mesh` drives two of these): a bare libp2p mesh with
// no engine, plus a raw RTCDataChannel to the same peer as the baseline, signalled over the mesh.
import { generateKeyPair } from '@libp2p/crypto/keys';
import { Libp2pMesh } from '../mesh/libp2p-mesh';
import { probeRedials } from '../mesh/redial-probe';
import { RawChannelBaseline } from './raw-channel-baseline';

const DATA = 1;
const DONE = 2;

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
const baseline = new RawChannelBaseline(mesh);

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
  if (baseline.handle(from, bytes)) return;
  const tag = bytes[0];
  if (tag === DATA) received += bytes.byteLength - 1;
  else if (tag === DONE) {
    const count = Number(new TextDecoder().decode(bytes.subarray(1)));
    if (count < 0) void mesh.send(from, tagged(DONE, text(received)));
    else doneWaiters.get(from)?.(count);
  }
});

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
  /** The baseline: the same bytes over a raw RTCDataChannel to the same peer; MB/s. */
  rawGoodput: (peer: string, total: number) => baseline.goodput(peer, total),
  /** Hangs up and dials a peer again, `count` times; resolves with durations and failures. */
  redial: (peer: string, count: number) => probeRedials(mesh, peer, count),
};

(globalThis as { benchPeer?: typeof api }).benchPeer = api;
performance.mark('bench:script-ready');
await mesh.start();
performance.mark('bench:mesh-started');
const status = document.getElementById('status');
if (status) status.textContent = `ready: ${mesh.self}`;
