import { expect } from '@playwright/test';
import { expectFullMesh, listedPeers, openTab, selfId, tabErrors, test } from './support/swarm-pages';

// Membership timing (src/engine/membership): a silent peer is suspect after 3 s and leaves
// the live list then; the page refreshes every 0.5 s and heartbeats go out every second.
const SUSPECT_TIMEOUT_MS = 3_000;
const HEARTBEAT_MS = 1_000;
const UI_REFRESH_MS = 500;

test('six tabs of one swarm each list the other five within 5 s of the last tab loading', async ({ browser }) => {
  const pages = [];
  for (let i = 0; i < 6; i++) pages.push(await openTab(browser, '/?swarm=six'));
  await expectFullMesh(pages, 5_000);
  for (const page of pages) expect(tabErrors(page)).toEqual([]);
});

test('tabs of two swarms never see each other', async ({ browser }) => {
  const red = [await openTab(browser, '/?swarm=red'), await openTab(browser, '/?swarm=red'), await openTab(browser, '/?swarm=red')];
  const blue = [await openTab(browser, '/?swarm=blue'), await openTab(browser, '/?swarm=blue')];
  await expectFullMesh(red, 10_000);
  await expectFullMesh(blue, 10_000);
  const blueIds = await Promise.all(blue.map(selfId));
  const redIds = await Promise.all(red.map(selfId));
  // Give discovery a few more announcement rounds to leak, if it would.
  await red[0]?.waitForTimeout(4_000);
  for (const page of red) expect((await listedPeers(page)).filter((id) => blueIds.includes(id))).toEqual([]);
  for (const page of blue) expect((await listedPeers(page)).filter((id) => redIds.includes(id))).toEqual([]);
  for (const page of red) await expect(page.getByTestId('swarm-name')).toHaveText('red');
});

test('a closed tab disappears from every list within the suspect timeout', async ({ browser }) => {
  const pages = [];
  for (let i = 0; i < 4; i++) pages.push(await openTab(browser, '/?swarm=closing'));
  await expectFullMesh(pages, 10_000);
  const [closing, ...staying] = pages;
  if (!closing) throw new Error('no tab to close');
  const closedId = await selfId(closing);
  await closing.context().close();
  for (const page of staying) {
    await expect
      .poll(async () => (await listedPeers(page)).includes(closedId), { timeout: SUSPECT_TIMEOUT_MS + HEARTBEAT_MS + UI_REFRESH_MS, intervals: [100] })
      .toBe(false);
  }
  await expectFullMesh(staying, 1_000);
});
