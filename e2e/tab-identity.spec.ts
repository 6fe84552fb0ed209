import { expect } from '@playwright/test';
import { expectFullMesh, openTab, selfId, test } from './support/swarm-pages';

test('a reload keeps the tab identity; a duplicated tab takes a new one on the same host', async ({ browser }) => {
  const page = await openTab(browser, '/?swarm=identity');
  const first = await selfId(page);
  const host = await page.evaluate(() => localStorage.getItem('tabswarm.host-id'));
  expect(host).toMatch(/^host-/);

  await page.reload();
  await expect(page.getByTestId('self-id')).toHaveText(first);

  // "Duplicate tab" copies sessionStorage into a new tab of the same profile.
  const session = await page.evaluate(() => JSON.stringify(Object.entries(sessionStorage)));
  const duplicate = await page.context().newPage();
  await duplicate.addInitScript((entries: string) => {
    if (sessionStorage.length === 0) for (const [key, value] of JSON.parse(entries) as [string, string][]) sessionStorage.setItem(key, value);
  }, session);
  await duplicate.goto('/?swarm=identity');
  await expect(duplicate.getByTestId('self-id')).not.toHaveText(/starting/);
  expect(await selfId(duplicate)).not.toBe(first);
  await expect(duplicate.getByText('This tab was duplicated from another open tab')).toBeVisible();
  expect(await duplicate.evaluate(() => localStorage.getItem('tabswarm.host-id'))).toBe(host);
  await expectFullMesh([page, duplicate], 10_000);
});
