import { expect, type Page } from '@playwright/test';
import { dropFile, engineSnapshot, expectFullMesh, openTab, test } from './support/swarm-pages';

// Engine timing (src/engine/membership): silent 3 s -> suspect, 5 s more -> dead, then a 30 s
// grace before a dead tab's replicas stop counting.
const DETECTION_AND_GRACE_MS = 3_000 + 5_000 + 30_000;


function csv(rows: number): Buffer {
  const lines = ['id,value,label'];
  for (let i = 0; i < rows; i++) lines.push(`${i},${(i * 31) % 977},label-${i % 101}`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

async function expectAllAtTarget(pages: readonly Page[], timeout: number): Promise<void> {
  for (const page of pages) {
    await expect
      .poll(async () => {
        const dataset = (await engineSnapshot(page)).datasets.find((candidate) => candidate.name === 'values.csv');
        return dataset !== undefined && dataset.shards > 0 && dataset.atTarget === dataset.shards && dataset.lost === 0;
      }, { timeout, intervals: [500] })
      .toBe(true);
  }
}

test('a reload inside the grace costs no transfer; closed tabs are repaired after it; new tabs take shards', async ({ browser }) => {
  test.setTimeout(300_000);
  const url = '/?swarm=repair&shard-kib=128';
  const pages: Page[] = [];
  for (let i = 0; i < 5; i++) pages.push(await openTab(browser, url));
  await expectFullMesh(pages, 15_000);
  await dropFile(pages[0]!, { name: 'values.csv', mimeType: 'text/csv', buffer: csv(40_000) });
  await expectAllAtTarget(pages, 60_000);

  // Reload one tab: same identity and store, so nobody repairs anything. Wait for balancing
  // moves to finish first, so that any later transfer could only be repair.
  const others = pages.slice(0, 4);
  const copies = async (): Promise<number> => (await Promise.all(others.map(engineSnapshot))).reduce((sum, s) => sum + s.copiesStored, 0);
  let before = await copies();
  for (let quiet = 0; quiet < 3; ) {
    await pages[0]!.waitForTimeout(2_000);
    const now = await copies();
    quiet = now === before ? quiet + 1 : 0;
    before = now;
  }
  await pages[4]!.reload();
  await expect(pages[4]!.getByTestId('self-id')).not.toHaveText(/starting/);
  await pages[0]!.waitForTimeout(DETECTION_AND_GRACE_MS + 5_000);
  // On failure, say who stored copies and how each tab saw the others (liveness, capacity, shards).
  const views = await Promise.all(others.map(engineSnapshot));
  const seen = views.map((view) => ({ copiesStored: view.copiesStored, peers: view.peers.map((peer) => `${peer.id.slice(-6)} ${peer.liveness} ${peer.capacityBytes} ${peer.shards}`) }));
  expect(await copies(), `copies stored during a reload inside the grace (started at ${before}): ${JSON.stringify(seen)}`).toBe(before);
  expect((await engineSnapshot(pages[4]!)).storedShards).toBeGreaterThan(0);
  await expectAllAtTarget(pages, 10_000);

  // Close two tabs: inside the grace their copies still count; after it the three tabs left
  // re-create the lost replicas, so each holds every shard (R=3).
  await pages[3]!.context().close();
  await pages[4]!.context().close();
  const survivors = pages.slice(0, 3);
  const total = (await engineSnapshot(survivors[0]!)).datasets.find((d) => d.name === 'values.csv')?.shards ?? 0;
  expect(total).toBeGreaterThan(3);
  for (const page of survivors) {
    await expect.poll(async () => (await engineSnapshot(page)).storedShards, { timeout: DETECTION_AND_GRACE_MS + 60_000, intervals: [1_000] }).toBe(total);
  }
  await expectAllAtTarget(survivors, 10_000);

  // Two new tabs join: placement moves shards onto them.
  const newcomers = [await openTab(browser, url), await openTab(browser, url)];
  await expectAllAtTarget([...survivors, ...newcomers], 60_000);
  for (const page of newcomers) await expect.poll(async () => (await engineSnapshot(page)).storedShards, { timeout: 60_000 }).toBeGreaterThan(0);
});
