// The swarm simulator's command line: `npm run sim -- --nodes 1000 --shards 20000 --json`.
// Prints a short summary (unless --json) and, last, one JSON line. Exits 2 on bad arguments
// and 1 when an invariant fails, printing the command that reproduces the run.
import { SimUsageError } from '../src/engine/errors';
import { runSimulation } from '../src/engine/simulator/run-simulation';
import { invariantFailures } from '../src/engine/simulator/invariants';
import { parseSimArgs, reproduceCommand, simUsage } from '../src/engine/simulator/sim-settings';

function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseSimArgs(argv);
  } catch (error) {
    if (!(error instanceof SimUsageError)) throw error;
    process.stderr.write(`sim: ${error.message}\n${simUsage}\n`);
    return 2;
  }
  const { settings, json } = parsed;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 200);
  const started = performance.now();
  const report = runSimulation(settings);
  const wallS = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const output = { ...report, wall_s: round(wallS, 2), peak_rss_mb: Math.round(peakRss / 1048576) };
  const failures = invariantFailures(report);
  if (!json) {
    process.stdout.write(
      `${report.nodes} nodes, ${report.shards} shards x ${report.replicas}: lost ${report.lost_shards}, ` +
        `under-replicated ${report.under_replicated_after_settle}, join ratio ${round(report.moved_on_join_ratio, 3)}, ` +
        `crash ratio ${round(report.moved_on_crash_ratio, 3)}, max/mean ${round(report.max_over_mean_load, 3)}, ` +
        `capacity error ${round(report.capacity_share_error, 3)} in ${output.wall_s}s\n`,
    );
  }
  if (failures.length > 0) {
    process.stderr.write(`sim: FAILED seed ${settings.seed}: ${failures.join('; ')}\nreproduce: ${reproduceCommand(settings)}\n`);
  }
  process.stdout.write(`${JSON.stringify(output)}\n`);
  return failures.length > 0 ? 1 : 0;
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

process.exitCode = main(process.argv.slice(2));
