import { readFileSync } from 'node:fs';
import { Null, Table, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { expect, type Page } from '@playwright/test';
import { csvRecords } from './support/csv-records';
import { dropFile, engineSnapshot, expectFullMesh, openTab, test } from './support/swarm-pages';

const ROWS = 60_000;

/**
 * A CSV of `rows` rows with integer, float, text and date columns and a quoted note that holds
 * commas, doubled quotes and newlines. It is over 4 MiB, so ingest reads it in parts and must
 * cut it only between records.
 */
function csv(rows: number): Buffer {
  const lines = ['id,score,name,day,note'];
  for (let i = 0; i < rows; i++) {
    const day = `2026-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
    const note = i % 5 === 0 ? `"row ${i}, said ""hi""\nand left"` : `plain note ${i} ${'x'.repeat(20 + (i % 17))}`;
    lines.push(`${i},${((i * 7919) % 1000) / 10},name-${i % 313},${day},${note}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** Records with numbers normalized (DuckDB may write 12.0 as 12). */
function normalized(text: string): string[] {
  return csvRecords(text)
    .slice(1)
    .map(([id, score, name, day, note]) => [Number(id), Number(score), name, day, note].join('|'));
}


const datasetRow = (page: Page, name: string) => page.locator(`[data-testid=dataset-list] tr[data-dataset-name="${name}"]`);

/** Waits until every tab sees every shard of `name` at R=3, and the stores hold exactly 3 copies of each on 3 tabs. */
async function expectReplicated(pages: readonly Page[], name: string, otherCopies = 0): Promise<number> {
  const shards = Number(await datasetRow(pages[0]!, name).getByTestId('shards').textContent({ timeout: 60_000 }));
  for (const page of pages) {
    const row = datasetRow(page, name);
    await expect(row.getByTestId('at-target')).toHaveText(String(shards), { timeout: 90_000 });
    await expect(row.getByTestId('lost')).toHaveText('0');
  }
  // A tab stores a shard at most once, so 3 copies in all are 3 copies on 3 tabs.
  await expect
    .poll(async () => (await Promise.all(pages.map(engineSnapshot))).reduce((sum, s) => sum + s.storedShards, 0), { timeout: 60_000, intervals: [1_000] })
    .toBe(shards * 3 + otherCopies);
  return shards;
}

async function download(page: Page, name: string, format: 'CSV' | 'Arrow' | 'Parquet'): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), datasetRow(page, name).getByRole('button', { name: format }).click()]);
  return readFileSync(await file.path());
}

test('a CSV of 60k rows and a Parquet file dropped into 5 tabs reach R=3 on distinct tabs and export as they went in', async ({ browser }) => {
  test.setTimeout(300_000);
  const pages: Page[] = [];
  for (let i = 0; i < 5; i++) pages.push(await openTab(browser, '/?swarm=upload&shard-kib=256'));
  await expectFullMesh(pages, 15_000);
  const input = csv(ROWS);
  expect(input.length).toBeGreaterThan(4 * 1024 * 1024);
  await dropFile(pages[0]!, { name: 'trips.csv', mimeType: 'text/csv', buffer: input });
  await expect(pages[0]!.getByTestId('upload-message')).toContainText(`${ROWS} rows`, { timeout: 60_000 });
  const csvShards = await expectReplicated(pages, 'trips.csv');
  expect(csvShards).toBeGreaterThanOrEqual(8);
  await expect(datasetRow(pages[0]!, 'trips.csv').getByTestId('replicas-confirmed')).toHaveText(`${csvShards * 3}/${csvShards * 3} copies`);

  // Export from a tab that does not hold every shard: it fetches the rest from the others.
  const views = await Promise.all(pages.map(engineSnapshot));
  const exporter = pages[views.findIndex((view) => view.storedShards < csvShards)] ?? pages[4]!;
  const exported = (await download(exporter, 'trips.csv', 'CSV')).toString('utf8');
  expect(csvRecords(exported)[0]).toEqual(['id', 'score', 'name', 'day', 'note']);
  expect(normalized(exported)).toEqual(normalized(input.toString('utf8')));
  const arrow = tableFromIPC(await download(exporter, 'trips.csv', 'Arrow'));
  expect(Array.from(arrow.getChild('id')?.toArray() ?? []).map(Number)).toEqual(Array.from({ length: ROWS }, (_, i) => i));

  // A Parquet file (this dataset's export) dropped into another tab is a dataset of its own.
  const parquet = await download(exporter, 'trips.csv', 'Parquet');
  expect(parquet.subarray(0, 4).toString('latin1')).toBe('PAR1');
  await dropFile(pages[1]!, { name: 'trips.parquet', mimeType: 'application/vnd.apache.parquet', buffer: parquet });
  await expect(pages[1]!.getByTestId('upload-message')).toContainText(`${ROWS} rows`, { timeout: 60_000 });
  await expectReplicated(pages, 'trips.parquet', csvShards * 3);
  const fromParquet = (await download(pages[2]!, 'trips.parquet', 'CSV')).toString('utf8');
  expect(normalized(fromParquet)).toEqual(normalized(input.toString('utf8')));
});

