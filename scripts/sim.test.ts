import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function sim(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/sim.ts', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run sim', () => {
  it('prints one JSON object with the documented keys as its last line', () => {
    const { status, stdout } = sim('--nodes', '30', '--shards', '300', '--seed', '2', '--json');
    expect(status).toBe(0);
    const last = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
    for (const key of [
      'nodes', 'shards', 'replicas', 'seed', 'lost_shards', 'under_replicated_after_settle', 'moved_on_join_ratio',
      'moved_on_crash_ratio', 'max_over_mean_load', 'capacity_share_error', 'domain_violations', 'settle_rounds',
      'wall_s', 'peak_rss_mb',
    ]) {
      expect(last).toHaveProperty(key);
    }
    expect(last.nodes).toBe(30);
  });

  it.each([
    [['--nodes', '0']],
    [['--nodes', '2', '--replicas', '3']],
    [['--churn-rate', '-1']],
  ])('exits 2 with a clear message for %j', (args) => {
    const { status, stderr } = sim(...args);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^sim: .+/);
    expect(stderr).toContain('usage:');
  });

  it('exits 1 and prints the reproducing command when an invariant fails', () => {
    const { status, stderr } = sim('--nodes', '20', '--shards', '400', '--replicas', '1', '--churn', '0', '--seed', '5');
    expect(status).toBe(1);
    expect(stderr).toMatch(/FAILED seed 5: .*lost/);
    expect(stderr).toContain('reproduce: npm run sim -- --nodes 20');
  });
});
