import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplicaMap, type NodeStatus } from './replica-map';
import { RendezvousRanker } from './rendezvous';
import { defaultReplicationSettings, planReplication, type ReplicationPlan } from './replication-planner';

const settings = { ...defaultReplicationSettings, replicas: 3 };

function swarm(nodes: number, options: { hosts?: number; shards?: number } = {}): ReplicaMap {
  const map = new ReplicaMap();
  for (let i = 0; i < nodes; i++) map.upsertNode(`n${i}`, `h${i % (options.hosts ?? nodes)}`, 1);
  for (let s = 0; s < (options.shards ?? 0); s++) map.upsertShard(`s${s}`);
  return map;
}

/** Applies a plan as if every transfer and delete succeeded at once. */
function apply(map: ReplicaMap, plan: ReplicationPlan): void {
  for (const task of plan.deletes) {
    if (task.reason === 'staged') map.staged.delete(task.shard);
    else map.removeHolder(task.shard, task.node);
  }
  for (const task of plan.transfers) {
    map.addPending(task.shard, { to: task.to, from: task.from, releaseFrom: task.releaseFrom });
    map.finishPending(task.shard, task.to, true);
  }
}

function settle(map: ReplicaMap, rounds = 50): number {
  for (let round = 1; round <= rounds; round++) {
    const plan = planReplication(map, settings);
    if (plan.transfers.length === 0 && plan.deletes.length === 0) return round;
    apply(map, plan);
  }
  throw new Error('did not settle');
}

function counted(map: ReplicaMap, shard: number): number[] {
  return (map.holders[shard] ?? []).filter((node) => map.counts(node));
}

