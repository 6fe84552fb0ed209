import { readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { expect, type Page } from '@playwright/test';
import { expectFullMesh, openTab, test } from './support/swarm-pages';

/** A CSV of `rows` rows with integer, float, text and date columns. */
function csv(rows: number): Buffer {
  const lines = ['id,score,name,day'];
  for (let i = 0; i < rows; i++) lines.push(`${i},${(i * 7919) % 1000 / 10},name-${i % 313},2026-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

async function datasetRow(page: Page, name: string) {
  return page.locator(`[data-testid=dataset-list] tr[data-dataset-name="${name}"]`);
}

test('a CSV of 60k rows dropped into one tab is replicated to R=3 tabs, as every tab sees', async ({ browser }) => {
  test.setTimeout(180_000);
  const pages = [];
  for (let i = 0; i < 4; i++) pages.push(await openTab(browser, '/?swarm=upload&shard-kib=256'));
  await expectFullMesh(pages, 15_000);
  await pages[0]!.getByTestId('file-input').setInputFiles({ name: 'trips.csv', mimeType: 'text/csv', buffer: csv(60_000) });
  await expect(pages[0]!.getByTestId('upload-message')).toContainText('60000 rows', { timeout: 60_000 });
  const shards = Number(await (await datasetRow(pages[0]!, 'trips.csv')).getByTestId('shards').textContent());
  expect(shards).toBeGreaterThanOrEqual(4);
  for (const page of pages) {
    const row = await datasetRow(page, 'trips.csv');
    await expect(row.getByTestId('at-target')).toHaveText(String(shards), { timeout: 60_000 });
    await expect(row.getByTestId('lost')).toHaveText('0');
  }

  // Export from another tab, which must fetch shards it does not hold from the others.
  const exporter = pages[3]!;
  const row = await datasetRow(exporter, 'trips.csv');
  const [csvDownload] = await Promise.all([exporter.waitForEvent('download'), row.getByRole('button', { name: 'CSV' }).click()]);
  const exported = readFileSync(await csvDownload.path()).toString('utf8').trim().split('\n');
  const input = csv(60_000).toString('utf8').trim().split('\n');
  expect(exported[0]).toBe(input[0]);
  const normalize = (line: string): string => {
    const [id, score, name, day] = line.split(',');
    return [Number(id), Number(score), name, day].join('|');
  };
  expect(exported.slice(1).map(normalize)).toEqual(input.slice(1).map(normalize));

  const [arrowDownload] = await Promise.all([exporter.waitForEvent('download'), row.getByRole('button', { name: 'Arrow' }).click()]);
  const table = tableFromIPC(readFileSync(await arrowDownload.path()));
  expect(table.numRows).toBe(60_000);
  expect(Array.from(table.getChild('id')?.toArray() ?? []).map(Number)).toEqual(Array.from({ length: 60_000 }, (_, i) => i));

  // Parquet round trip: export it, then upload the Parquet file as a new dataset in another tab.
  const [parquetDownload] = await Promise.all([exporter.waitForEvent('download'), row.getByRole('button', { name: 'Parquet' }).click()]);
  const parquet = readFileSync(await parquetDownload.path());
  expect(parquet.subarray(0, 4).toString('latin1')).toBe('PAR1');
  await pages[1]!.getByTestId('file-input').setInputFiles({ name: 'trips.parquet', mimeType: 'application/octet-stream', buffer: parquet });
  await expect(pages[1]!.getByTestId('upload-message')).toContainText('60000 rows', { timeout: 60_000 });
});

test('bad files show a clear error and publish nothing', async ({ browser }) => {
  const page = await openTab(browser, '/?swarm=bad-input');
  const cases = [
    { name: 'empty.csv', buffer: Buffer.alloc(0), error: /empty/ },
    { name: 'junk.csv', buffer: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 73) % 256)), error: /could not be read as CSV|no rows/ },
    { name: 'notes.docx', buffer: Buffer.from('hello'), error: /unsupported file type/ },
    { name: 'broken.arrow', buffer: Buffer.from('ARROW1 but not really'), error: /could not be read as ARROW/ },
    { name: 'rows.json', buffer: Buffer.from('{"not": "an array"}'), error: /array of row objects/ },
    { name: 'truncated.parquet', buffer: Buffer.from('PAR1 then nothing useful'), error: /could not be read as PARQUET/ },
  ];
  for (const bad of cases) {
    await page.getByTestId('file-input').setInputFiles({ name: bad.name, mimeType: 'application/octet-stream', buffer: bad.buffer });
    await expect(page.getByTestId('upload-error')).toHaveText(bad.error, { timeout: 30_000 });
  }
  await expect(page.getByText('No datasets in this swarm yet.')).toBeVisible();
  const stored = await page.evaluate(async () => {
    const session = (globalThis as unknown as { tabswarm: { snapshot(): Promise<{ usedBytes: number; datasets: unknown[] }> } }).tabswarm;
    const snapshot = await session.snapshot();
    return { used: snapshot.usedBytes, datasets: snapshot.datasets.length };
  });
  expect(stored).toEqual({ used: 0, datasets: 0 });
});
