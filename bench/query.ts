// Query benchmark: full tabs (engine worker, IndexedDB, DuckDB-Wasm, libp2p) in one Chromium.
// A 1M-row fact table is dropped into one of 4 tabs and replicated (R=3); then, interleaved
// rep by rep in the same asking tab, each query runs across the swarm and on that tab's own
// DuckDB-Wasm holding the whole dataset (the baseline). Results must agree. Medians reported,
// with each query's plan (whole on one tab, or spread and merged: which depends on whether one
// tab holds every shard, so on placement, which differs per run) and, per shard, the tab that
// ran it. QUERY_BENCH_TABS, _ROWS and _REPS change the set-up.
//  - scan-aggregate, a selective filter (ids are sorted, so stats prune most shards), a group-by;
//  - pruned_fraction_selective: shards skipped by their stats for the selective filter;
//  - vector: the CPU kernel's scan rate (cosine, 100k x 128 float32) against a plain
//    Float32Array sum over the same bytes in the same tab, and the WebGPU kernel (SwiftShader
//    here) against the CPU kernel: same top 10 rows, scores within 1e-5.
// Prints a JSON line last.
import type { Page } from '@playwright/test';
import { callIn, median, openBenchPage, startBrowserBench } from './browser-bench';

const PORT = 4393;
const TABS = Number(process.env.QUERY_BENCH_TABS ?? 4);
const ROWS = Number(process.env.QUERY_BENCH_ROWS ?? 1_000_000);
const REPS = Number(process.env.QUERY_BENCH_REPS ?? 25);

interface Snapshot {
  peers: { liveness: string }[];
  datasets: { name: string; shards: number; atTarget: number }[];
}
interface QueryBench {
  self(): string;
  snapshot(): Promise<Snapshot>;
  makeArrow(name: string, seed: number, rows: number): number;
  ingest(name: string): Promise<{ id: string; shards: number; rows: number }>;
  loadLocal(name: string, table: string): Promise<void>;
  local(sql: string): Promise<{ ms: number; rows: string[] }>;
  federated(sql: string, plan?: 'auto' | 'spread'): Promise<{ ms: number; workerMs: number; rows: string[]; shardsPruned: number; shardsTotal: number; strategy: string; shards: string[]; phases: { planMs: number; runMs: number; mergeMs: number } }>;
  vectorKernelReport(rows: number, dimension: number, seed: number): Promise<{ kernel: string; cpuMs: number; sumMs: number; cpuOverRoofline: number; gpuEqualsCpu: boolean | null; maxScoreDifference: number | null }>;
}

const call = <T>(page: Page, fn: (api: QueryBench, arg: never) => Promise<T> | T, arg?: unknown): Promise<T> => callIn(page, 'queryBench', fn, arg);
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const QUERIES = {
  scan: 'SELECT count(*), sum(qty), avg(value), min(value), max(value) FROM facts',
  filter: `SELECT count(*), avg(value) FROM facts WHERE id BETWEEN ${Math.floor(ROWS * 0.4)} AND ${Math.floor(ROWS * 0.4) + 5_000}`,
  groupby: 'SELECT grp, count(*), sum(qty), avg(value) FROM facts GROUP BY grp',
} as const;

