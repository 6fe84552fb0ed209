import { describe, expect, it } from 'vitest';
import { decodeQueryMessage, encodeQueryMessage, type QueryMessage } from '../../engine/query/query-messages';
import { MAX_SUBQUERIES_PER_PEER, QueryService } from './query-service';

const shard = (n: number): string => n.toString(16).padStart(64, '0');

describe('QueryService as a holder', () => {
  it(`refuses a peer's subqueries beyond ${MAX_SUBQUERIES_PER_PEER} at once (retryable), and serves it again once they end`, async () => {
    const sent: { to: string; message: QueryMessage }[] = [];
    // Reading a shard into DuckDB never finishes until released: the subqueries stay running.
    const releases: (() => void)[] = [];
    const service = new QueryService({
      self: 'holder',
      send: (to, bytes) => sent.push({ to, message: decodeQueryMessage(bytes) }),
      shards: {
        holds: () => true,
        withTables: () => new Promise<never>((_, reject) => releases.push(() => reject(new Error('store went away')))),
        vectorScorer: () => Promise.reject(new Error('no vectors here')),
      },
      now: () => 0,
      schedule: () => undefined,
      rejected: () => undefined,
    });
    const ask = (from: string, n: number): void => service.onFrame(from, encodeQueryMessage({ type: 'subquery', query: `q${n}`, shards: [shard(n)], sql: 'SELECT 1 FROM __shard' }));
    for (let n = 1; n <= MAX_SUBQUERIES_PER_PEER + 2; n++) ask('greedy', n);
    ask('other', 99);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const refused = sent.filter(({ message }) => message.type === 'subquery-result' && !message.ok && message.error.startsWith('busy'));
    expect(refused.map(({ to, message }) => [to, message.type === 'subquery-result' && message.retryable])).toEqual([
      ['greedy', true],
      ['greedy', true],
    ]);
    // The other peer was not refused: its subquery is running like the first eight.
    expect(releases).toHaveLength(MAX_SUBQUERIES_PER_PEER + 1);
    for (const release of releases) release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    ask('greedy', 200);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(releases).toHaveLength(MAX_SUBQUERIES_PER_PEER + 2);
  });
});
