// Mesh benchmark: two Chromium tabs, one signaling server, same run. Mesh shard-stream goodput
// against a raw RTCDataChannel between the same two tabs (3 interleaved reps), fresh-dial
// success and time, and join time (page load to first peer). Prints a JSON line last.
import type { Page } from '@playwright/test';
import { callIn, MiB, openBenchPage, percentile, startBrowserBench } from './browser-bench';
const TOTAL = Number(process.env.MESH_BENCH_MIB ?? 100) * MiB;
const FRAME = 4 * MiB;
const REPS = 3;
const DIALS = Number(process.env.MESH_BENCH_DIALS ?? 50);
const JOINS = 7;
const PORT = 4390;

interface BenchPeer {
  self(): string;
  peers(): string[];
  joinMs(): number | undefined;
  meshGoodput(peer: string, total: number, frame: number): Promise<number>;
  rawGoodput(peer: string, total: number): Promise<number>;
  redial(peer: string, count: number): Promise<{ durations: number[]; failures: string[] }>;
}

const call = <T>(page: Page, fn: (peer: BenchPeer, arg: never) => Promise<T> | T, arg?: unknown): Promise<T> => callIn(page, 'benchPeer', fn, arg);

const bench = await startBrowserBench(PORT);
const { browser } = bench;
const openPeer = (url: string): Promise<Page> => openBenchPage(browser, url, 'benchPeer');
try {
  const url = `${bench.url}bench.html?swarm=bench-${Date.now()}${process.env.MESH_BENCH_QUERY ? `&${process.env.MESH_BENCH_QUERY}` : ''}`;
  const first = await openPeer(url);
  const joins: number[] = [];
  let second: Page | undefined;
  for (let i = 0; i < JOINS; i++) {
    const page = await openPeer(url);
    await page.waitForFunction(() => (globalThis as unknown as { benchPeer: BenchPeer }).benchPeer.joinMs() !== undefined, undefined, { timeout: 30_000 });
    joins.push((await call(page, (peer) => peer.joinMs())) ?? NaN);
    if (i === 0) second = page;
    else await page.context().close();
  }
  if (!second) throw new Error('no second tab');
  const secondId = await call(second, (peer) => peer.self());
  await first.waitForFunction((id) => (globalThis as unknown as { benchPeer: BenchPeer }).benchPeer.peers().includes(id), secondId);

  // One untimed round of each first: the first bytes on a fresh link run slower (congestion windows).
  await call(first, (peer, arg: { to: string; total: number; frame: number }) => peer.meshGoodput(arg.to, arg.total, arg.frame), { to: secondId, total: 8 * MiB, frame: FRAME });
  await call(first, (peer, arg: { to: string; total: number }) => peer.rawGoodput(arg.to, arg.total), { to: secondId, total: 8 * MiB });
  const meshRates: number[] = [];
  const rawRates: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    meshRates.push(await call(first, (peer, arg: { to: string; total: number; frame: number }) => peer.meshGoodput(arg.to, arg.total, arg.frame), { to: secondId, total: TOTAL, frame: FRAME }));
    rawRates.push(await call(first, (peer, arg: { to: string; total: number }) => peer.rawGoodput(arg.to, arg.total), { to: secondId, total: TOTAL }));
    process.stdout.write(`rep ${rep + 1}: mesh ${meshRates.at(-1)?.toFixed(1)} MB/s, raw ${rawRates.at(-1)?.toFixed(1)} MB/s\n`);
  }
  const firstId = await call(first, (peer) => peer.self());
  const [dialer, target] = firstId < secondId ? [first, secondId] : [second, firstId];
  const dials = await call(dialer, (peer, arg: { to: string; count: number }) => peer.redial(arg.to, arg.count), { to: target, count: DIALS });

  const mesh = meshRates.reduce((a, b) => a + b, 0) / REPS;
  const raw = rawRates.reduce((a, b) => a + b, 0) / REPS;
  process.stdout.write(`dial failures: ${dials.failures.length}/${DIALS} ${dials.failures.slice(0, 3).join('; ')}\n`);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'mesh',
      bytes_per_rep: TOTAL,
      reps: REPS,
      goodput_ratio: Number((mesh / raw).toFixed(3)),
      mesh_mbps: Number((mesh * 8).toFixed(1)),
      raw_mbps: Number((raw * 8).toFixed(1)),
      mesh_rates_mb_s: meshRates.map((rate) => Number(rate.toFixed(1))),
      raw_rates_mb_s: rawRates.map((rate) => Number(rate.toFixed(1))),
      dials: DIALS,
      dial_failures: dials.failures.length,
      dial_p50_ms: Math.round(percentile(dials.durations, 0.5)),
      dial_p95_ms: Math.round(percentile(dials.durations, 0.95)),
      joins: joins.length,
      join_p50_ms: Math.round(percentile(joins, 0.5)),
    })}\n`,
  );
} finally {
  await bench.close();
}