test('a CSV whose quotes are escaped with backslashes (not cut into parts) is read whole and exactly', async ({ browser }) => {
  test.setTimeout(120_000);
  const page = await openTab(browser, '/?swarm=backslash-csv');
  // Over 4 MiB and 20,480 rows: more than the start the sniffer reads.
  const rows = 150_000;
  const lines = ['id,note'];
  for (let i = 0; i < rows; i++) lines.push(`${i},"row ${i} said \\"hi\\", then left"`);
  await dropFile(page, { name: 'escaped.csv', mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\n')}\n`) });
  await expect(page.getByTestId('upload-message')).toContainText(`${rows} rows`, { timeout: 60_000 });
  const arrow = tableFromIPC(await download(page, 'escaped.csv', 'Arrow'));
  expect(arrow.numRows).toBe(rows);
  expect(String(arrow.getChild('note')?.get(rows - 7))).toBe(`row ${rows - 7} said "hi", then left`);
});

test('bad files show a clear error and leave the catalog and the store as they were', async ({ browser }) => {
  test.setTimeout(120_000);
  const page = await openTab(browser, '/?swarm=bad-input');
  // This tab lends the swarm 1 MiB and is alone in it: a 2 MiB CSV at R=3 cannot fit.
  await page.getByTestId('budget-input').fill('1');
  await page.getByTestId('budget-input').dispatchEvent('change');
  await expect(page.getByTestId('own-storage')).toContainText('of 1.0 MiB');
  const cases = [
    { name: 'empty.csv', buffer: Buffer.alloc(0), error: /empty/ },
    { name: 'junk.csv', buffer: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 73) % 256)), error: /could not be read as CSV|no rows/ },
    { name: 'notes.docx', buffer: Buffer.from('hello'), error: /unsupported file type/ },
    { name: 'broken.arrow', buffer: Buffer.from('ARROW1 but not really'), error: /could not be read as ARROW/ },
    { name: 'rows.json', buffer: Buffer.from('{"not": "an array"}'), error: /array of row objects/ },
    { name: 'nulls.arrow', buffer: Buffer.from(tableToIPC(new Table({ id: vectorFromArray([1, 2]), a: vectorFromArray([null, null], new Null()) }), 'file')), error: /column "a" has no type/ },
    { name: 'truncated.parquet', buffer: Buffer.from('PAR1 then nothing useful'), error: /could not be read as PARQUET/ },
    { name: 'too-big.csv', buffer: csv(20_000), error: /needs more than .* for 3 copies but the swarm has .* free/ },
  ];
  for (const bad of cases) {
    await dropFile(page, { name: bad.name, mimeType: 'application/octet-stream', buffer: bad.buffer });
    await expect(page.getByTestId('upload-error'), bad.name).toHaveText(bad.error, { timeout: 30_000 });
  }
  await expect(page.getByText('No datasets in this swarm yet.')).toBeVisible();
  expect(await engineSnapshot(page)).toMatchObject({ usedBytes: 0, storedShards: 0, datasets: [] });
});
