import { expect, test } from '@playwright/test';

test('the app loads and shows its name', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));

  await page.goto('/');

  await expect(page).toHaveTitle('tabswarm');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('tabswarm');
  await expect(page.getByText('Open a tab, join the swarm.')).toBeVisible();
  expect(errors).toEqual([]);
});
