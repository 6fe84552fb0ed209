import { describe, expect, it } from 'vitest';
import { invariantFailures } from './invariants';
import { runSimulation, type SimReport } from './run-simulation';
import { defaultSimSettings, reproduceCommand, type SimSettings } from './sim-settings';

// Fast mode runs in `npm test`; SOAK=1 (`npm run test:soak`) runs the acceptance sizes.
const soak = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.SOAK === '1';

function run(overrides: Partial<SimSettings>): { report: SimReport; why: (what: string) => string } {
  const settings = { ...defaultSimSettings, ...overrides };
  const report = runSimulation(settings);
  return { report, why: (what) => `${what} (seed ${settings.seed}); reproduce: ${reproduceCommand(settings)}` };
}

function checkRun(overrides: Partial<SimSettings>): SimReport {
  const { report, why } = run(overrides);
  expect(invariantFailures(report), why('invariants')).toEqual([]);
  expect(report.moved_on_crash_ratio, why('crash ratio')).toBeLessThanOrEqual(1.0);
  if (overrides.capacitySpread === 1 || overrides.capacitySpread === undefined) {
    expect(report.max_over_mean_load, why('max/mean load')).toBeLessThanOrEqual(1.15);
  } else {
    expect(report.capacity_share_error, why('capacity share error')).toBeLessThanOrEqual(0.1);
  }
  return report;
}

describe('swarm simulator', () => {
  const seeds = Array.from({ length: 50 }, (_, i) => i + 1);
  it(`keeps every invariant over ${seeds.length} seeds with churn (fast mode)`, () => {
    let joinRatioSum = 0;
    for (const seed of seeds) {
      const report = checkRun({
        seed,
        // At least ~66 replicas per node, so the smallest of capacities spread 1-10x holds
        // about 12 and a 10% share error is not below one replica.
        nodes: 40 + (seed % 5) * 10,
        shards: (40 + (seed % 5) * 10) * (22 + (seed % 3)),
        domains: seed % 4 === 0 ? 5 : 0,
        capacitySpread: seed % 2 === 0 ? 1 : 10,
        churnEvents: 30,
      });
      joinRatioSum += report.moved_on_join_ratio;
    }
    expect(joinRatioSum / seeds.length).toBeLessThanOrEqual(1.1);
  });

  it('with fewer domains than replicas still keeps R copies (and reports no spread violation)', () => {
    const { report, why } = run({ seed: 3, nodes: 12, shards: 200, domains: 2 });
    expect(report.under_replicated_after_settle, why('under-replicated')).toBe(0);
    expect(report.lost_shards, why('lost')).toBe(0);
  });

  it('is deterministic: the same seed gives the same report', () => {
    const settings = { seed: 11, nodes: 30, shards: 300 };
    expect(run(settings).report).toEqual(run(settings).report);
  });

  it('detects loss when failures overlap beyond R-1 (the invariant check can fail)', () => {
    const { report } = run({ seed: 5, nodes: 20, shards: 400, replicas: 1, probes: 3, churnEvents: 0 });
    expect(report.lost_shards).toBeGreaterThan(0);
    expect(invariantFailures(report).join()).toMatch(/lost/);
  });

  it.runIf(soak)('acceptance: 1,000 nodes, 20,000 shards, R=3 over 20 seeds, equal and spread capacities', () => {
    for (const capacitySpread of [1, 10]) {
      let joinRatioSum = 0;
      for (let seed = 1; seed <= 20; seed++) {
        joinRatioSum += checkRun({ seed, nodes: 1000, shards: 20_000, replicas: 3, capacitySpread, domains: 100 }).moved_on_join_ratio;
      }
      expect(joinRatioSum / 20).toBeLessThanOrEqual(1.1);
    }
  }, 1_200_000);

  it.runIf(soak)('acceptance: 10,000 nodes and 200,000 shards finish', () => {
    checkRun({ seed: 7, nodes: 10_000, shards: 200_000, replicas: 3 });
  }, 600_000);
});
