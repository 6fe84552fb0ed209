import { SimUsageError } from '../errors';

/** Everything a simulation run depends on; the same settings give the same run. */
export interface SimSettings {
  readonly nodes: number;
  readonly shards: number;
  readonly replicas: number;
  readonly seed: number;
  /** Failure domains (browser profiles); nodes are spread over them round-robin. */
  readonly domains: number;
  /** Capacities are drawn uniformly from 1 to this (1 = all equal). */
  readonly capacitySpread: number;
  /** Random churn events (joins, leaves, crashes, reloads, partitions) after the measurements. */
  readonly churnEvents: number;
  /** Mean churn events per virtual minute. */
  readonly churnPerMinute: number;
  /** Single joins and single crashes measured for the movement ratios. */
  readonly probes: number;
  /** Relative slack of each node's load band. */
  readonly balanceTolerance: number;
}

export const defaultSimSettings: SimSettings = {
  nodes: 100,
  shards: 2000,
  replicas: 3,
  seed: 1,
  domains: 0,
  capacitySpread: 1,
  churnEvents: 30,
  churnPerMinute: 6,
  probes: 3,
  balanceTolerance: 0.08,
};

const flags: Record<string, keyof SimSettings> = {
  '--nodes': 'nodes',
  '--shards': 'shards',
  '--replicas': 'replicas',
  '--seed': 'seed',
  '--domains': 'domains',
  '--capacity-spread': 'capacitySpread',
  '--churn': 'churnEvents',
  '--churn-rate': 'churnPerMinute',
  '--probes': 'probes',
  '--tolerance': 'balanceTolerance',
};

export const simUsage = `usage: npm run sim -- [--nodes N] [--shards S] [--replicas R] [--seed K]
       [--domains D] [--capacity-spread X] [--churn EVENTS] [--churn-rate PER_MIN]
       [--probes P] [--tolerance T] [--json]
  --domains 0 (default) means one failure domain per two nodes.`;

/** Parses command-line flags; throws SimUsageError with a clear message on bad input. */
export function parseSimArgs(argv: readonly string[]): { settings: SimSettings; json: boolean } {
  const values: Record<string, number> = { ...defaultSimSettings };
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--json') {
      json = true;
      continue;
    }
    const [flag, inline] = arg.includes('=') ? arg.split('=', 2) : [arg, undefined];
    const key = flags[flag ?? ''];
    if (!key) throw new SimUsageError(`unknown argument '${arg}'`);
    const text = inline ?? argv[++i];
    if (text === undefined) throw new SimUsageError(`${flag} needs a value`);
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw new SimUsageError(`${flag} needs a number, got '${text}'`);
    values[key] = value;
  }
  const settings = values as unknown as SimSettings;
  validateSimSettings(settings);
  return { settings, json };
}

/** Rejects settings that cannot describe a swarm, saying which and why. */
export function validateSimSettings(s: SimSettings): void {
  const whole = (name: string, value: number, min: number): void => {
    if (!Number.isInteger(value) || value < min) throw new SimUsageError(`${name} must be a whole number >= ${min}, got ${value}`);
  };
  whole('--nodes', s.nodes, 1);
  whole('--shards', s.shards, 0);
  whole('--replicas', s.replicas, 1);
  whole('--seed', s.seed, 0);
  whole('--domains', s.domains, 0);
  whole('--churn', s.churnEvents, 0);
  whole('--probes', s.probes, 0);
  if (s.replicas > s.nodes) throw new SimUsageError(`--replicas (${s.replicas}) cannot exceed --nodes (${s.nodes})`);
  if (!(s.capacitySpread >= 1)) throw new SimUsageError(`--capacity-spread must be >= 1, got ${s.capacitySpread}`);
  if (!(s.churnPerMinute > 0)) throw new SimUsageError(`--churn-rate must be > 0, got ${s.churnPerMinute}`);
  if (!(s.balanceTolerance > 0 && s.balanceTolerance < 1)) {
    throw new SimUsageError(`--tolerance must be between 0 and 1, got ${s.balanceTolerance}`);
  }
}

/** The command that reruns these settings exactly. */
export function reproduceCommand(s: SimSettings): string {
  const parts = Object.entries(flags).map(([flag, key]) => `${flag} ${s[key]}`);
  return `npm run sim -- ${parts.join(' ')} --json`;
}
