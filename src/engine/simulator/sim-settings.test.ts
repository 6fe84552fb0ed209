import { describe, expect, it } from 'vitest';
import { parseSimArgs, reproduceCommand } from './sim-settings';

describe('parseSimArgs', () => {
  it('reads every flag, in both spellings', () => {
    const { settings, json } = parseSimArgs(['--nodes', '10', '--shards=50', '--replicas', '2', '--seed', '9', '--capacity-spread', '4', '--json']);
    expect(settings).toMatchObject({ nodes: 10, shards: 50, replicas: 2, seed: 9, capacitySpread: 4 });
    expect(json).toBe(true);
  });

  it.each([
    [['--nodes', '0'], /--nodes must be a whole number >= 1/],
    [['--nodes', '3', '--replicas', '4'], /cannot exceed --nodes/],
    [['--churn', '-1'], /--churn must be a whole number >= 0/],
    [['--churn-rate', '-2'], /--churn-rate must be > 0/],
    [['--capacity-spread', '0.5'], /--capacity-spread must be >= 1/],
    [['--nodes', 'many'], /needs a number/],
    [['--nodes'], /needs a value/],
    [['--bogus', '1'], /unknown argument/],
  ])('rejects %j clearly', (argv, message) => {
    expect(() => parseSimArgs(argv)).toThrow(message);
  });

  it('prints a command that reproduces the same settings', () => {
    const { settings } = parseSimArgs(['--nodes', '12', '--seed', '4']);
    const again = reproduceCommand(settings).replace('npm run sim -- ', '').split(' ');
    expect(parseSimArgs(again).settings).toEqual(settings);
  });
});
