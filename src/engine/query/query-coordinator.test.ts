import { describe, expect, it } from 'vitest';
import { QueryCoordinator, type QueryEffect, type QueryEvent } from './query-coordinator';
import { decodeQueryMessage } from './query-messages';

const shardId = (n: number): string => n.toString(16).padStart(64, '0');
const A = shardId(1);
const B = shardId(2);
const C = shardId(3);

/** Who was asked for which shard, in order, from the effects. */
function asked(effects: readonly QueryEffect[]): [string, string][] {
  return effects.flatMap((effect): [string, string][] => {
    if (effect.type === 'run-local') return [['self', effect.shard]];
    if (effect.type === 'send') {
      const message = decodeQueryMessage(effect.bytes);
      return [[effect.to, message.shard]];
    }
    return [];
  });
}

type AnswerEvent = Extract<QueryEvent, { type: 'answer' }>;
const answer = (from: string, shard: string, now: number, fields: Partial<AnswerEvent> = {}): AnswerEvent => ({
  type: 'answer',
  now,
  query: 'q',
  shard,
  from,
  ok: true,
  retryable: false,
  error: '',
  holderMs: 3,
  bytes: new Uint8Array([1]),
  ...fields,
});

const finished = (effects: readonly QueryEffect[]) => effects.find((effect) => effect.type === 'finished');

