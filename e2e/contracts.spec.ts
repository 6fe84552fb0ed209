import { expect } from '@playwright/test';
import { openTab, test } from './support/swarm-pages';

interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error: string;
}

for (const contract of ['store', 'mesh'] as const) {
  test(`the real ${contract === 'store' ? 'IndexedDB shard and manifest stores pass their' : 'libp2p mesh passes its'} port contract in Chromium`, async ({ browser }) => {
    test.setTimeout(240_000);
    const page = await openTab(browser, `/diagnostics.html?only=${contract}`, { waitForEngine: false });
    await expect(page.locator('#status')).toHaveText(/\d+ passed, \d+ failed/, { timeout: 220_000 });
    const results = (await page.evaluate(() => (globalThis as { tabswarmDiagnostics?: CaseResult[] }).tabswarmDiagnostics)) ?? [];
    expect(results.length).toBeGreaterThanOrEqual(contract === 'store' ? 15 + 3 : 12);
    expect(results.filter((result) => !result.ok)).toEqual([]);
  });
}
