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

/**
 * Who else to ask for a shard's bytes when its holders fail: the live nodes receiving a copy
 * of it now (as the senders' records list them), which pass on the pieces they have verified
 * (see PieceServer). After `shardSources`; never for queries, which need a whole copy.
 */
export function receivingSources(layout: ReplicaMap, self: string, shard: string): string[] {
  const index = layout.shardNumber(shard);
  if (index === undefined) return [];
  const holders = layout.holders[index] ?? [];
  const receiving = (layout.pending[index] ?? []).map((copy) => copy.to).filter((node) => layout.status[node] === 'active' && !holders.includes(node));
  const ranked = new RendezvousRanker(layout).order(layout.shardKeys[index] ?? 0, [...new Set(receiving)]).map((node) => layout.nodeIds[node] ?? '');
  return ranked.filter((id) => id !== self && id !== '');
}
