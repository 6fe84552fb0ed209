/** A message that arrived from a peer. */
export interface MeshDelivery {
  readonly from: string;
  readonly bytes: Uint8Array;
}

/** A change in which peers are reachable. */
export interface MeshPeerEvent {
  readonly peer: string;
  readonly kind: 'connected' | 'disconnected';
}

/**
 * How a node reaches its peers (libp2p WebRTC in tabs, an in-memory network in tests).
 * Messages are opaque bytes: the engine encodes and validates them (`node/messages.ts`).
 * Delivery is at most once and unordered across peers; a message to an unreachable peer is
 * dropped, and the sender learns about it only through `disconnected` events and timeouts.
 */
export interface Mesh {
  /** This node's peer id. */
  readonly self: string;
  /** Joins the network; resolves when ready to send and receive. */
  start(): Promise<void>;
  /** Leaves the network; pending sends are dropped and no more deliveries arrive. */
  stop(): Promise<void>;
  /** Peers currently reachable. */
  peers(): string[];
  /** Sends bytes (at least one) to one peer; resolves once handed to the transport (not delivered). Rejects if the peer is unknown. */
  send(peer: string, bytes: Uint8Array): Promise<void>;
  /** Registers the receiver of incoming messages; returns a function that unregisters it. */
  onMessage(handler: (delivery: MeshDelivery) => void): () => void;
  /** Registers the receiver of peer connect/disconnect events; returns a function that unregisters it. */
  onPeer(handler: (event: MeshPeerEvent) => void): () => void;
}