describe('planReplication', () => {
  it('places staged uploads on R distinct domains, then drops the staged copy', () => {
    const map = swarm(8, { hosts: 4, shards: 40 });
    for (let s = 0; s < 40; s++) map.staged.set(s, 0);
    const first = planReplication(map, settings);
    expect(first.transfers.filter((t) => t.reason === 'repair')).toHaveLength(40 * 3);
    expect(first.transfers.every((t) => t.from === 0)).toBe(true);
    settle(map);
    for (let s = 0; s < 40; s++) {
      const holders = counted(map, s);
      expect(holders).toHaveLength(3);
      expect(new Set(holders.map((n) => map.domains[n])).size).toBe(3);
    }
    expect(map.staged.size).toBe(0);
  });

  it("keeps an uploader's staged copies as one of the R (write locality) up to its load band, sending the rest", () => {
    const map = swarm(6, { shards: 30 });
    for (let s = 0; s < 30; s++) map.staged.set(s, 2);
    const first = planReplication(map, settings);
    // 90 copies over 6 equal nodes: 15 each, at most 15 x 1.08 before the band is full.
    const kept = first.transfers.filter((t) => t.to === 2);
    expect(kept.length).toBeGreaterThanOrEqual(15);
    expect(kept.length).toBeLessThanOrEqual(Math.ceil(15 * 1.08));
    expect(kept.every((t) => t.replaces === undefined)).toBe(true);
    // A kept copy saves one send; the other shards get all R copies sent.
    expect(first.transfers.filter((t) => t.to !== 2)).toHaveLength(kept.length * 2 + (30 - kept.length) * 3);
    apply(map, first);
    expect(map.load(2)).toBe(kept.length);
    for (let s = 0; s < 30; s++) expect(counted(map, s)).toHaveLength(3);
    // The next plan drops the staged copies of shards sent in full; balancing moves off the
    // uploader at most what any node's band edge leaves (unbounded, it kept all 30).
    const next = planReplication(map, settings);
    expect(next.deletes.filter((d) => d.reason === 'staged')).toHaveLength(30 - kept.length);
    const moves = next.transfers.filter((t) => t.from === 2);
    expect(moves.length).toBeLessThanOrEqual(1);
    expect(moves.every((t) => t.reason === 'balance')).toBe(true);
  });

  it('an uploader that is full sends all R copies of its staged shards', () => {
    const map = swarm(6, { shards: 10 });
    for (let s = 0; s < 10; s++) map.staged.set(s, 1);
    map.full[1] = true;
    const plan = planReplication(map, settings);
    expect(plan.transfers).toHaveLength(30);
    expect(plan.transfers.every((t) => t.from === 1 && t.to !== 1)).toBe(true);
  });

  it('repairs only the replicas of a node that is out, and the most endangered shards first', () => {
    const map = swarm(10, { shards: 100 });
    for (let s = 0; s < 100; s++) map.staged.set(s, 0);
    settle(map);
    const victim = 3;
    const victimShards = [...(map.nodeShards[victim] ?? [])];
    map.status[victim] = 'out';
    map.status[4] = 'out';
    const plan = planReplication(map, settings);
    const repairs = plan.transfers.filter((t) => t.reason === 'repair');
    const lostBoth = victimShards.filter((s) => map.nodeShards[4]?.has(s)).length;
    expect(repairs.length).toBe(victimShards.length + (map.nodeShards[4]?.size ?? 0));
    const copies = repairs.map((t) => t.copies);
    expect(copies).toEqual([...copies].sort((a, b) => a - b));
    if (lostBoth > 0) expect(copies[0]).toBe(1);
  });

  it('does not repair while a silent node is only down (inside the grace)', () => {
    const map = swarm(6, { shards: 30 });
    for (let s = 0; s < 30; s++) map.staged.set(s, 0);
    settle(map);
    map.status[2] = 'down';
    const plan = planReplication(map, settings);
    expect(plan.transfers).toEqual([]);
    expect(plan.deletes).toEqual([]);
  });

  it('never sources from a down node and reports shards whose only copies are down', () => {
    const map = swarm(5, { shards: 1 });
    map.addHolder(0, 1);
    map.status[1] = 'down';
    const plan = planReplication(map, settings);
    expect(plan.transfers).toEqual([]);
    expect(plan.stalled).toEqual([0]);
  });

  it('reports a shard with no copy at all as lost', () => {
    const map = swarm(5, { shards: 2 });
    map.addHolder(1, 0);
    expect(planReplication(map, settings).lost).toEqual([0]);
  });

  it('deletes surplus copies only beyond R confirmed ones, the worst-ranked first', () => {
    const map = swarm(6, { shards: 1 });
    for (const node of [0, 1, 2]) map.addHolder(0, node);
    map.addPending(0, { to: 4, from: 0, releaseFrom: undefined });
    expect(planReplication(map, settings).deletes).toEqual([]);
    map.finishPending(0, 4, true);
    const plan = planReplication(map, settings);
    expect(plan.deletes).toHaveLength(1);
    expect(plan.deletes[0]?.reason).toBe('surplus');
    const worst = new RendezvousRanker(map).order(map.shardKeys[0] ?? 0, [0, 1, 2, 4]).at(-1);
    expect(plan.deletes[0]?.node).toBe(worst);
  });

  it('a finished move releases its source, so copies never dip below R', () => {
    const map = swarm(6, { shards: 1 });
    for (const node of [0, 1, 2]) map.addHolder(0, node);
    map.addPending(0, { to: 5, from: 2, releaseFrom: 2 });
    map.finishPending(0, 5, true);
    expect([...(map.holders[0] ?? [])].sort()).toEqual([0, 1, 5]);
  });

  it('never leaves a shard under R through a delete, for any layout', () => {
    const statuses: NodeStatus[] = ['active', 'down', 'leaving', 'out'];
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 12 }),
        fc.array(fc.array(fc.nat({ max: 11 }), { maxLength: 6 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.constantFrom(...statuses), { minLength: 12, maxLength: 12 }),
        (nodes, holdings, status) => {
          const map = swarm(nodes, { hosts: 3, shards: holdings.length });
          for (let n = 0; n < nodes; n++) map.status[n] = status[n] ?? 'active';
          holdings.forEach((holders, shard) => holders.filter((n) => n < nodes).forEach((n) => map.addHolder(shard, n)));
          const plan = planReplication(map, settings);
          for (const task of plan.deletes) {
            const remaining = counted(map, task.shard).filter((n) => n !== task.node);
            expect(remaining.length).toBeGreaterThanOrEqual(settings.replicas);
            expect(map.status[task.node]).toBe('active');
          }
          for (const task of plan.transfers) {
            expect(map.status[task.to]).toBe('active');
            expect(['active', 'leaving']).toContain(map.status[task.from]);
            expect(map.holders[task.shard]).toContain(task.from);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('brings every node into its load band and a joining node takes about its share', () => {
    const map = swarm(20, { shards: 400 });
    for (let s = 0; s < 400; s++) map.staged.set(s, 0);
    settle(map);
    const loads = Array.from({ length: 20 }, (_, n) => map.nodeShards[n]?.size ?? 0);
    expect(Math.max(...loads)).toBeLessThanOrEqual(Math.ceil(60 * 1.08));
    expect(Math.min(...loads)).toBeGreaterThanOrEqual(Math.floor(60 * 0.92));
    const joined = map.upsertNode('new', 'new-host', 1);
    const plan = planReplication(map, settings);
    expect(plan.transfers.every((t) => t.to === joined && t.reason === 'balance')).toBe(true);
    expect(plan.transfers.length).toBeGreaterThan(0.85 * (1200 / 21));
    expect(plan.transfers.length).toBeLessThanOrEqual(1.1 * (1200 / 21));
    settle(map);
    for (let s = 0; s < 400; s++) expect(counted(map, s)).toHaveLength(3);
  });

  it('hands off a leaving node\'s shards before anyone counts them gone', () => {
    const map = swarm(6, { shards: 30 });
    for (let s = 0; s < 30; s++) map.staged.set(s, 0);
    settle(map);
    map.status[1] = 'leaving';
    const plan = planReplication(map, settings);
    const held = map.nodeShards[1]?.size ?? 0;
    expect(plan.transfers.filter((t) => t.reason === 'repair')).toHaveLength(held);
    expect(plan.lost).toEqual([]);
  });

  it('is a pure function of the layout', () => {
    const build = (): ReplicaMap => {
      const map = swarm(12, { hosts: 5, shards: 80 });
      for (let s = 0; s < 80; s++) map.staged.set(s, s % 12);
      return map;
    };
    expect(planReplication(build(), settings)).toEqual(planReplication(build(), settings));
  });
});
