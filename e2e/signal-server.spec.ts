import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from '@playwright/test';
import { startSignalServer } from './support/signal-server-process';
import { expectFullMesh, listedPeers, openTab, test } from './support/swarm-pages';

const serverCli = path.resolve('signaling-server/dist/cli.js');

test('killing and restarting the signaling server keeps existing links, and a new tab joins after the restart', async ({ browser }) => {
  const port = 4301;
  let server = await startSignalServer(process.execPath, [serverCli, '--port', String(port)]);
  try {
    const pages = [];
    for (let i = 0; i < 3; i++) pages.push(await openTab(browser, `${server.url}?swarm=restart`));
    await expectFullMesh(pages, 10_000);
    const before = await Promise.all(pages.map(listedPeers));

    await server.stop('SIGKILL');
    for (const page of pages) await expect(page.getByTestId('relay-status')).toHaveText('reconnecting…');
    // Longer than the suspect timeout: only heartbeats over the WebRTC links keep peers listed.
    await pages[0]?.waitForTimeout(6_000);
    expect(await Promise.all(pages.map(listedPeers))).toEqual(before);

    server = await startSignalServer(process.execPath, [serverCli, '--port', String(port)]);
    for (const page of pages) await expect(page.getByTestId('relay-status')).toHaveText('connected', { timeout: 40_000 });
    pages.push(await openTab(browser, `${server.url}?swarm=restart`));
    await expectFullMesh(pages, 20_000);
  } finally {
    await server.stop();
  }
});

test('the packed tarball runs with npx, and tabs join through it', async ({ browser }) => {
  const packDir = mkdtempSync(path.join(tmpdir(), 'tabswarm-pack-'));
  execFileSync('npm', ['pack', '--workspace', 'tabswarm-signal', '--pack-destination', packDir], { stdio: 'pipe' });
  const tarball = readdirSync(packDir).find((name) => /^tabswarm-signal-.*\.tgz$/.test(name));
  if (!tarball) throw new Error(`npm pack left no tarball in ${packDir}`);
  // `npx ./file.tgz` from its folder, as a user would (an absolute path is taken for a command).
  const server = await startSignalServer('npx', ['--yes', `./${tarball}`, '--port', '4302'], 120_000, packDir);
  try {
    const health = await fetch(new URL('/healthz', server.url));
    expect(health.status).toBe(200);
    const pages = [await openTab(browser, `${server.url}?swarm=packed`), await openTab(browser, `${server.url}?swarm=packed`)];
    await expectFullMesh(pages, 10_000);
    const metrics = await (await fetch(new URL('/metrics', server.url))).text();
    expect(metrics).toMatch(/^tabswarm_signal_peers [1-9]/m);
    expect(metrics).toMatch(/^tabswarm_signal_reservations [1-9]/m);
    expect(Number(/^tabswarm_signal_relayed_bytes_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
  } finally {
    await server.stop('SIGTERM');
  }
});
