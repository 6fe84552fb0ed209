// Placement benchmark: rendezvous top-R picks with the integer skip bound (what the planner
// uses) against the plain way, scoring every node for every shard, in the same process,
// interleaved. Prints the speedup and checks both choose the same nodes.
import { RendezvousRanker, rendezvousCost, type RankableNodes } from '../src/engine/placement/rendezvous';
import { hashString32 } from '../src/engine/stable-hash';
import { SeededRandom } from '../src/engine/testing/seeded-random';

const NODES = Number(process.env.NODES ?? 10_000);
const SHARDS = Number(process.env.SHARDS ?? 5_000);
const REPLICAS = 3;
const REPS = 3;

const random = new SeededRandom(7);
const nodes: RankableNodes = {
  nodeKeys: Array.from({ length: NODES }, (_, i) => hashString32(`node-${i}`)),
  weights: Array.from({ length: NODES }, () => 1 + random.next() * 9),
  domains: Array.from({ length: NODES }, (_, i) => i % Math.ceil(NODES / 2)),
  count: NODES,
};
const shardKeys = Array.from({ length: SHARDS }, (_, i) => hashString32(`shard-${i}`));

/** The baseline: score every node, keep the best per domain, take the best R. */
function plainPick(shardKey: number): number[] {
  const best: { node: number; cost: number }[] = [];
  for (let node = 0; node < NODES; node++) {
    const cost = rendezvousCost(shardKey, nodes.nodeKeys[node] ?? 0, nodes.weights[node] ?? 1);
    const domain = nodes.domains[node];
    const same = best.findIndex((entry) => nodes.domains[entry.node] === domain);
    if (same >= 0) {
      if ((best[same]?.cost ?? 0) <= cost) continue;
      best.splice(same, 1);
    }
    best.push({ node, cost });
    best.sort((a, b) => a.cost - b.cost);
    if (best.length > REPLICAS) best.pop();
  }
  return best.map((entry) => entry.node);
}

const ranker = new RendezvousRanker(nodes);
let plainMs = 0;
let rankerMs = 0;
let mismatches = 0;
for (let rep = 0; rep < REPS; rep++) {
  let started = performance.now();
  const plain = shardKeys.map(plainPick);
  plainMs += performance.now() - started;
  started = performance.now();
  const fast = shardKeys.map((key) => ranker.pick(key, REPLICAS, () => true));
  rankerMs += performance.now() - started;
  plain.forEach((picked, i) => {
    if (picked.join() !== fast[i]?.join()) mismatches++;
  });
}

const picksPerSecond = (REPS * SHARDS) / (rankerMs / 1000);
process.stdout.write(`plain scan ${(plainMs / REPS).toFixed(0)} ms, ranker ${(rankerMs / REPS).toFixed(0)} ms per ${SHARDS} shards over ${NODES} nodes\n`);
process.stdout.write(
  `${JSON.stringify({
    bench: 'placement',
    nodes: NODES,
    shards: SHARDS,
    replicas: REPLICAS,
    reps: REPS,
    pick_speedup: Number((plainMs / rankerMs).toFixed(2)),
    picks_per_s: Math.round(picksPerSecond),
    node_scans_per_s: Math.round(picksPerSecond * NODES),
    same_choices: mismatches === 0,
  })}\n`,
);
if (mismatches > 0) process.exitCode = 1;
