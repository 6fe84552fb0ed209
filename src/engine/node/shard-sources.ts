import type { ReplicaMap } from '../placement/replica-map';
import { RendezvousRanker } from '../placement/rendezvous';

/**
 * Which nodes to ask for a shard's bytes, best first: this node if it holds a copy, then the
 * live holders (and a live uploader of a staged copy) in the shard's rendezvous order.
 */
export function shardSources(layout: ReplicaMap, self: string, holdsLocally: boolean, shard: string): string[] {
  const local = holdsLocally ? [self] : [];
  const index = layout.shardNumber(shard);
  if (index === undefined) return local;
  const candidates = (layout.holders[index] ?? []).filter((node) => layout.status[node] === 'active' || layout.status[node] === 'leaving');
  const staged = layout.staged.get(index);
  if (staged !== undefined && layout.status[staged] === 'active' && !candidates.includes(staged)) candidates.push(staged);
  const ranked = new RendezvousRanker(layout).order(layout.shardKeys[index] ?? 0, candidates).map((node) => layout.nodeIds[node] ?? '');
  return [...local, ...ranked.filter((id) => id !== self && id !== '')];
}
