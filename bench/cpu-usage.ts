// Where a benchmark's CPU goes, from Linux's /proc: how busy the machine's cores were over a
// span, and the CPU time of each Chromium thread kind (process type and thread name, summed
// over processes). Replication and ingest here are CPU-bound on 2 cores shared by every tab,
// so these say what to make cheaper. Elsewhere than Linux they report nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's counters (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

export interface CpuSample {
  readonly machine: readonly number[];
  readonly threads: ReadonlyMap<string, number>;
}

export function sampleCpu(): CpuSample | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const machine = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  return { machine, threads: chromiumThreads() };
}

/** Share of all cores busy between two samples (0-1). */
export function busyShare(before: CpuSample, after: CpuSample): number {
  const delta = after.machine.map((value, i) => value - (before.machine[i] ?? 0));
  const idle = (delta[3] ?? 0) + (delta[4] ?? 0);
  const total = delta.reduce((sum, value) => sum + value, 0);
  return total > 0 ? 1 - idle / total : 0;
}

/** CPU ms per thread kind between two samples, most first. */
export function threadMs(before: CpuSample, after: CpuSample): [string, number][] {
  return [...after.threads]
    .map(([kind, ticks]): [string, number] => [kind, ((ticks - (before.threads.get(kind) ?? 0)) * 1000) / TICKS_PER_S])
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1]);
}

function chromiumThreads(): Map<string, number> {
  const ticksByKind = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    // Processes and threads come and go while we read: whatever vanished is skipped.
    const command = readOrEmpty(`/proc/${pid}/cmdline`);
    if (!command.includes('chromium')) continue;
    const type = /--type=([a-z-]+)/.exec(command)?.[1] ?? 'browser';
    const service = /--utility-sub-type=([\w.]+)/.exec(command)?.[1]?.split('.').pop();
    for (const tid of listOrEmpty(`/proc/${pid}/task`)) {
      const stat = readOrEmpty(`/proc/${pid}/task/${tid}/stat`);
      if (!stat) continue;
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '#');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const kind = `${service ? `${type}:${service}` : type} ${name}`;
      ticksByKind.set(kind, (ticksByKind.get(kind) ?? 0) + Number(fields[11]) + Number(fields[12]));
    }
  }
  return ticksByKind;
}

function listOrEmpty(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
