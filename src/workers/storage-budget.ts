/** How much a tab offers the swarm, and why. */
export interface StorageBudget {
  readonly budgetBytes: number;
  /** What the browser lets this origin use in all, if it says. */
  readonly quotaBytes: number | undefined;
  /** Whether the browser agreed not to evict this origin's data under storage pressure. */
  readonly persisted: boolean;
}

/** Room kept free for the app itself, manifests and the browser's own bookkeeping. */
const HEADROOM = 0.1;

/**
 * The budget a tab advertises: the user's setting, but never more than the browser's quota
 * leaves (minus headroom), so placement never sends a tab data it cannot store. Asks the
 * browser to persist storage, so shards are not evicted behind the swarm's back.
 */
export async function resolveStorageBudget(requestedBytes: number, storage: StorageManager | undefined = globalThis.navigator?.storage): Promise<StorageBudget> {
  let persisted = false;
  let quotaBytes: number | undefined;
  let usedByOrigin = 0;
  if (storage) {
    persisted = (await storage.persisted?.().catch(() => false)) ?? false;
    if (!persisted) persisted = (await storage.persist?.().catch(() => false)) ?? false;
    const estimate = await storage.estimate?.().catch(() => undefined);
    quotaBytes = estimate?.quota;
    usedByOrigin = estimate?.usage ?? 0;
  }
  const available = quotaBytes === undefined ? requestedBytes : Math.max(0, Math.floor(quotaBytes * (1 - HEADROOM)) - usedByOrigin);
  return { budgetBytes: Math.max(0, Math.min(requestedBytes, available)), quotaBytes, persisted };
}
