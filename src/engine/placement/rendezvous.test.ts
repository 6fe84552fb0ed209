import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashString32 } from '../stable-hash';
import { RendezvousRanker, rendezvousCost, type RankableNodes } from './rendezvous';

function nodesOf(weights: number[], domains?: number[]): RankableNodes {
  return {
    nodeKeys: weights.map((_, i) => hashString32(`node-${i}`)),
    weights,
    domains: domains ?? weights.map((_, i) => i),
    count: weights.length,
  };
}

/** The slow, obviously right answer: sort every eligible node by cost, keep one per domain. */
function bruteForce(nodes: RankableNodes, shardKey: number, count: number, eligible: (n: number) => boolean): number[] {
  const order = Array.from({ length: nodes.count }, (_, n) => n)
    .filter((n) => eligible(n) && (nodes.weights[n] ?? 0) > 0)
    .map((n) => ({ n, cost: rendezvousCost(shardKey, nodes.nodeKeys[n] ?? 0, nodes.weights[n] ?? 0) }))
    .sort((a, b) => a.cost - b.cost || a.n - b.n);
  const picked: number[] = [];
  const domains = new Set<number>();
  for (const { n } of order) {
    if (picked.length === count) break;
    if (domains.has(nodes.domains[n] ?? -1)) continue;
    domains.add(nodes.domains[n] ?? -1);
    picked.push(n);
  }
  for (const { n } of order) {
    if (picked.length === count) break;
    if (!picked.includes(n)) picked.push(n);
  }
  return picked;
}

describe('RendezvousRanker.pick', () => {
  it('equals a full sort for any weights, domains and eligibility (the skip bound loses nothing)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.1, max: 10, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(),
        fc.nat(),
        (weights, domainCount, count, shardKey, mask) => {
          const domains = weights.map((_, i) => (i * 7919) % domainCount);
          const nodes = nodesOf(weights, domains);
          const eligible = (n: number): boolean => ((mask >> n % 30) & 1) === 0 || n % 3 === 0;
          const ranker = new RendezvousRanker(nodes);
          expect(ranker.pick(shardKey, count, eligible)).toEqual(bruteForce(nodes, shardKey, count, eligible));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns distinct nodes on distinct domains when there are enough domains', () => {
    const nodes = nodesOf(Array(30).fill(1), Array.from({ length: 30 }, (_, i) => i % 5));
    const ranker = new RendezvousRanker(nodes);
    for (let shard = 0; shard < 500; shard++) {
      const picked = ranker.pick(hashString32(`s${shard}`), 3, () => true);
      expect(new Set(picked).size).toBe(3);
      expect(new Set(picked.map((n) => nodes.domains[n])).size).toBe(3);
    }
  });

  it("with 'never', does not fall back to a shared domain", () => {
    const nodes = nodesOf([1, 1, 1], [0, 0, 1]);
    const ranker = new RendezvousRanker(nodes);
    expect(ranker.pick(42, 3, () => true, [], 'never')).toHaveLength(2);
    expect(ranker.pick(42, 3, () => true)).toHaveLength(3);
  });

  it("gives each node a share of first places proportional to its weight", () => {
    const weights = [1, 2, 3, 4, 10];
    const nodes = nodesOf(weights);
    const ranker = new RendezvousRanker(nodes);
    const wins = Array(weights.length).fill(0);
    const draws = 200_000;
    for (let shard = 0; shard < draws; shard++) wins[ranker.pick(hashString32(`shard-${shard}`), 1, () => true)[0] ?? 0]++;
    const total = weights.reduce((a, b) => a + b, 0);
    weights.forEach((weight, n) => expect(wins[n] / draws).toBeCloseTo(weight / total, 2));
  });

  it('moves only the shards that ranked a removed node (minimal disruption)', () => {
    const weights = Array(50).fill(1);
    const nodes = nodesOf(weights);
    const ranker = new RendezvousRanker(nodes);
    const removed = 17;
    for (let shard = 0; shard < 2000; shard++) {
      const key = hashString32(`s-${shard}`);
      const before = ranker.pick(key, 3, () => true);
      const after = ranker.pick(key, 3, (n) => n !== removed);
      if (!before.includes(removed)) expect(after).toEqual(before);
      else expect(after.filter((n) => before.includes(n))).toEqual(before.filter((n) => n !== removed));
    }
  });
});
