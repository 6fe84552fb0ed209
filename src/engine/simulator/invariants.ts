import type { SimReport } from './run-simulation';

/**
 * The invariants every run must keep, whatever its settings: no shard lost (churn never
 * overlaps more than R-1 failures), R copies after settling, copies on distinct domains when
 * there are enough, no delete below R, and no repair traffic for a reload inside the grace.
 * Balance and movement targets depend on the settings and are checked by the tests.
 */
export function invariantFailures(report: SimReport): string[] {
  const failures: string[] = [];
  if (report.lost_shards > 0) failures.push(`${report.lost_shards} shards lost`);
  if (report.under_replicated_after_settle > 0) {
    failures.push(`${report.under_replicated_after_settle} shards under R after settling`);
  }
  if (report.domain_violations > 0) failures.push(`${report.domain_violations} shards with two copies in one domain`);
  if (report.unsafe_deletes > 0) failures.push(`${report.unsafe_deletes} deletes left a shard under R`);
  if (report.moved_on_reload > 0) failures.push(`a reload inside the grace moved ${report.moved_on_reload} replicas`);
  return failures;
}
