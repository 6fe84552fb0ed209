import { callIn, openBenchPage, startBrowserBench } from './bench/browser-bench.ts';
const bench = await startBrowserBench(4393);
try {
  for (let run = 0; run < 3; run++) {
  const url = `${bench.url}distribution-bench.html?swarm=dbg-${Date.now()}`;
  const tabs = [];
  for (let i = 0; i < 5; i++) tabs.push(await openBenchPage(bench.browser, url, 'distributionBench'));
  for (const [i, t] of tabs.entries()) t.on('console', (m) => { if (m.text().startsWith('T ') || m.type() === 'warning' || m.type() === 'error') console.log(`tab${i}:`, m.text().slice(0, 300)); });
  await new Promise((r) => setTimeout(r, 5000));
  await callIn(tabs[0], 'distributionBench', (api: any) => api.makeArrow('d.arrow', 5, 1000000));
  const t0 = Date.now();
  await callIn(tabs[0], 'distributionBench', (api: any) => api.ingest('d.arrow'));
  let last = '';
  for (let s = 0; s < 120; s++) {
    await new Promise((r) => setTimeout(r, 250));
    const snaps: any[] = await Promise.all(tabs.map((t) => callIn(t, 'distributionBench', (api: any) => api.snapshot())));
    last = `${((Date.now() - t0) / 1000).toFixed(2)} ${snaps[0].datasets.map((d: any) => `${d.replicasConfirmed}/${d.replicasWanted}`).join()}`;
    if (snaps[0].datasets[0]?.replicasConfirmed === snaps[0].datasets[0]?.replicasWanted) break;
  }
  console.log('RUN', run, last);
  for (const t of tabs) await t.context().close();
  }
} finally { await bench.close(); }
