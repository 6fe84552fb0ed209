import type { ReplicaMap } from '../placement/replica-map';
import { RendezvousRanker } from '../placement/rendezvous';

/**
 * Which peers to ask for a shard's bytes, best first: the live holders (and a live uploader of
 * a staged copy) other than `self`, in the shard's rendezvous order.
 */
export function shardSources(layout: ReplicaMap, self: string, shard: string): string[] {
  const index = layout.shardNumber(shard);
  if (index === undefined) return [];
  const candidates = (layout.holders[index] ?? []).filter((node) => layout.status[node] === 'active' || layout.status[node] === 'leaving');
  const staged = layout.staged.get(index);
  if (staged !== undefined && layout.status[staged] === 'active' && !candidates.includes(staged)) candidates.push(staged);
  const ranked = new RendezvousRanker(layout).order(layout.shardKeys[index] ?? 0, candidates).map((node) => layout.nodeIds[node] ?? '');
  return ranked.filter((id) => id !== self && id !== '');
}
