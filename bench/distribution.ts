// Distribution benchmark: full tabs (engine worker, IndexedDB, DuckDB-Wasm, libp2p) in one
// Chromium, with every baseline measured in the same run and the same pages:
//  - replicate: drop an Arrow file into one of 5 tabs, time until every shard is at R, against
//    bytes x R / the raw RTCDataChannel rate between two of those tabs;
//  - store: IndexedDB shard store write+read throughput in a tab (as many operations at once as
//    the engine has transfer slots), against that raw rate;
//  - ingest: a CSV upload (read, shard, stats, hash, stage) in a tab alone, against DuckDB-Wasm
//    reading the same file alone in the same page (interleaved reps, medians);
//  - context for replicate (not a target): the raw rate from the uploader to all 4 other tabs at
//    once (one raw channel each, after an untimed warm-up), the best a fan-out could do here;
//    what the copies took on the wire (pieces go deflated) and how busy the cores were; and,
//    after the repair, among the 4 survivors, the same replication for a table that does not
//    deflate (random numbers), against the same kind of bound;
//  - repair: close the tab holding the most bytes S, time until the survivors hold R copies
//    again, against grace + 1.5 x S / raw rate ("grace" = the whole wait before repair may
//    start: failure detection, suspect + dead, plus the repair grace).
// Prints a JSON line last.
import type { Page } from '@playwright/test';
import { defaultEngineSettings } from '../src/engine/node/engine-settings';
import { callIn, median, MiB, openBenchPage, startBrowserBench } from './browser-bench';
import { busyShare, sampleCpu, threadMs } from './cpu-usage';

const PORT = 4391;
const TABS = 5;
const ROWS = Number(process.env.DIST_BENCH_ROWS ?? 1_000_000);
/**
 * Ingest reps: DuckDB alone varies 210-400 ms between reps here and the ingest 270-430, so the
 * medians need many (9 reps moved the ratio by about 0.05 between runs of one build).
 */
const INGEST_REPS = 15;
const RAW_BYTES = 32 * MiB;
/** Bytes to each tab in the fan-out measurement (4 tabs: about the 14 copies an upload sends). */
const FAN_OUT_BYTES_EACH = 14 * MiB;
const STORE_SHARDS = 16;
const STORE_SHARD_BYTES = 4 * MiB;
/** Store operations at once: the engine's transfer slots (each stores or reads its own shard). */
const STORE_CONCURRENCY = defaultEngineSettings.maxConcurrentTransfers;
const R = defaultEngineSettings.replication.replicas;
const { suspectAfterMs, deadAfterMs, repairGraceMs } = defaultEngineSettings.membership;
const GRACE_S = (suspectAfterMs + deadAfterMs + repairGraceMs) / 1000;

interface DatasetView {
  id: string;
  shards: number;
  atTarget: number;
  bytes: number;
  replicasConfirmed: number;
  replicasWanted: number;
  bytesSent: number;
}
interface Snapshot {
  self: string;
  transfers: { bytesServed: number; wireBytesServed: number; bytesRelayed: number; shardsWarmed: number; downloading: number; piecesReceived: number; sourcesGivenUp: number; sourcesSilent: number; latePieces: number; recentGiveUps: { shard: string; holder: string; reason: string; at: number }[] };
  peers: { id: string; liveness: string; silentForMs: number }[];
  datasets: DatasetView[];
  storedShards: number;
  usedBytes: number;
}
interface DistributionBench {
  self(): string;
  takeLongTasks(): number[];
  discardedOnSend(): Promise<{ discarded: number; sent: number }>;
  snapshot(): Promise<Snapshot>;
  rawGoodput(peer: string, total: number): Promise<number>;
  makeCsv(name: string, seed: number, rows: number): number;
  makeArrow(name: string, seed: number, rows: number): number;
  makeIncompressibleArrow(name: string, seed: number, rows: number): number;
  readAlone(name: string): Promise<number>;
  ingest(name: string): Promise<{ ms: number; id: string; shards: number; rows: number }>;
  storeThroughput(count: number, size: number, concurrency: number): Promise<{ writeMs: number; readMs: number }>;
}

const call = <T>(page: Page, fn: (api: DistributionBench, arg: never) => Promise<T> | T, arg?: unknown): Promise<T> => callIn(page, 'distributionBench', fn, arg);
const snapshot = (page: Page): Promise<Snapshot> => call(page, (api) => api.snapshot());

