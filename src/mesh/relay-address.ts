import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';

/** What the signaling server tells a tab at /bootstrap.json. */
export interface BootstrapInfo {
  readonly relayPeerId: string;
  /** STUN/TURN servers the deployment configured (none on a LAN). */
  readonly iceServers: readonly RTCIceServer[];
}

/**
 * The relay's multiaddr, built from the URL the page was loaded from: the signaling server
 * serves the app and the relay on one port, so whatever address reached the page reaches the relay.
 */
export function relayMultiaddr(page: URL, relayPeerId: string): Multiaddr {
  const secure = page.protocol === 'https:';
  const port = page.port !== '' ? page.port : secure ? '443' : '80';
  const host = page.hostname.replace(/^\[|\]$/g, '');
  const hostPart = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? `/ip4/${host}` : host.includes(':') ? `/ip6/${host}` : `/dns/${host}`;
  return multiaddr(`${hostPart}/tcp/${port}/${secure ? 'tls/ws' : 'ws'}/p2p/${relayPeerId}`);
}

/** Asks the signaling server who the relay is; throws with the server's status on failure. */
export async function fetchBootstrap(origin: string, signal?: AbortSignal): Promise<BootstrapInfo> {
  const response = await fetch(new URL('/bootstrap.json', origin), { cache: 'no-store', ...(signal ? { signal } : {}) });
  if (!response.ok) throw new Error(`the signaling server answered ${response.status} for /bootstrap.json`);
  const body = (await response.json()) as Partial<BootstrapInfo>;
  if (typeof body.relayPeerId !== 'string' || body.relayPeerId === '') throw new Error('the signaling server sent no relay peer id');
  const iceServers = Array.isArray(body.iceServers) ? body.iceServers.filter((server) => typeof server?.urls === 'string') : [];
  return { relayPeerId: body.relayPeerId, iceServers };
}
