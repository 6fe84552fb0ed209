import { hashFloorForUnit, pairHash32, unitFromHash } from '../stable-hash';

/**
 * Weighted rendezvous (highest-random-weight) hashing. Each (shard, node) pair gets a cost
 * -ln(u) / weight with u uniform in (0, 1); a shard prefers the nodes of lowest cost. A node's
 * chance of ranking first is exactly its weight's share, and adding or removing a node only
 * changes the ranking of the shards for which that node is involved.
 */
export function rendezvousCost(shardKey: number, nodeKey: number, weight: number): number {
  return -Math.log(unitFromHash(pairHash32(shardKey, nodeKey))) / weight;
}

/** What the ranker needs to know about the nodes, by dense index. */
export interface RankableNodes {
  /** 32-bit placement key of each node (hash of its id). */
  readonly nodeKeys: ArrayLike<number>;
  /** Placement weight of each node (advertised capacity); must be > 0 to be chosen. */
  readonly weights: ArrayLike<number>;
  /** Failure domain (host) of each node, as a dense integer. */
  readonly domains: ArrayLike<number>;
  /** The number of nodes. */
  readonly count: number;
}

/**
 * Picks the best `count` nodes for one shard, in rank order, among those `eligible` accepts.
 * With `distinctFrom`, chosen nodes avoid those failure domains and each other's; when
 * fewer domains remain than needed the rest are filled from any domain (a swarm with fewer
 * hosts than replicas still keeps R copies, just less independent ones).
 */
export class RendezvousRanker {
  private maxWeight = 0;

  constructor(private readonly nodes: RankableNodes) {
    this.refreshWeights();
  }

  /** Call after weights change: the skip bound depends on the largest weight. */
  refreshWeights(): void {
    let max = 0;
    for (let i = 0; i < this.nodes.count; i++) max = Math.max(max, this.nodes.weights[i] ?? 0);
    this.maxWeight = max;
  }

  /** The cost of one node for one shard (lower ranks first). */
  cost(shardKey: number, node: number): number {
    const weight = this.nodes.weights[node] ?? 0;
    if (weight <= 0) return Infinity;
    return rendezvousCost(shardKey, this.nodes.nodeKeys[node] ?? 0, weight);
  }

  /** Orders the given nodes by their rank for this shard (best first); ties break by index. */
  order(shardKey: number, nodes: readonly number[]): number[] {
    return nodes
      .map((node) => ({ node, cost: this.cost(shardKey, node) }))
      .sort((a, b) => a.cost - b.cost || a.node - b.node)
      .map((entry) => entry.node);
  }

  /** The best `count` eligible nodes for a shard, domain-distinct first, best first. */
  pick(
    shardKey: number,
    count: number,
    eligible: (node: number) => boolean,
    distinctFrom: readonly number[] = [],
    sharedDomains: 'as-fallback' | 'never' = 'as-fallback',
  ): number[] {
    if (count <= 0) return [];
    const spread = this.scan(shardKey, count, eligible, distinctFrom, true);
    if (spread.length >= count || sharedDomains === 'never') return spread;
    const chosen = new Set(spread);
    const rest = this.scan(shardKey, count - spread.length, (n) => !chosen.has(n) && eligible(n), [], false);
    return [...spread, ...rest];
  }

  /**
   * One pass over all nodes keeping the best `count` by cost. Most nodes are rejected by an
   * integer compare: once `count` candidates are held, a node whose draw is below
   * exp(-worstCost * maxWeight) cannot beat the worst of them whatever its weight.
   */
  private scan(
    shardKey: number,
    count: number,
    eligible: (node: number) => boolean,
    distinctFrom: readonly number[],
    distinctDomains: boolean,
  ): number[] {
    const { nodeKeys, weights, domains } = this.nodes;
    const bestNode: number[] = [];
    const bestCost: number[] = [];
    let worst = Infinity;
    let hashFloor = 0;
    for (let node = 0; node < this.nodes.count; node++) {
      const weight = weights[node] ?? 0;
      if (weight <= 0) continue;
      const hash = pairHash32(shardKey, nodeKeys[node] ?? 0);
      // The cheap bound first: most nodes never reach the eligibility check.
      if (hash < hashFloor || !eligible(node)) continue;
      const cost = -Math.log(unitFromHash(hash)) / weight;
      if (cost >= worst) continue;
      const domain = domains[node] ?? -1;
      if (distinctDomains) {
        if (distinctFrom.includes(domain)) continue;
        const sameDomain = bestNode.findIndex((other) => domains[other] === domain);
        if (sameDomain >= 0) {
          if ((bestCost[sameDomain] ?? Infinity) <= cost) continue;
          bestNode.splice(sameDomain, 1);
          bestCost.splice(sameDomain, 1);
        }
      }
      let at = bestCost.length;
      while (at > 0 && (bestCost[at - 1] ?? 0) > cost) at--;
      bestNode.splice(at, 0, node);
      bestCost.splice(at, 0, cost);
      if (bestNode.length > count) {
        bestNode.pop();
        bestCost.pop();
      }
      if (bestNode.length === count) {
        worst = bestCost[count - 1] ?? Infinity;
        hashFloor = hashFloorForUnit(Math.exp(-worst * this.maxWeight));
      }
    }
    return bestNode;
  }
}