const log = (line: string): void => void process.stdout.write(`${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Logs, per tab, what a stalled link would show since `before`: the pieces it pulled, the
 * holders its downloads left (for silence: 1 s while another has the shard, else 5 s), its
 * page's long tasks, and the packets Chromium discarded on send (over connections still open).
 */
async function logLinkHealth(pages: readonly Page[], before: readonly Snapshot['transfers'][], discardsBefore: readonly { discarded: number; sent: number }[]): Promise<void> {
  const after = await Promise.all(pages.map(async (page) => (await snapshot(page)).transfers));
  const longTasks = await Promise.all(pages.map((page) => call(page, (api) => api.takeLongTasks())));
  const lines = after.map((now, i) => {
    const then = before[i];
    if (!then) return `tab ${i}: ?`;
    const tasks = longTasks[i] ?? [];
    return (
      `tab ${i}: ${now.piecesReceived - then.piecesReceived} pieces in, ${now.sourcesGivenUp - then.sourcesGivenUp} holders left ` +
      `(${now.sourcesSilent - then.sourcesSilent} silent), ${now.latePieces - then.latePieces} pieces used from holders left, ${((now.bytesRelayed - then.bytesRelayed) / 2 ** 20).toFixed(1)} MiB relayed, page long tasks ${tasks.length} (longest ${Math.round(Math.max(0, ...tasks))} ms)`
    );
  });
  log(`  downloads: ${lines.join('; ')}`);
  const discards = await Promise.all(pages.map((page) => call(page, (api) => api.discardedOnSend())));
  const discarded = discards.map((d, i) => `tab ${i}: ${d.discarded - (discardsBefore[i]?.discarded ?? 0)} of ${d.sent - (discardsBefore[i]?.sent ?? 0)}`);
  log(`  packets Chromium discarded on send (of those sent): ${discarded.join('; ')}`);
  // Which links went silent: holders by their tab number here, times on the engine's clock.
  const selves = await Promise.all(pages.map((page) => call(page, (api) => api.self())));
  after.forEach((now, i) => {
    const fresh = now.recentGiveUps.slice(Math.max(0, now.recentGiveUps.length - (now.sourcesGivenUp - (before[i]?.sourcesGivenUp ?? 0))));
    for (const giveUp of fresh) {
      const holder = selves.indexOf(giveUp.holder);
      log(`    tab ${i} left tab ${holder < 0 ? giveUp.holder : holder} at ${Math.round(giveUp.at)}: ${giveUp.reason.replace(giveUp.holder, 'holder')} (shard ${giveUp.shard.slice(0, 8)})`);
    }
  });
}

/** Past this, the replication's wait logs what each tab holds and pulls (it takes 2.5-4 s). */
const SLOW_REPLICATION_S = 6;

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>, pollMs = 100): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
  return (performance.now() - started) / 1000;
}

const bench = await startBrowserBench(PORT);
try {
  const run = Date.now();
  // Ingest against DuckDB alone, in a tab with no peers (nothing replicates meanwhile).
  const solo = await openBenchPage(bench.browser, `${bench.url}distribution-bench.html?swarm=dist-solo-${run}`, 'distributionBench');
  await call(solo, (api) => api.makeCsv('warm-up.csv', 99, 5_000));
  await call(solo, (api) => api.readAlone('warm-up.csv'));
  await call(solo, (api) => api.ingest('warm-up.csv'));
  const aloneMs: number[] = [];
  const ingestMs: number[] = [];
  let csvBytes = 0;
  for (let rep = 0; rep < INGEST_REPS; rep++) {
    const name = `ingest-${rep}.csv`;
    csvBytes = await call(solo, (api, arg: { name: string; seed: number; rows: number }) => api.makeCsv(arg.name, arg.seed, arg.rows), { name, seed: rep + 1, rows: ROWS });
    // Which goes first alternates: the one right after makeCsv meets its garbage.
    const alone = (): Promise<number> => call(solo, (api, name: string) => api.readAlone(name), name);
    const ingest = async (): Promise<number> => (await call(solo, (api, name: string) => api.ingest(name), name)).ms;
    if (rep % 2 === 0) {
      aloneMs.push(await alone());
      ingestMs.push(await ingest());
    } else {
      ingestMs.push(await ingest());
      aloneMs.push(await alone());
    }
    log(`ingest rep ${rep + 1}: ${(csvBytes / MiB).toFixed(1)} MiB CSV, DuckDB alone ${aloneMs.at(-1)?.toFixed(0)} ms, ingest ${ingestMs.at(-1)?.toFixed(0)} ms`);
  }
  await solo.context().close();

  const url = `${bench.url}distribution-bench.html?swarm=dist-${run}`;
  const tabs: Page[] = [];
  for (let i = 0; i < TABS; i++) tabs.push(await openBenchPage(bench.browser, url, 'distributionBench'));
  await until('a full mesh', 60_000, async () => {
    const views = await Promise.all(tabs.map(snapshot));
    return views.every((view) => view.peers.filter((peer) => peer.liveness === 'alive').length === TABS - 1);
  });
  const [uploader, other] = tabs as [Page, Page];
  const otherId = await call(other, (api) => api.self());
  const rawRates: number[] = [];
  const measureRaw = async (): Promise<void> => {
    rawRates.push(await call(uploader, (api, arg: { to: string; total: number }) => api.rawGoodput(arg.to, arg.total), { to: otherId, total: RAW_BYTES }));
    log(`raw data channel: ${rawRates.at(-1)?.toFixed(1)} MB/s`);
  };
  await call(uploader, (api, arg: { to: string; total: number }) => api.rawGoodput(arg.to, arg.total), { to: otherId, total: 8 * MiB });
  await measureRaw();
  await measureRaw();
  // Fan-out: the uploader sends to every other tab at once over raw channels, as replication does.
  const peerIds = await Promise.all(tabs.slice(1).map((tab) => call(tab, (api) => api.self())));
  const fanOut = async (bytesEach: number): Promise<number> => {
    const started = performance.now();
    await Promise.all(peerIds.map((id) => call(uploader, (api, arg: { to: string; total: number }) => api.rawGoodput(arg.to, arg.total), { to: id, total: bytesEach })));
    return (peerIds.length * bytesEach) / 1e6 / ((performance.now() - started) / 1000);
  };
  await fanOut(2 * MiB);
  const fanOutRate = await fanOut(FAN_OUT_BYTES_EACH);
  log(`raw fan-out to ${peerIds.length} tabs at once: ${fanOutRate.toFixed(1)} MB/s in all`);

  const store = await call(uploader, (api, arg: { count: number; size: number; concurrency: number }) => api.storeThroughput(arg.count, arg.size, arg.concurrency), {
    count: STORE_SHARDS,
    size: STORE_SHARD_BYTES,
    concurrency: STORE_CONCURRENCY,
  });
  const storeBytes = STORE_SHARDS * STORE_SHARD_BYTES;
  const storeRate = storeBytes / 1e6 / ((store.writeMs + store.readMs) / 1000);
  log(`IndexedDB store: write ${(storeBytes / 1e6 / (store.writeMs / 1000)).toFixed(1)} MB/s, read ${(storeBytes / 1e6 / (store.readMs / 1000)).toFixed(1)} MB/s, write+read ${storeRate.toFixed(1)} MB/s`);

  const arrowBytes = await call(uploader, (api, rows: number) => api.makeArrow('dataset.arrow', 5, rows), ROWS);
  const servedBefore = (await snapshot(uploader)).transfers;
  const transfersBefore = await Promise.all(tabs.map(async (tab) => (await snapshot(tab)).transfers));
  await Promise.all(tabs.map((tab) => call(tab, (api) => api.takeLongTasks())));
  const discardsBefore = await Promise.all(tabs.map((tab) => call(tab, (api) => api.discardedOnSend())));
  const cpuBefore = sampleCpu();
  const dropped = performance.now();
  const upload = await call(uploader, (api) => api.ingest('dataset.arrow'));
  const ingested = performance.now();
  let dataset: DatasetView | undefined;
  // Copies confirmed as the uploader saw them, when the count changed: where a slow run waited.
  const confirmations: string[] = [];
  await until('every shard at R', 600_000, async () => {
    dataset = (await snapshot(uploader)).datasets.find((candidate) => candidate.id === upload.id);
    const confirmed = `${dataset?.replicasConfirmed ?? 0}`;
    const elapsedS = (performance.now() - dropped) / 1000;
    if (!confirmations.at(-1)?.startsWith(`${confirmed} `)) confirmations.push(`${confirmed} at ${elapsedS.toFixed(1)} s`);
    // A run far past its usual time: what each tab holds and pulls, once a second.
    if (elapsedS > SLOW_REPLICATION_S && Math.floor(elapsedS * 10) % 10 === 0) {
      const views = await Promise.all(tabs.map(snapshot));
      log(`  at ${elapsedS.toFixed(1)} s, per tab: ${views.map((view, i) => `tab ${i} stores ${view.storedShards}, pulls ${view.transfers.downloading}`).join('; ')}`);
    }
    return dataset !== undefined && dataset.atTarget === dataset.shards && dataset.replicasConfirmed === dataset.shards * R;
  });
  const replicateS = (performance.now() - dropped) / 1000;
  log(`  copies confirmed (as the uploader saw them): ${confirmations.join(', ')}`);
  const cpuAfter = sampleCpu();
  const busy = cpuBefore && cpuAfter ? busyShare(cpuBefore, cpuAfter) : undefined;
  if (cpuBefore && cpuAfter) {
    log(`CPU during replication: ${((busy ?? 0) * 100).toFixed(0)}% of the cores busy; by Chromium thread kind:`);
    for (const [kind, ms] of threadMs(cpuBefore, cpuAfter).slice(0, 8)) log(`  ${kind}: ${ms.toFixed(0)} ms`);
  }
  const bytes = dataset?.bytes ?? 0;
  log(`replicated ${(bytes / MiB).toFixed(1)} MiB in ${upload.shards} shards (${(arrowBytes / MiB).toFixed(1)} MiB Arrow file) at R=${R}: ${replicateS.toFixed(2)} s from drop (ingest ${((ingested - dropped) / 1000).toFixed(2)} s)`);
  // What crossed the mesh (the uploader sends every copy of a new shard it does not keep) and how fast, after the ingest.
  const sent = dataset?.bytesSent ?? 0;
  const servedAfter = (await snapshot(uploader)).transfers;
  const wireShare = (servedAfter.wireBytesServed - servedBefore.wireBytesServed) / Math.max(1, servedAfter.bytesServed - servedBefore.bytesServed);
  log(`  the uploader sent ${(sent / 1e6).toFixed(1)} MB (${(sent * wireShare / 1e6).toFixed(1)} MB on the wire, deflated): ${(sent / 1e6 / (replicateS - (ingested - dropped) / 1000)).toFixed(1)} MB/s in all (raw fan-out ${fanOutRate.toFixed(1)})`);
  await logLinkHealth(tabs, transfersBefore, discardsBefore);
  await measureRaw();

  // Let placement settle, then close the tab holding the most bytes.
  const totalCopies = upload.shards * R;
  await until('placement to settle', 120_000, async () => (await Promise.all(tabs.map(snapshot))).reduce((sum, view) => sum + view.storedShards, 0) === totalCopies);
  await sleep(3_000);
  const views = await Promise.all(tabs.map(snapshot));
  let victim = 1;
  for (let i = 2; i < TABS; i++) if ((views[i]?.usedBytes ?? 0) > (views[victim]?.usedBytes ?? 0)) victim = i;
  const victimBytes = views[victim]?.usedBytes ?? 0;
  const survivors = tabs.filter((_, i) => i !== victim);
  const victimId = views[victim]?.self ?? '';
  const closed = performance.now();
  await tabs[victim]?.context().close();
  // Each survivor counts the grace from when it last heard of the victim: how long before the close that was.
  const heardBefore = await Promise.all(
    survivors.map(async (tab) => {
      const view = await snapshot(tab);
      return (view.peers.find((peer) => peer.id === victimId)?.silentForMs ?? 0) - (performance.now() - closed);
    }),
  );
  log(`repair: survivors last heard of the closed tab ${heardBefore.map((ms) => ms.toFixed(0)).join(', ')} ms before it closed`);
  // Polled often: the wait is measured to the poll.
  await until('repair to R', 600_000, async () => (await Promise.all(survivors.map(snapshot))).reduce((sum, view) => sum + view.storedShards, 0) === totalCopies, 20);
  const repairS = (performance.now() - closed) / 1000;
  const warmed = (await Promise.all(survivors.map(snapshot))).map((view) => view.transfers.shardsWarmed);
  log(`repair: shards read ahead by the survivors before the grace ended: ${warmed.join(', ')}`);

  const raw = rawRates.reduce((a, b) => a + b, 0) / rawRates.length;
  const rawBytesPerS = raw * 1e6;

  // Context: the same replication for a table that does not deflate, among the 4 survivors.
  const [plainUploader] = survivors as [Page];
  await call(plainUploader, (api, rows: number) => api.makeIncompressibleArrow('random.arrow', 6, rows), ROWS);
  const plainBefore = (await snapshot(plainUploader)).transfers;
  const survivorsBefore = await Promise.all(survivors.map(async (tab) => (await snapshot(tab)).transfers));
  await Promise.all(survivors.map((tab) => call(tab, (api) => api.takeLongTasks())));
  const survivorDiscardsBefore = await Promise.all(survivors.map((tab) => call(tab, (api) => api.discardedOnSend())));
  const plainDropped = performance.now();
  const plainUpload = await call(plainUploader, (api) => api.ingest('random.arrow'));
  let plainDataset: DatasetView | undefined;
  await until('every shard of the incompressible table at R', 600_000, async () => {
    plainDataset = (await snapshot(plainUploader)).datasets.find((candidate) => candidate.id === plainUpload.id);
    return plainDataset !== undefined && plainDataset.atTarget === plainDataset.shards && plainDataset.replicasConfirmed === plainDataset.shards * R;
  });
  const plainS = (performance.now() - plainDropped) / 1000;
  const plainAfter = (await snapshot(plainUploader)).transfers;
  const plainWireShare = (plainAfter.wireBytesServed - plainBefore.wireBytesServed) / Math.max(1, plainAfter.bytesServed - plainBefore.bytesServed);
  const plainBoundS = ((plainDataset?.bytes ?? 0) * R) / rawBytesPerS;
  log(`incompressible table, 4 tabs: ${((plainDataset?.bytes ?? 0) / MiB).toFixed(1)} MiB at R=${R} in ${plainS.toFixed(2)} s (bound ${plainBoundS.toFixed(2)} s), ${(plainWireShare * 100).toFixed(0)}% of its bytes on the wire`);
  await logLinkHealth(survivors, survivorsBefore, survivorDiscardsBefore);
  const replicateBoundS = (bytes * R) / rawBytesPerS;
  const repairBoundS = GRACE_S + (1.5 * victimBytes) / rawBytesPerS;
  log(`repair: tab holding ${(victimBytes / MiB).toFixed(1)} MiB closed, survivors back at R after ${repairS.toFixed(2)} s (bound ${repairBoundS.toFixed(2)} s)`);
  log(
    JSON.stringify({
      bench: 'distribution',
      tabs: TABS,
      replicas: R,
      rows: ROWS,
      bytes,
      shards: upload.shards,
      raw_mb_s: Number(raw.toFixed(1)),
      raw_rates_mb_s: rawRates.map((rate) => Number(rate.toFixed(1))),
      raw_fan_out_mb_s: Number(fanOutRate.toFixed(1)),
      replicate_s: Number(replicateS.toFixed(2)),
      replicate_bound_s: Number(replicateBoundS.toFixed(2)),
      replicate_ratio: Number((replicateS / replicateBoundS).toFixed(3)),
      replicate_wire_share: Number(wireShare.toFixed(3)),
      replicate_cpu_busy: busy === undefined ? null : Number(busy.toFixed(2)),
      replicate_incompressible_ratio: Number((plainS / plainBoundS).toFixed(3)),
      replicate_incompressible_wire_share: Number(plainWireShare.toFixed(3)),
      store_mb_s: Number(storeRate.toFixed(1)),
      store_over_channel: Number((storeRate / raw).toFixed(2)),
      csv_bytes: csvBytes,
      duckdb_alone_ms: Math.round(median(aloneMs)),
      ingest_ms: Math.round(median(ingestMs)),
      ingest_ratio: Number((median(aloneMs) / median(ingestMs)).toFixed(3)),
      repair_bytes: victimBytes,
      repair_s: Number(repairS.toFixed(2)),
      repair_bound_s: Number(repairBoundS.toFixed(2)),
      grace_s: GRACE_S,
    }),
  );
} finally {
  await bench.close();
}
