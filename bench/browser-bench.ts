// What the browser benchmarks share: a built app behind a signaling server, one Chromium, and
// a way to call a bench page's API object from Node.
import { chromium, type Browser, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startSignalServer } from '../e2e/support/signal-server-process';

export const MiB = 1024 * 1024;

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

export const median = (values: readonly number[]): number => percentile(values, 0.5);

export interface BrowserBench {
  readonly browser: Browser;
  /** The server's base URL, ending in a slash. */
  readonly url: string;
  close(): Promise<void>;
}

/** Builds the app if needed, starts the signaling server on `port` and launches Chromium. */
export async function startBrowserBench(port: number): Promise<BrowserBench> {
  if (!existsSync('signaling-server/dist/cli.js')) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  const server = await startSignalServer(process.execPath, ['signaling-server/dist/cli.js', '--port', String(port)]);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu'],
  });
  return {
    browser,
    url: server.url,
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}

/** Opens `url` in a new browser context (its own storage: a separate profile) and waits for `global` to appear. */
export async function openBenchPage(browser: Browser, url: string, global: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  await page.waitForFunction((name) => (globalThis as Record<string, unknown>)[name] !== undefined, global, { timeout: 60_000 });
  return page;
}

/**
 * Calls `fn(api, arg)` in the page, where `api` is the page's `global` object. The function is
 * sent as source, so it must only use its arguments.
 */
export function callIn<Api, T>(page: Page, global: string, fn: (api: Api, arg: never) => Promise<T> | T, arg?: unknown): Promise<T> {
  return page.evaluate(
    ([name, source, value]) => {
      const api = (globalThis as Record<string, unknown>)[name];
      return (new Function('api', 'arg', `return (${source})(api, arg)`) as (a: unknown, b: unknown) => Promise<T>)(api, value);
    },
    [global, fn.toString(), arg] as const,
  );
}
