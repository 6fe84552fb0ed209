import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { SessionSnapshot } from '../../src/mesh/swarm-session';

const openContexts = new Set<BrowserContext>();

/**
 * Playwright's test with tab bookkeeping: every context `openTab` makes is closed when the
 * test ends, so one test's tabs never load the machine during the next.
 */
export const test = base.extend<{ closeTabsAfter: void }>({
  closeTabsAfter: [
    // Playwright requires a destructuring pattern for fixture arguments, even an empty one.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      await use();
      await Promise.all([...openContexts].map((context) => context.close().catch(() => undefined)));
      openContexts.clear();
    },
    { auto: true },
  ],
});

/** Opens a tab in its own browser context (its own profile: a separate node and failure domain). */
export async function openTab(browser: Browser, url: string, options: { waitForEngine?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext();
  openContexts.add(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  (page as Page & { tabErrors?: string[] }).tabErrors = errors;
  await page.goto(url);
  if (options.waitForEngine ?? true) await expect(page.getByTestId('self-id')).not.toHaveText(/starting/);
  return page;
}

/** Uncaught errors a tab has thrown so far. */
export function tabErrors(page: Page): string[] {
  return (page as Page & { tabErrors?: string[] }).tabErrors ?? [];
}

export async function selfId(page: Page): Promise<string> {
  return (await page.getByTestId('self-id').textContent()) ?? '';
}

/** The peer ids a tab lists as live. */
export async function listedPeers(page: Page): Promise<string[]> {
  return (await page.getByTestId('peer-list').locator('li').evaluateAll((items) => items.map((item) => item.getAttribute('data-peer-id') ?? ''))).sort();
}

/** Waits until every tab lists exactly the others; on timeout, says what each tab lacked and why. */
export async function expectFullMesh(pages: readonly Page[], timeout: number): Promise<void> {
  const ids = await Promise.all(pages.map(selfId));
  const short = (id: string): string => id.slice(-6);
  let lacking = '';
  const full = async (): Promise<boolean> => {
    const lists = await Promise.all(pages.map(listedPeers));
    lacking = lists
      .map((list, i) => {
        const missing = ids.filter((id, j) => j !== i && !list.includes(id));
        const extra = list.filter((id) => id === ids[i] || !ids.includes(id));
        return `${short(ids[i] ?? '')} lacked [${missing.map(short).join(' ')}] listed extra [${extra.map(short).join(' ')}]`;
      })
      .filter((line) => !line.endsWith('lacked [] listed extra []'))
      .join('; ');
    return lists.every((list, i) => list.join() === ids.filter((_, j) => j !== i).sort().join());
  };
  await expect.poll(full, { timeout, intervals: [250] }).toBe(true).catch(async (error: unknown) => {
    const reports = await Promise.all(pages.map(meshReport));
    // A check still running at the deadline may finish after it and find the mesh complete.
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nat the last check: ${lacking || 'every tab listed the others, but only after the deadline'}\nnow:\n${reports.join('\n')}`);
  });
}

/** One tab's view of the mesh, for a failure message: peers it lacks, their liveness, its links and dials. */
async function meshReport(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const session = (globalThis as unknown as { tabswarm?: { snapshot(): Promise<SessionSnapshot>; mesh: { knownPeers(): string[]; dialStats: unknown } } }).tabswarm;
    if (!session) return 'a tab without a session';
    const snapshot = await session.snapshot();
    const short = (id: string): string => id.slice(-6);
    const peers = snapshot.peers.map((peer) => `${short(peer.id)}:${peer.liveness}`).join(' ');
    return `tab ${short(snapshot.self)} at ${Math.round(performance.now())} ms: members [${peers}] linked [${snapshot.linkedPeers.map(short).join(' ')}] known [${session.mesh.knownPeers().map(short).join(' ')}] dials ${JSON.stringify(session.mesh.dialStats)}`;
  });
}

/** Drops a file on the tab's drop zone, as a user dragging it from the desktop does. */
export async function dropFile(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ name, mimeType, base64 }) => {
      const binary = atob(base64);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], name, { type: mimeType }));
      return transfer;
    },
    { name: file.name, mimeType: file.mimeType, base64: file.buffer.toString('base64') },
  );
  const zone = page.getByTestId('drop-zone');
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await zone.dispatchEvent('dragover', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });
}

/** The tab's engine state, as the page reads it (the app exposes its session as `tabswarm`). */
export function engineSnapshot(page: Page): Promise<SessionSnapshot> {
  return page.evaluate(() => (globalThis as unknown as { tabswarm: { snapshot(): Promise<SessionSnapshot> } }).tabswarm.snapshot());
}
