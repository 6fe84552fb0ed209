import { defaultReplicationSettings, type ReplicationSettings } from '../placement/replication-planner';
import { SeededRandom } from '../testing/seeded-random';
import { measureLayout } from './layout-metrics';
import type { SimSettings } from './sim-settings';
import { SwarmModel, type SwarmTiming } from './swarm-model';

/** The simulator's result; field names are the JSON keys the CLI prints. */
export interface SimReport {
  nodes: number;
  shards: number;
  replicas: number;
  seed: number;
  domains: number;
  capacity_spread: number;
  churn_events: number;
  lost_shards: number;
  under_replicated_after_settle: number;
  moved_on_join_ratio: number;
  moved_on_crash_ratio: number;
  moved_on_reload: number;
  max_over_mean_load: number;
  capacity_share_error: number;
  domain_violations: number;
  unsafe_deletes: number;
  settle_rounds: number;
  virtual_s: number;
  transfers: number;
}

export const simTiming: SwarmTiming = {
  suspectAfterMs: 3_000,
  deadAfterMs: 5_000,
  repairGraceMs: 30_000,
  shardBytes: 4 * 1024 * 1024,
  linkBytesPerSecond: 25_000_000,
  linkLatencyMs: 20,
  maxConcurrentTransfers: 4,
};

const MAX_ROUNDS = 100_000;

/**
 * One run: place the shards on the swarm, measure single joins, crashes and a reload, then
 * random churn with at most R-1 failures overlapping, settle, and check the layout.
 */
export function runSimulation(settings: SimSettings): SimReport {
  const random = new SeededRandom(settings.seed);
  const replication: ReplicationSettings = {
    ...defaultReplicationSettings,
    replicas: settings.replicas,
    balanceTolerance: settings.balanceTolerance,
  };
  const model = new SwarmModel(replication, simTiming);
  const domains = settings.domains > 0 ? settings.domains : Math.max(1, Math.ceil(settings.nodes / 2));
  let nextId = 0;
  const addNode = (): number => {
    const id = nextId++;
    const weight = settings.capacitySpread === 1 ? 1 : 1 + random.next() * (settings.capacitySpread - 1);
    return model.addNode(`node-${id}`, `host-${id % domains}`, weight);
  };
  for (let i = 0; i < settings.nodes; i++) addNode();
  model.upload(Array.from({ length: settings.shards }, (_, i) => `shard-${settings.seed}-${i}`), 0);
  let settleRounds = model.placeInstantly(MAX_ROUNDS);

  const settle = (): number => {
    const rounds = model.run(MAX_ROUNDS);
    settleRounds = Math.max(settleRounds, rounds);
    return rounds;
  };
  const activeNodes = (): number[] => {
    const nodes: number[] = [];
    for (let node = 0; node < model.map.count; node++) {
      if (model.map.status[node] === 'active' && model.isReachable(node)) nodes.push(node);
    }
    return nodes;
  };

  let joinRatioSum = 0;
  let crashCreated = 0;
  let crashHeld = 0;
  for (let probe = 0; probe < settings.probes; probe++) {
    const before = model.counters.completed;
    addNode();
    settle();
    const fairShare = (settings.shards * settings.replicas) / activeNodes().length;
    joinRatioSum += (model.counters.completed - before) / fairShare;
  }
  for (let probe = 0; probe < settings.probes && activeNodes().length > settings.replicas; probe++) {
    const victim = random.pick(activeNodes());
    crashHeld += model.map.nodeShards[victim]?.size ?? 0;
    const before = model.counters.completed;
    model.crash(victim, true);
    settle();
    crashCreated += model.counters.completed - before;
  }
  const beforeReload = model.counters.completed;
  const reloaded = activeNodes()[0];
  if (reloaded !== undefined) {
    model.reload(reloaded, simTiming.repairGraceMs / 3);
    settle();
  }
  const movedOnReload = model.counters.completed - beforeReload;

  runChurn(model, random, settings, addNode, activeNodes, settle);
  settle();

  const layout = measureLayout(model, settings.replicas);
  return {
    nodes: settings.nodes,
    shards: settings.shards,
    replicas: settings.replicas,
    seed: settings.seed,
    domains,
    capacity_spread: settings.capacitySpread,
    churn_events: settings.churnEvents,
    lost_shards: layout.lostShards,
    under_replicated_after_settle: layout.underReplicated,
    moved_on_join_ratio: settings.probes > 0 ? joinRatioSum / settings.probes : 0,
    moved_on_crash_ratio: crashHeld > 0 ? crashCreated / crashHeld : 0,
    moved_on_reload: movedOnReload,
    max_over_mean_load: layout.maxOverMeanLoad,
    capacity_share_error: layout.capacityShareError,
    domain_violations: layout.domainViolations,
    unsafe_deletes: model.unsafeDeletes,
    settle_rounds: settleRounds,
    virtual_s: model.now / 1000,
    transfers: model.counters.completed,
  };
}

/**
 * Random churn. A failure (crash, reload, partition) stays open until the swarm settles;
 * before a failure would make more than R-1 overlap, the swarm is allowed to settle, which
 * is the condition under which no shard may be lost.
 */
function runChurn(
  model: SwarmModel,
  random: SeededRandom,
  settings: SimSettings,
  addNode: () => number,
  activeNodes: () => number[],
  settle: () => number,
): void {
  const maxOverlap = settings.replicas - 1;
  let openFailures = 0;
  for (let event = 0; event < settings.churnEvents; event++) {
    model.run(MAX_ROUNDS, model.now + random.exponential(60_000 / settings.churnPerMinute));
    const kind = random.next();
    if (kind < 0.25) {
      addNode();
      continue;
    }
    const candidates = activeNodes();
    if (candidates.length <= settings.replicas + 1) {
      addNode();
      continue;
    }
    if (kind < 0.4) {
      model.leave(random.pick(candidates));
      continue;
    }
    const width = kind < 0.85 ? 1 : 1 + random.int(Math.max(1, maxOverlap));
    if (maxOverlap === 0 || openFailures + width > maxOverlap) {
      settle();
      openFailures = 0;
      if (maxOverlap === 0) continue;
    }
    openFailures += width;
    const victims = new Set<number>();
    while (victims.size < width) victims.add(random.pick(activeNodes()));
    for (const victim of victims) {
      if (kind < 0.6) model.crash(victim, true);
      else if (kind < 0.85) model.reload(victim, 1_000 + random.next() * (simTiming.repairGraceMs / 2));
      else model.reload(victim, simTiming.repairGraceMs * (1.5 + random.next()));
    }
  }
}
