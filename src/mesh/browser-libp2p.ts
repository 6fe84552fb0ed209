import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { gossipsub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { PrivateKey } from '@libp2p/interface';
import { ping } from '@libp2p/ping';
import { pubsubPeerDiscovery } from '@libp2p/pubsub-peer-discovery';
import { webRTC } from '@libp2p/webrtc';
import { webSockets } from '@libp2p/websockets';
import { createLibp2p } from 'libp2p';
import { discoveryTopic } from './swarm-protocols';

/** Settings of a tab's libp2p node. */
export interface BrowserNodeSettings {
  readonly privateKey: PrivateKey;
  readonly swarm: string;
  /** STUN/TURN servers; none by default, so a LAN with no internet works. */
  readonly iceServers: readonly RTCIceServer[];
  /** Connections this tab keeps at most (WebRTC peers plus the relay). */
  readonly maxConnections: number;
  /**
   * Data channel tuning: 256 KiB messages and an 8 MiB send buffer lifted goodput here from
   * ~0.8x to ~1.0x of a raw data channel (Chromium refuses sends past 16 MiB buffered).
   */
  readonly maxMessageSize: number;
  readonly maxBufferedAmount: number;
  /** How often the tab re-announces itself on its swarm's discovery topic. */
  readonly announceIntervalMs: number;
}

export const defaultBrowserNodeSettings = {
  iceServers: [],
  maxConnections: 64,
  maxMessageSize: 256 * 1024,
  maxBufferedAmount: 8 * 1024 * 1024,
  announceIntervalMs: 2_000,
} satisfies Partial<BrowserNodeSettings>;

/**
 * The tab's libp2p node: WebSockets to reach the relay, circuit relay for WebRTC signaling,
 * WebRTC for tab-to-tab links, gossipsub + pubsub peer discovery on the swarm's own topic.
 */
export async function createBrowserNode(settings: BrowserNodeSettings) {
  const discovery = new DiscoveryHandle(pubsubPeerDiscovery({ topics: [discoveryTopic(settings.swarm)], interval: settings.announceIntervalMs }));
  const node = await createLibp2p({
    privateKey: settings.privateKey,
    start: false,
    addresses: { listen: ['/p2p-circuit', '/webrtc'] },
    transports: [
      webSockets(),
      webRTC({
        rtcConfiguration: { iceServers: [...settings.iceServers] },
        dataChannel: { maxMessageSize: settings.maxMessageSize, maxBufferedAmount: settings.maxBufferedAmount },
      }),
      circuitRelayTransport(),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // The browser default refuses ws:// and private addresses; a swarm on a LAN or on loopback needs both.
    connectionGater: { denyDialMultiaddr: () => false },
    connectionManager: { maxConnections: settings.maxConnections },
    // A tab that vanished without closing its links (killed, asleep, network gone) is cut off,
    // so its peers stop counting on the link. The timeout is generous: a ping waits behind
    // megabytes of shard pieces on a busy link, and a tab under load answers late; a shorter
    // one cut live links mid-transfer (the engine's own heartbeats tell who is gone sooner).
    connectionMonitor: { pingInterval: 5_000, pingTimeout: { minTimeout: 10_000, maxTimeout: 20_000 }, abortConnectionOnPingFailure: true },
    peerDiscovery: [discovery.factory],
    services: {
      identify: identify(),
      ping: ping(),
      // Tabs of one machine share an IP; gossipsub must not penalize them for it.
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, scoreParams: { IPColocationFactorWeight: 0 } }),
    },
  });
  return { node, announce: () => discovery.announce() };
}

export type BrowserNode = Awaited<ReturnType<typeof createBrowserNode>>['node'];

type DiscoveryFactory = ReturnType<typeof pubsubPeerDiscovery>;

/**
 * Keeps hold of the discovery module so the tab can announce itself at once when it gets its
 * WebRTC address or hears of a new tab, instead of waiting for the next periodic broadcast
 * (that wait was most of a join's time).
 */
class DiscoveryHandle {
  private instance: { _broadcast?: () => void } | undefined;
  readonly factory: DiscoveryFactory;

  constructor(inner: DiscoveryFactory) {
    this.factory = (components) => {
      const discovery = inner(components);
      this.instance = discovery as unknown as { _broadcast?: () => void };
      return discovery;
    };
  }

  announce(): void {
    this.instance?._broadcast?.();
  }
}