const bench = await startBrowserBench(PORT);
try {
  const url = `${bench.url}query-bench.html?swarm=query-${Date.now()}`;
  const tabs: Page[] = [];
  for (let i = 0; i < TABS; i++) tabs.push(await openBenchPage(bench.browser, url, 'queryBench'));
  for (const started = performance.now(); ; await sleep(200)) {
    const views = await Promise.all(tabs.map((tab) => call(tab, (api) => api.snapshot())));
    if (views.every((view) => view.peers.filter((peer) => peer.liveness === 'alive').length === TABS - 1)) break;
    if (performance.now() - started > 60_000) throw new Error('no full mesh after 60 s');
  }
  const uploader = tabs[0] as Page;
  const asker = tabs[tabs.length - 1] as Page;
  const bytes = await call(uploader, (api, rows: number) => api.makeArrow('facts.arrow', 7, rows), ROWS);
  const upload = await call(uploader, (api) => api.ingest('facts.arrow'));
  log(`dataset: ${ROWS} rows, ${(bytes / 1e6).toFixed(1)} MB Arrow, ${upload.shards} shards`);
  for (const started = performance.now(); ; await sleep(250)) {
    const views = await Promise.all(tabs.map((tab) => call(tab, (api) => api.snapshot())));
    if (views.every((view) => view.datasets.some((d) => d.name === 'facts.arrow' && d.atTarget === d.shards))) break;
    if (performance.now() - started > 300_000) throw new Error('not replicated after 300 s');
  }
  // The baseline holds the whole dataset in the asking tab's DuckDB.
  await call(asker, (api, rows: number) => api.makeArrow('facts.arrow', 7, rows), ROWS);
  await call(asker, (api) => api.loadLocal('facts.arrow', 'facts'));

  // Each query as the tab plans it (auto: whole on one tab when one holds every shard it needs,
  // this tab first, counting the copies it keeps of small datasets it queried) and spread over
  // the replicas with the parts merged here.
  const PLANS = ['auto', 'spread'] as const;
  interface Runs { federated: number[]; worker: number[]; plan: number[]; run: number[]; merge: number[]; shards: string[]; pruned: number; total: number; strategy: string }
  const runs = (): Runs => ({ federated: [], worker: [], plan: [], run: [], merge: [], shards: [], pruned: 0, total: 0, strategy: '' });
  const results: Record<string, { local: number[]; auto: Runs; spread: Runs }> = {};
  for (const [name, sql] of Object.entries(QUERIES)) {
    results[name] = { local: [], auto: runs(), spread: runs() };
    // One warm-up of each (first use loads schemas and code paths).
    const local = await call(asker, (api, text: string) => api.local(text), sql);
    for (const plan of PLANS) {
      const federated = await call(asker, (api, arg: { sql: string; plan: 'auto' | 'spread' }) => api.federated(arg.sql, arg.plan), { sql, plan });
      if (JSON.stringify(local.rows) !== JSON.stringify(federated.rows)) throw new Error(`${name} (${plan}): federated and local results differ:\n${federated.rows.slice(0, 3).join('\n')}\nvs\n${local.rows.slice(0, 3).join('\n')}`);
    }
  }
  for (let rep = 0; rep < REPS; rep++) {
    for (const [name, sql] of Object.entries(QUERIES)) {
      const entry = results[name]!;
      entry.local.push((await call(asker, (api, text: string) => api.local(text), sql)).ms);
      for (const plan of PLANS) {
        const federated = await call(asker, (api, arg: { sql: string; plan: 'auto' | 'spread' }) => api.federated(arg.sql, arg.plan), { sql, plan });
        const into = entry[plan];
        into.federated.push(federated.ms);
        into.worker.push(federated.workerMs);
        into.plan.push(federated.phases.planMs);
        into.run.push(federated.phases.runMs);
        into.merge.push(federated.phases.mergeMs);
        into.shards = federated.shards;
        into.pruned = federated.shardsPruned;
        into.total = federated.shardsTotal;
        into.strategy = federated.strategy;
      }
    }
  }
  const ratio = (name: string, plan: (typeof PLANS)[number]): number => Number((median(results[name]![plan].federated) / median(results[name]!.local)).toFixed(2));
  for (const [name, entry] of Object.entries(results)) {
    for (const plan of PLANS) {
      const into = entry[plan];
      log(`${name} (${plan}): federated ${median(into.federated).toFixed(1)} ms (${into.strategy}, ${into.total - into.pruned}/${into.total} shards) vs local ${median(entry.local).toFixed(1)} ms: ${ratio(name, plan)}x`);
      // Where the federated time goes: the engine worker's own time by phase, and per shard (last run) the tab that ran it, its time there / until its answer was in.
      log(`  engine worker ${median(into.worker).toFixed(1)} ms (plan ${median(into.plan).toFixed(1)}, run ${median(into.run).toFixed(1)}, merge ${median(into.merge).toFixed(1)}); shards (holder ms/answered after ms): ${into.shards.join(', ')}`);
    }
  }
  const selective = results.filter!.auto;
  const vector = await call(asker, (api) => api.vectorKernelReport(100_000, 128, 11));
  log(`vector kernels (${vector.kernel}): CPU cosine ${vector.cpuMs.toFixed(1)} ms vs plain sum ${vector.sumMs.toFixed(1)} ms over 51.2 MB: ${vector.cpuOverRoofline.toFixed(2)}x of the roofline; WebGPU equals CPU: ${String(vector.gpuEqualsCpu)} (max score difference ${String(vector.maxScoreDifference)})`);
  log(
    JSON.stringify({
      bench: 'query',
      tabs: TABS,
      rows: ROWS,
      shards: upload.shards,
      reps: REPS,
      local_ms: Object.fromEntries(Object.entries(results).map(([name, entry]) => [name, Number(median(entry.local).toFixed(1))])),
      federated_ms: Object.fromEntries(Object.entries(results).map(([name, entry]) => [name, Number(median(entry.auto.federated).toFixed(1))])),
      spread_ms: Object.fromEntries(Object.entries(results).map(([name, entry]) => [name, Number(median(entry.spread.federated).toFixed(1))])),
      strategies: Object.fromEntries(Object.entries(results).map(([name, entry]) => [name, entry.auto.strategy])),
      federated_over_local_scan: ratio('scan', 'auto'),
      federated_over_local_filter: ratio('filter', 'auto'),
      federated_over_local_groupby: ratio('groupby', 'auto'),
      spread_over_local_scan: ratio('scan', 'spread'),
      spread_over_local_filter: ratio('filter', 'spread'),
      spread_over_local_groupby: ratio('groupby', 'spread'),
      pruned_fraction_selective: Number((selective.pruned / selective.total).toFixed(3)),
      vector_cpu_over_roofline: Number(vector.cpuOverRoofline.toFixed(2)),
      gpu_equals_cpu: vector.gpuEqualsCpu,
      vector_kernel: vector.kernel,
    }),
  );
} finally {
  await bench.close();
}
