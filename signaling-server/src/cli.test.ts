import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const cli = ['--import', 'tsx', 'signaling-server/src/cli.ts'];

/** Starts the CLI on a free port and resolves with its URL once it prints it. */
function startCli(extra: string[] = []): Promise<{ url: string; stop: (signal: NodeJS.Signals) => Promise<number | null> }> {
  const child = spawn(process.execPath, [...cli, '--port', '0', '--app-dir', 'signaling-server/src', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /open (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve({ url, stop: async (signal) => (child.kill(signal), exited) });
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}

describe('tabswarm-signal', () => {
  it.each([
    [['--port', 'abc'], /port must be a whole number/],
    [['--port', '70000'], /port must be a whole number/],
    [['--bogus'], /unknown argument '--bogus'/],
    [['--host'], /--host needs a value/],
    [['--ice-server', 'http://example.org'], /must be a stun:, stuns:, turn: or turns: URL/],
  ])('exits 2 with a clear message for %j', (args, message) => {
    const result = spawnSync(process.execPath, [...cli, ...args], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('usage: tabswarm-signal');
  });

  it('reads PORT from the environment when no flag is given', () => {
    const result = spawnSync(process.execPath, cli, { encoding: 'utf8', env: { ...process.env, PORT: 'not-a-port' } });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/got 'not-a-port'/);
  });

  it('serves /healthz, /bootstrap.json, /metrics and files, refuses the rest, and exits 0 on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const server = await startCli(['--ice-server', 'stun:stun.example.org:3478']);
      const health = await fetch(new URL('/healthz', server.url));
      expect(health.status).toBe(200);
      expect(await health.text()).toBe('ok\n');
      const bootstrap = (await (await fetch(new URL('/bootstrap.json', server.url))).json()) as { relayPeerId: string; iceServers: { urls: string }[] };
      expect(bootstrap.relayPeerId).toMatch(/^12D3KooW/);
      expect(bootstrap.iceServers).toEqual([{ urls: 'stun:stun.example.org:3478' }]);
      expect((await fetch(new URL('/cli.ts', server.url))).status).toBe(200);
      expect((await fetch(new URL('/..%2f..%2fpackage.json', server.url))).status).toBe(404);
      expect((await fetch(new URL('/nope.txt', server.url))).status).toBe(404);
      expect((await fetch(new URL('/healthz', server.url), { method: 'POST' })).status).toBe(405);
      const metrics = await (await fetch(new URL('/metrics', server.url))).text();
      expect(metrics).toContain('# TYPE tabswarm_signal_peers gauge');
      expect(metrics).toMatch(/^tabswarm_signal_rejected_requests_total 3$/m);
      expect(await server.stop(signal)).toBe(0);
    }
  }, 60_000);

  it('says so when the port is taken', async () => {
    const first = await startCli();
    const port = new URL(first.url).port;
    const second = spawnSync(process.execPath, [...cli, '--port', port], { encoding: 'utf8' });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/port \d+ is taken/);
    await first.stop('SIGTERM');
  }, 60_000);
});