describe('QueryCoordinator', () => {
  it('runs each shard on exactly one holder: this tab first, then the least loaded', () => {
    const coordinator = new QueryCoordinator('self');
    const effects = coordinator.step({
      type: 'start',
      now: 0,
      query: 'q',
      deadlineMs: 60_000,
      tasks: [
        { shard: A, sql: 'x', holders: ['p1', 'self', 'p2'] },
        { shard: B, sql: 'x', holders: ['p1', 'p2'] },
        { shard: C, sql: 'x', holders: ['p1', 'p2'] },
      ],
    });
    expect(asked(effects)).toEqual([
      ['self', A],
      ['p1', B],
      ['p2', C],
    ]);
    expect(finished(coordinator.step(answer('self', A, 5)))).toBeUndefined();
    expect(finished(coordinator.step(answer('p1', B, 6)))).toBeUndefined();
    const done = finished(coordinator.step(answer('p2', C, 7)));
    expect(done?.type === 'finished' && done.outcome.ok && done.outcome.answers.map((a) => [a.shard, a.holder, a.attempts])).toEqual([
      [A, 'self', 1],
      [B, 'p1', 1],
      [C, 'p2', 1],
    ]);
    expect(coordinator.running()).toEqual([]);
  });

  it('moves a shard to the next replica when its holder fails, times out or leaves, and ignores late answers', () => {
    const coordinator = new QueryCoordinator('self', { attemptTimeoutMs: 1_000, breakerFailures: 2, breakerOpenMs: 10_000 });
    coordinator.step({ type: 'start', now: 0, query: 'q', deadlineMs: 60_000, tasks: [{ shard: A, sql: 'x', holders: ['p1', 'p2', 'p3', 'p4'] }] });
    expect(asked(coordinator.step(answer('p1', A, 10, { ok: false, retryable: true, error: 'not held here' })))).toEqual([['p2', A]]);
    expect(asked(coordinator.step({ type: 'tick', now: 1_500 }))).toEqual([['p3', A]]);
    // p2's answer arrives after the shard moved on: dropped.
    expect(finished(coordinator.step(answer('p2', A, 1_600)))).toBeUndefined();
    expect(asked(coordinator.step({ type: 'peer-gone', now: 1_700, peer: 'p3' }))).toEqual([['p4', A]]);
    const done = finished(coordinator.step(answer('p4', A, 1_800)));
    expect(done?.type === 'finished' && done.outcome.ok && done.outcome.answers[0]?.attempts).toBe(4);
  });

  it('fails naming the shard when every replica is gone, and at the start when a shard has no live holder', () => {
    const coordinator = new QueryCoordinator('self');
    coordinator.step({ type: 'start', now: 0, query: 'q', deadlineMs: 60_000, tasks: [{ shard: A, sql: 'x', holders: ['p1'] }, { shard: B, sql: 'x', holders: ['p2'] }] });
    const done = finished(coordinator.step({ type: 'peer-gone', now: 5, peer: 'p1' }));
    expect(done?.type === 'finished' && !done.outcome.ok && done.outcome.missingShards).toEqual([A]);
    expect(done?.type === 'finished' && !done.outcome.ok && done.outcome.error).toMatch(new RegExp(`shard\\(s\\) ${A.slice(0, 12)}: every replica is gone`));
    const none = finished(new QueryCoordinator('self').step({ type: 'start', now: 0, query: 'q', deadlineMs: 1_000, tasks: [{ shard: C, sql: 'x', holders: [] }] }));
    expect(none?.type === 'finished' && !none.outcome.ok && none.outcome.missingShards).toEqual([C]);
  });

  it('passes a SQL error back as it is, without trying other holders', () => {
    const coordinator = new QueryCoordinator('self');
    coordinator.step({ type: 'start', now: 0, query: 'q', deadlineMs: 60_000, tasks: [{ shard: A, sql: 'x', holders: ['p1', 'p2'] }] });
    const effects = coordinator.step(answer('p1', A, 3, { ok: false, retryable: false, error: 'Binder Error: column "nope" not found' }));
    expect(asked(effects)).toEqual([]);
    const done = finished(effects);
    expect(done?.type === 'finished' && !done.outcome.ok && done.outcome.error).toBe('Binder Error: column "nope" not found');
  });

  it('fails at the overall deadline naming the shards still unanswered', () => {
    const coordinator = new QueryCoordinator('self', { attemptTimeoutMs: 100_000, breakerFailures: 2, breakerOpenMs: 1 });
    coordinator.step({ type: 'start', now: 0, query: 'q', deadlineMs: 5_000, tasks: [{ shard: A, sql: 'x', holders: ['p1'] }, { shard: B, sql: 'x', holders: ['p2'] }] });
    coordinator.step(answer('p1', A, 10));
    const done = finished(coordinator.step({ type: 'tick', now: 5_000 }));
    expect(done?.type === 'finished' && !done.outcome.ok && done.outcome.missingShards).toEqual([B]);
  });

  it('opens a breaker on a peer that keeps failing, and prefers other holders while it is open', () => {
    const coordinator = new QueryCoordinator('self', { attemptTimeoutMs: 1_000, breakerFailures: 2, breakerOpenMs: 10_000 });
    for (const [query, now] of [['q1', 0], ['q2', 10]] as const) {
      coordinator.step({ type: 'start', now, query, deadlineMs: 60_000, tasks: [{ shard: A, sql: 'x', holders: ['bad', 'good'] }] });
      coordinator.step({ ...answer('bad', A, now + 1, { ok: false, retryable: true, error: 'store failed' }), query });
      coordinator.step({ ...answer('good', A, now + 2), query });
    }
    // 'bad' ranks first, yet its breaker is open: 'good' is asked.
    expect(asked(coordinator.step({ type: 'start', now: 100, query: 'q3', deadlineMs: 60_000, tasks: [{ shard: A, sql: 'x', holders: ['bad', 'good'] }] }))).toEqual([['good', A]]);
    // Once the breaker has closed again, rank decides.
    expect(asked(coordinator.step({ type: 'start', now: 20_000, query: 'q4', deadlineMs: 60_000, tasks: [{ shard: B, sql: 'x', holders: ['bad', 'other'] }] }))).toEqual([['bad', B]]);
  });

  it('sends work to preferred holders (WebGPU tabs for vectors) before this tab and before less loaded ones', () => {
    const coordinator = new QueryCoordinator('self');
    const effects = coordinator.step({
      type: 'start',
      now: 0,
      query: 'q',
      deadlineMs: 60_000,
      tasks: [
        { shard: A, sql: 'x', holders: ['self', 'cpu', 'gpu'], prefer: new Set(['gpu']) },
        { shard: B, sql: 'x', holders: ['self', 'cpu'], prefer: new Set(['gpu']) },
      ],
    });
    expect(asked(effects)).toEqual([
      ['gpu', A],
      ['self', B],
    ]);
  });
});
