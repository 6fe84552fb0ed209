import type { Catalog } from '../catalog/catalog';
import type { Membership } from '../membership/membership';
import { planReplication, type ReplicationSettings } from '../placement/replication-planner';
import { layoutFromCatalog } from './catalog-layout';

/** How long before a silent member's grace ends the drivers of its repairs get their shards ready. */
export const WARM_BEFORE_OUT_MS = 5_000;

/**
 * The shards this node will send repair copies of when the members whose grace ends within
 * WARM_BEFORE_OUT_MS go out, if nothing is heard of them by then: what the planner makes of the
 * layout as it will be at that time. Nothing is sent before then (a tab back within its grace
 * costs no transfer); the node only reads these shards ahead (PieceServer.warm). At most `limit`,
 * most endangered first, as the planner orders them; empty while no grace is about to end.
 */
export function repairsDueSoon(
  catalog: Catalog,
  membership: Membership,
  now: number,
  self: string,
  settings: ReplicationSettings,
  acknowledged: readonly { shard: string; node: string }[],
  limit: number,
): string[] {
  if (membership.msUntilNextOut(now, WARM_BEFORE_OUT_MS + 1) > WARM_BEFORE_OUT_MS) return [];
  const layout = layoutFromCatalog(catalog, membership, now + WARM_BEFORE_OUT_MS, acknowledged);
  const node = layout.nodeNumber(self);
  if (node === undefined) return [];
  const shards = new Set<string>();
  for (const task of planReplication(layout, settings).transfers) {
    if (shards.size >= limit) break;
    if (task.reason === 'repair' && task.from === node) shards.add(layout.shardIds[task.shard] ?? '');
  }
  shards.delete('');
  return [...shards];
}
