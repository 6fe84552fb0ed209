import type { SwarmModel } from './swarm-model';

/** The health and balance of a replica layout. */
export interface LayoutMetrics {
  /** Shards none of whose copies survive anywhere. */
  readonly lostShards: number;
  /** Shards with fewer than R copies on reachable, counted nodes. */
  readonly underReplicated: number;
  /** Shards with two copies in one failure domain although the swarm has at least R domains. */
  readonly domainViolations: number;
  /** Fullest node's load over its fair share (with equal capacities: max load / mean load). */
  readonly maxOverMeanLoad: number;
  /** Largest |replica share - capacity share| / capacity share over nodes. */
  readonly capacityShareError: number;
}

export function measureLayout(model: SwarmModel, replicas: number): LayoutMetrics {
  const { map } = model;
  const live: number[] = [];
  const liveDomains = new Set<number>();
  let totalWeight = 0;
  for (let node = 0; node < map.count; node++) {
    if (!map.counts(node) || !model.isReachable(node) || (map.weights[node] ?? 0) <= 0) continue;
    live.push(node);
    liveDomains.add(map.domains[node] ?? -1);
    totalWeight += map.weights[node] ?? 0;
  }
  const wanted = Math.min(replicas, live.length);
  let lostShards = 0;
  let underReplicated = 0;
  let domainViolations = 0;
  let totalLoad = 0;
  for (let shard = 0; shard < map.shardCount; shard++) {
    const holders = map.holders[shard] ?? [];
    const stagedAt = map.staged.get(shard);
    const survives = holders.some((node) => !model.isGone(node)) || (stagedAt !== undefined && !model.isGone(stagedAt));
    if (!survives) lostShards++;
    const counted = holders.filter((node) => map.counts(node) && model.isReachable(node));
    totalLoad += counted.length;
    if (counted.length < wanted) underReplicated++;
    if (liveDomains.size >= wanted && new Set(counted.map((node) => map.domains[node])).size < counted.length) {
      domainViolations++;
    }
  }
  let maxOverMeanLoad = 0;
  let capacityShareError = 0;
  for (const node of live) {
    const fairShare = (totalLoad * (map.weights[node] ?? 0)) / totalWeight;
    if (fairShare <= 0) continue;
    const load = map.nodeShards[node]?.size ?? 0;
    maxOverMeanLoad = Math.max(maxOverMeanLoad, load / fairShare);
    capacityShareError = Math.max(capacityShareError, Math.abs(load - fairShare) / fairShare);
  }
  return { lostShards, underReplicated, domainViolations, maxOverMeanLoad, capacityShareError };
}
