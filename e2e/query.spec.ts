import { readFileSync } from 'node:fs';
import { tableFromIPC, type Table } from 'apache-arrow';
import { expect, type Page } from '@playwright/test';
import type { QueryAnswer } from '../src/workers/engine-api';
import { comparableRows, DuckDbOracle } from './support/duckdb-oracle';
import { dropFile, engineSnapshot, expectFullMesh, openTab, test } from './support/swarm-pages';

// vega-datasets' package exports do not list its data files: read them from the package folder.
const vegaData = (name: string): Buffer => readFileSync(`node_modules/vega-datasets/data/${name}`);
const SEED = Number(process.env.QUERY_SEED ?? 20261122);

/** A sales table with NULLs, strings, dates (in the weather data's years, for the join) and booleans. */
function salesCsv(rows: number, seed: number): Buffer {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const regions = ['north', 'south', 'east', 'west', 'Øst'];
  const lines = ['id,region,product,qty,price,day,returned'];
  for (let id = 0; id < rows; id++) {
    const region = next() < 0.05 ? '' : (regions[Math.floor(next() * regions.length)] ?? '');
    const day = new Date(Date.UTC(2012, 0, 1) + Math.floor(next() * 1461) * 86_400_000).toISOString().slice(0, 10);
    lines.push(`${id},${region},p${Math.floor(next() * 40)},${1 + Math.floor(next() * 20)},${(next() * 100).toFixed(2)},${day},${next() < 0.1}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** At least 30 queries over generated data and two public datasets; the last ones join two datasets. */
/** Two datasets of one shard each, on 3 of 4 tabs: at least two tabs hold both, so this join runs whole on one. */
const JOIN_OF_SMALL_DATASETS = 'SELECT k.label, count(*), round(avg(w.temp_max), 6) FROM seattle_weather w JOIN weather_kinds k ON w.weather = k.kind GROUP BY k.label';
const WEATHER_KINDS = Buffer.from('kind,label\nsun,dry\nfog,dry\nrain,wet\ndrizzle,wet\nsnow,cold\n');

const QUERIES = [
  'SELECT count(*) FROM sales',
  'SELECT count(region), count(*) FROM sales',
  'SELECT sum(qty), min(price), max(price), avg(price) FROM sales',
  'SELECT region, count(*) AS n, sum(qty) AS q FROM sales GROUP BY region',
  'SELECT region, product, avg(price) FROM sales GROUP BY ALL',
  'SELECT region, count(*) FROM sales WHERE price > 50 GROUP BY 1 ORDER BY 2 DESC, 1',
  'SELECT * FROM sales WHERE id = 12345',
  'SELECT id, price FROM sales WHERE id BETWEEN 100 AND 120 ORDER BY id',
  'SELECT id, price FROM sales ORDER BY price DESC, id LIMIT 10',
  'SELECT id FROM sales ORDER BY id LIMIT 5 OFFSET 100',
  'SELECT DISTINCT region FROM sales',
  'SELECT count(DISTINCT product) FROM sales',
  'SELECT region, max(day), min(day) FROM sales GROUP BY region',
  'SELECT year(day) AS y, month(day) AS m, sum(qty) FROM sales GROUP BY y, m ORDER BY y, m',
  'SELECT product, sum(price * qty) AS revenue FROM sales WHERE NOT returned GROUP BY product HAVING sum(qty) > 100 ORDER BY revenue DESC',
  'SELECT count(*) FROM sales WHERE region IS NULL',
  "SELECT count(*) FROM sales WHERE region IS NOT NULL AND product LIKE 'p1%'",
  'SELECT upper(region) AS r, count(*) FROM sales GROUP BY r',
  'SELECT median(price), stddev_samp(qty) FROM sales',
  "SELECT region, string_agg(DISTINCT product, ',' ORDER BY product) FROM sales GROUP BY region",
  'SELECT id, price, rank() OVER (ORDER BY price DESC, id) AS r FROM sales QUALIFY r <= 5',
  "SELECT count(*) FROM sales WHERE day >= DATE '2014-06-01' AND day < DATE '2014-07-01'",
  'SELECT region, avg(qty) FILTER (WHERE returned) FROM sales GROUP BY region',
  'SELECT * FROM sales WHERE price > (SELECT avg(price) FROM sales) ORDER BY id LIMIT 20',
  'SELECT count(*), sum(qty) FROM sales WHERE id > 1000000',
  'SELECT region, count(*) FROM sales WHERE id < 0 GROUP BY region',
  'SELECT s.region, count(*) FROM sales s WHERE s.qty > 5 GROUP BY s.region',
  "SELECT count(*) FROM sales WHERE region = 'Øst' AND qty >= 19",
  'SELECT count(*), avg(delay), min(delay), max(delay), sum(distance) FROM flights_200k',
  'SELECT distance // 500 AS band, count(*), avg(delay) FROM flights_200k GROUP BY band ORDER BY band',
  'SELECT count(*) FROM flights_200k WHERE delay > 60 AND distance < 1000',
  'SELECT delay, distance, time FROM flights_200k WHERE delay > 300 ORDER BY delay DESC, distance DESC, time LIMIT 10',
  "SELECT weather, count(*), avg(temp_max) FROM seattle_weather WHERE date >= DATE '2014-01-01' GROUP BY weather",
  'SELECT w.weather, count(*) AS sales, sum(s.qty) FROM sales s JOIN seattle_weather w ON s.day = w.date GROUP BY w.weather',
  'SELECT count(*) FROM sales WHERE day IN (SELECT date FROM seattle_weather WHERE precipitation > 20)',
  JOIN_OF_SMALL_DATASETS,
];

type Federated = ({ ok: true; base64: string } & Omit<QueryAnswer, 'arrow'>) | { ok: false; error: string };

async function federated(page: Page, sql: string, plan: 'auto' | 'spread' = 'auto'): Promise<Federated> {
  return page.evaluate(async ([text, how]) => {
    try {
      const { arrow, ...rest } = await (globalThis as unknown as { tabswarm: { query(sql: string, options: { plan: string }): Promise<QueryAnswer> } }).tabswarm.query(text, { plan: how });
      let binary = '';
      const bytes = new Uint8Array(arrow);
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { ok: true as const, base64: btoa(binary), ...rest };
    } catch (error) {
      return { ok: false as const, error: error instanceof Error ? error.message : String(error) };
    }
  }, [sql, plan] as const);
}

const tableOf = (result: Federated): Table => (result.ok ? tableFromIPC(Buffer.from(result.base64, 'base64')) : tableFromIPC(new Uint8Array()));

async function atR(pages: readonly Page[], names: readonly string[]): Promise<void> {
  await expect
    .poll(async () => {
      const views = await Promise.all(pages.map(engineSnapshot));
      return views.every((view) => names.every((name) => view.datasets.some((d) => d.name === name && d.shards > 0 && d.atTarget === d.shards)));
    }, { timeout: 120_000, intervals: [500] })
    .toBe(true);
}

test('SQL across 4 tabs answers what DuckDB answers over each whole file in one place', async ({ browser }) => {
  test.setTimeout(300_000);
  console.log(`query oracle seed ${SEED} (reproduce: QUERY_SEED=${SEED} npx playwright test e2e/query.spec.ts)`);
  const pages: Page[] = [];
  for (let i = 0; i < 4; i++) pages.push(await openTab(browser, '/?swarm=query&shard-kib=64'));
  await expectFullMesh(pages, 15_000);
  const sales = salesCsv(40_000, SEED);
  const flights = vegaData('flights-200k.arrow');
  const weather = vegaData('seattle-weather.csv');
  await dropFile(pages[0]!, { name: 'sales.csv', mimeType: 'text/csv', buffer: sales });
  await dropFile(pages[1]!, { name: 'flights-200k.arrow', mimeType: 'application/vnd.apache.arrow.file', buffer: flights });
  await dropFile(pages[2]!, { name: 'seattle-weather.csv', mimeType: 'text/csv', buffer: weather });
  await dropFile(pages[3]!, { name: 'weather_kinds.csv', mimeType: 'text/csv', buffer: WEATHER_KINDS });
  await atR(pages, ['sales.csv', 'flights-200k.arrow', 'seattle-weather.csv', 'weather_kinds.csv']);

  const oracle = await DuckDbOracle.open();
  oracle.loadCsv('sales', sales);
  oracle.loadArrow('flights_200k', flights);
  oracle.loadCsv('seattle_weather', weather);
  oracle.loadCsv('weather_kinds', WEATHER_KINDS);

  // The asking tab holds only some shards: the rest run on the other tabs.
  const asker = pages[3]!;
  const views = await Promise.all(pages.map(engineSnapshot));
  const salesShards = views[3]?.datasets.find((d) => d.name === 'sales.csv')?.shards ?? 0;
  expect(salesShards).toBeGreaterThanOrEqual(8);
  // The premise of JOIN_OF_SMALL_DATASETS running whole: one shard each, on 3 of the 4 tabs.
  expect(['seattle-weather.csv', 'weather_kinds.csv'].map((name) => views[3]?.datasets.find((d) => d.name === name)?.shards)).toEqual([1, 1]);
  expect(QUERIES.length).toBeGreaterThanOrEqual(30);
  // Each query runs under both plans: as the tab picks (whole on one tab that holds every shard
  // it needs, when one does) and spread across the holders with the parts merged here.
  const strategies = { auto: new Set<string>(), spread: new Set<string>() };
  for (const sql of QUERIES) {
    for (const plan of ['auto', 'spread'] as const) {
      const result = await federated(asker, sql, plan);
      expect(result.ok ? '' : result.error, `${plan}: ${sql}`).toBe('');
      if (!result.ok) continue;
      strategies[plan].add(result.strategy);
      if (sql === JOIN_OF_SMALL_DATASETS) expect(result.strategy, `${plan}: ${sql}`).toBe(plan === 'auto' ? 'whole' : 'semi-join');
      const ordered = /\bORDER\s+BY\b/i.test(sql.replace(/\(.*\)/g, ''));
      expect(comparableRows(tableOf(result), ordered), `${plan}: ${sql}`).toEqual(comparableRows(oracle.query(sql), ordered));
      expect(tableOf(result).schema.fields.map((f) => f.name), `${plan}: ${sql}`).toEqual(oracle.query(sql).schema.fields.map((f) => f.name));
      // Every shard used is named with its content id and the tab that ran it.
      expect(result.shards.every((run) => /^[0-9a-f]{64}$/.test(run.shard) && run.holder !== ''), sql).toBe(true);
      // The console's breakdown accounts for the query's time: planning, subqueries, merge.
      const { planMs, runMs, mergeMs } = result.phases;
      expect(Math.min(planMs, runMs, mergeMs), sql).toBeGreaterThanOrEqual(0);
      expect(Math.abs(planMs + runMs + mergeMs - result.ms), sql).toBeLessThan(0.01);
      if (result.strategy === 'whole') expect(mergeMs, sql).toBe(0);
    }
  }
  expect([...strategies.spread].sort()).toEqual(['aggregate', 'gather', 'semi-join']);
  expect(strategies.auto).toContain('whole');

  // The asker keeps copies of the small datasets it queried: asked again, sales (spread over
  // the tabs, the asker holding only some of its shards) runs whole on the asker alone.
  const askerId = views[3]?.self ?? '';
  const byRegion = 'SELECT region, count(*) FROM sales GROUP BY region';
  const onReplicas = await federated(asker, byRegion, 'spread');
  expect(onReplicas.ok && onReplicas.shards.some((run) => run.holder !== askerId)).toBe(true);
  await expect
    .poll(async () => {
      const again = await federated(asker, byRegion);
      return again.ok ? `${again.strategy} ${[...new Set(again.shards.map((run) => (run.holder === askerId ? 'asker' : 'peer')))].join(',')}` : again.error;
    }, { timeout: 30_000 })
    .toBe('whole asker');

  // Shards whose stats rule them out are not asked at all; a selective filter on the ordered id prunes most.
  const selective = await federated(asker, 'SELECT count(*) FROM sales WHERE id BETWEEN 1000 AND 1100');
  expect(selective.ok && selective.shardsPruned).toBeGreaterThanOrEqual(salesShards - 2);
  expect(comparableRows(tableOf(selective), false)).toEqual(['101']);

  // SQL errors come back as DuckDB's message, from the console too.
  const bad = await federated(asker, 'SELECT nope FROM sales');
  expect(bad.ok ? '' : bad.error).toMatch(/Binder Error: .*nope/);
  await asker.getByTestId('sql-input').fill('SELECT region, count(*) AS n FROM sales GROUP BY region ORDER BY n DESC');
  await asker.getByTestId('sql-run').click();
  await expect(asker.getByTestId('sql-summary')).toContainText('6 rows');
  await expect(asker.getByTestId('sql-result').locator('tbody tr')).toHaveCount(6);
  await asker.getByTestId('sql-input').fill('SELECT count(*) FROM nowhere');
  await asker.getByTestId('sql-run').click();
  await expect(asker.getByTestId('sql-error')).toContainText('names no dataset');
});

test('a query survives a holder closing mid-query, and fails naming the shards whose every replica is gone', async ({ browser }) => {
  test.setTimeout(240_000);
  const pages: Page[] = [];
  for (let i = 0; i < 4; i++) pages.push(await openTab(browser, '/?swarm=query-faults&shard-kib=64'));
  await expectFullMesh(pages, 15_000);
  const sales = salesCsv(40_000, SEED + 1);
  await dropFile(pages[0]!, { name: 'sales.csv', mimeType: 'text/csv', buffer: sales });
  await atR(pages, ['sales.csv']);
  const oracle = await DuckDbOracle.open();
  oracle.loadCsv('sales', sales);
  const sql = 'SELECT region, count(*), sum(qty), avg(price) FROM sales GROUP BY region';
  const expected = comparableRows(oracle.query(sql), false);

  // Where each shard runs when all tabs are up: the asker's own shards locally, the rest elsewhere.
  const [asker, ...others] = pages as [Page, ...Page[]];
  const askerId = (await engineSnapshot(asker)).self;
  const before = await federated(asker, sql);
  if (!before.ok) throw new Error(before.error);
  expect(comparableRows(tableOf(before), false)).toEqual(expected);
  const remote = before.shards.filter((run) => run.holder !== askerId);
  expect(remote.length).toBeGreaterThan(0);

  // A holder closes as the query starts: its shards are answered by their other replicas.
  const victimId = remote[0]?.holder ?? '';
  const ids = await Promise.all(others.map(async (page) => (await engineSnapshot(page)).self));
  const victim = others[ids.indexOf(victimId)]!;
  const survivors = others.filter((page) => page !== victim);
  // Spread: run on the replicas, not on the copies the asker keeps of what it queried.
  const during = federated(asker, sql, 'spread');
  await victim.context().close();
  const answered = await during;
  if (!answered.ok) throw new Error(answered.error);
  expect(comparableRows(tableOf(answered), false)).toEqual(expected);
  const moved = await federated(asker, sql, 'spread');
  if (!moved.ok) throw new Error(moved.error);
  expect(comparableRows(tableOf(moved), false)).toEqual(expected);
  expect(moved.shards.some((run) => run.holder === victimId)).toBe(false);

  // Every other tab gone: the shards the asker does not hold have no replica left.
  await Promise.all(survivors.map((page) => page.context().close()));
  const missing = before.shards.filter((run) => run.holder !== askerId).map((run) => run.shard.slice(0, 12));
  const namesMissing = (result: Federated): void => {
    expect(result.ok ? '' : result.error).toContain('no live holder could answer');
    expect(missing.some((id) => (result.ok ? '' : result.error).includes(id))).toBe(true);
  };
  namesMissing(await federated(asker, sql, 'spread'));
  // The copies the asker keeps for queries stand in only while the swarm counts a live replica:
  // once its engine has found the other tabs gone, the query as the tab plans it fails too.
  let failed: Federated = { ok: false, error: '' };
  await expect
    .poll(async () => {
      failed = await federated(asker, sql);
      return failed.ok;
    }, { timeout: 60_000 })
    .toBe(false);
  namesMissing(failed);
});
