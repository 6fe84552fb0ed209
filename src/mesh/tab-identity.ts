import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';

/** Who this tab is in the swarm. */
export interface TabIdentity {
  readonly privateKey: PrivateKey;
  readonly peerId: string;
  /** The browser profile, shared by its tabs: the node's failure domain. */
  readonly hostId: string;
  /** Restart counter of this identity; bumped on every load, so a reload is a new life. */
  readonly incarnation: number;
  /** The tab was a duplicate of another live tab and took a fresh identity. */
  readonly replacedDuplicate: boolean;
}

const KEY_ITEM = 'tabswarm.tab-key';
const INCARNATION_ITEM = 'tabswarm.incarnation';
const HOST_ITEM = 'tabswarm.host-id';

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

/**
 * The tab's Ed25519 key lives in sessionStorage, so a reload keeps it (and its shards) while a
 * new tab gets its own. "Duplicate tab" copies sessionStorage too; a Web Lock named after the
 * peer id, held for the tab's life, tells the copy apart: if the lock is taken, another live
 * tab owns this identity and this one starts fresh.
 */
export async function loadTabIdentity(storage = sessionStorage, shared = localStorage): Promise<TabIdentity> {
  let privateKey: PrivateKey | undefined;
  const stored = storage.getItem(KEY_ITEM);
  if (stored) {
    try {
      privateKey = privateKeyFromProtobuf(fromBase64(stored));
    } catch {
      privateKey = undefined;
    }
  }
  let replacedDuplicate = false;
  if (privateKey && !(await holdIdentityLock(peerIdFromPrivateKey(privateKey).toString()))) {
    privateKey = undefined;
    replacedDuplicate = true;
  }
  let incarnation = Number(storage.getItem(INCARNATION_ITEM) ?? '0');
  if (!privateKey) {
    privateKey = await generateKeyPair('Ed25519');
    storage.setItem(KEY_ITEM, toBase64(privateKeyToProtobuf(privateKey)));
    incarnation = 0;
    await holdIdentityLock(peerIdFromPrivateKey(privateKey).toString());
  }
  incarnation = (Number.isFinite(incarnation) ? incarnation : 0) + 1;
  storage.setItem(INCARNATION_ITEM, String(incarnation));
  let hostId = shared.getItem(HOST_ITEM);
  if (!hostId) {
    hostId = `host-${crypto.randomUUID()}`;
    shared.setItem(HOST_ITEM, hostId);
  }
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString(), hostId, incarnation, replacedDuplicate };
}

/** Takes the identity's lock for the tab's lifetime; false if another tab holds it. */
async function holdIdentityLock(peerId: string): Promise<boolean> {
  if (!('locks' in navigator)) return true;
  return new Promise<boolean>((resolve) => {
    void navigator.locks.request(`tabswarm-identity-${peerId}`, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      // Held until the tab goes away.
      return lock ? new Promise<void>(() => undefined) : undefined;
    });
  });
}
