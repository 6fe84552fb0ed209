import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { circuitRelayServer } from '@libp2p/circuit-relay-v2';
import { gossipsub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import { ping } from '@libp2p/ping';
import { webSockets } from '@libp2p/websockets';
import { createLibp2p } from 'libp2p';
import { DISCOVERY_TOPIC_PREFIX } from '../../src/mesh/swarm-protocols';

/** Swarm topics the relay will forward at most (each tab names one). */
const MAX_TOPICS = 10_000;

export interface RelayNodeOptions {
  /** Loopback port libp2p's WebSocket listener takes; the public port forwards to it. */
  readonly internalPort: number;
  /** Addresses tabs reach the relay at (the public host and port). */
  readonly announce: readonly string[];
}

/**
 * The relay: circuit relay v2 for WebRTC signaling between tabs, and gossipsub so tabs of a
 * swarm find each other. Limits are raised from libp2p's small defaults (15 reservations,
 * 5 inbound connections per second per host: every local tab is one host).
 */
export async function createRelayNode(options: RelayNodeOptions) {
  const node = await createLibp2p({
    addresses: { listen: [`/ip4/127.0.0.1/tcp/${options.internalPort}/ws`], announce: [...options.announce] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { maxConnections: 2_000, maxIncomingPendingConnections: 200, inboundConnectionThreshold: 2_000 },
    services: {
      identify: identify(),
      ping: ping(),
      relay: circuitRelayServer({
        reservations: {
          maxReservations: 2_000,
          reservationTtl: 2 * 60 * 60 * 1000,
          // Relayed connections carry only WebRTC signaling, so the default limits stay on.
          applyDefaultLimit: true,
          defaultDurationLimit: 2 * 60 * 1000,
          defaultDataLimit: BigInt(1 << 20),
        },
        maxInboundHopStreams: 2_000,
        maxOutboundHopStreams: 2_000,
        maxOutboundStopStreams: 2_000,
      }),
      // Every tab on one machine or behind one NAT shares an IP; gossipsub's IP colocation
      // penalty would start ignoring tabs after the tenth (closed tabs count for a while too).
      // A short heartbeat grafts a joining tab into its topic's mesh sooner: the first
      // announcements it receives (and so its join time) wait for the next heartbeat.
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, heartbeatInterval: 250, scoreParams: { IPColocationFactorWeight: 0 } }),
    },
  });
  // Gossipsub forwards only topics it is subscribed to: follow each swarm topic a tab joins.
  node.services.pubsub.addEventListener('subscription-change', (event) => {
    for (const { topic, subscribe } of event.detail.subscriptions) {
      if (!subscribe || !topic.startsWith(DISCOVERY_TOPIC_PREFIX)) continue;
      if (node.services.pubsub.getTopics().includes(topic) || node.services.pubsub.getTopics().length >= MAX_TOPICS) continue;
      node.services.pubsub.subscribe(topic);
    }
  });
  return node;
}

export type RelayNode = Awaited<ReturnType<typeof createRelayNode>>;
