import { describe, expect, it } from 'vitest';
import { QueryCoordinator, type QueryEffect, type QueryEvent, type SubqueryTask } from './query-coordinator';
import { decodeQueryMessage } from './query-messages';

const shardId = (n: number): string => n.toString(16).padStart(64, '0');
const A = shardId(1);
const B = shardId(2);
const C = shardId(3);

/** Who was asked for which shard, in order, from the effects. */
function asked(effects: readonly QueryEffect[]): [string, string][] {
  return subqueries(effects).flatMap(([holder, shards]) => shards.map((shard): [string, string] => [holder, shard]));
}

/** Each subquery sent (or run here): the holder and the shards it names. */
function subqueries(effects: readonly QueryEffect[]): [string, readonly string[]][] {
  return effects.flatMap((effect): [string, readonly string[]][] => {
    if (effect.type === 'run-local') return [['self', effect.shards]];
    if (effect.type === 'send') {
      const message = decodeQueryMessage(effect.bytes);
      return message.type === 'subquery' ? [[effect.to, message.shards]] : [];
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

/** A query 'q' starting at time 0 with a minute to run. */
const startEvent = (tasks: SubqueryTask[], fields: Partial<Extract<QueryEvent, { type: 'start' }>> = {}): QueryEvent => ({ type: 'start', now: 0, query: 'q', deadlineMs: 60_000, tasks, ...fields });

const finished = (effects: readonly QueryEffect[]) => effects.find((effect) => effect.type === 'finished');

describe('QueryCoordinator', () => {
  it('runs each shard on exactly one holder: this tab first, then the least loaded, joining a holder already asked', () => {
    const coordinator = new QueryCoordinator('self');
    const D = shardId(4);
    // Another query keeps p1 busy.
    expect(asked(coordinator.step({ type: 'start', now: 0, query: 'busy', deadlineMs: 60_000, tasks: [{ shard: D, sql: 'y', holders: ['p1'] }] }))).toEqual([['p1', D]]);
    const effects = coordinator.step(
      startEvent(
        [
      { shard: A, sql: 'x', holders: ['p1', 'self', 'p2'] },
      { shard: B, sql: 'x', holders: ['p1', 'p2', 'p3'] },
      { shard: C, sql: 'x', holders: ['p3', 'p2'] },
        ],
      ),
    );
    // B: p2 and p3 are idle, p2 ranks first. C: p3 is as idle, but p2 is asked already.
    expect(subqueries(effects)).toEqual([
      ['self', [A]],
      ['p2', [B, C]],
    ]);
    expect(finished(coordinator.step(answer('self', A, 5)))).toBeUndefined();
    const done = finished(coordinator.step(answer('p2', B, 6)));
    expect(done?.type === 'finished' && done.outcome.ok && done.outcome.answers.map((a) => [a.shard, a.holder, a.attempts])).toEqual([
      [A, 'self', 1],
      [B, 'p2', 1],
      [C, 'p2', 1],
    ]);
    expect(coordinator.running()).toEqual(['busy']);
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
    const effects = coordinator.step(
      startEvent(
        [
      { shard: A, sql: 'x', holders: ['self', 'cpu', 'gpu'], prefer: new Set(['gpu']) },
      { shard: B, sql: 'x', holders: ['self', 'cpu'], prefer: new Set(['gpu']) },
        ],
      ),
    );
    expect(asked(effects)).toEqual([
      ['gpu', A],
      ['self', B],
    ]);
  });

  it('sends the shards one holder runs in one subquery, whose answer covers them all', () => {
    const coordinator = new QueryCoordinator('self');
    const D = shardId(4);
    const effects = coordinator.step(
      startEvent(
        [
      { shard: A, sql: 'x', holders: ['self', 'p1'] },
      { shard: B, sql: 'x', holders: ['p1', 'self'] },
      { shard: C, sql: 'x', holders: ['p1'] },
      { shard: D, sql: 'x', holders: ['p1'] },
        ],
      ),
    );
    expect(subqueries(effects)).toEqual([
      ['self', [A, B]],
      ['p1', [C, D]],
    ]);
    coordinator.step(answer('self', A, 4, { bytes: new Uint8Array([7]) }));
    const done = finished(coordinator.step(answer('p1', C, 5, { bytes: new Uint8Array([8]) })));
    expect(done?.type === 'finished' && done.outcome.ok && done.outcome.answers.map((a) => [a.shard, a.coveredBy, a.holder, [...a.bytes]])).toEqual([
      [A, A, 'self', [7]],
      [B, A, 'self', []],
      [C, C, 'p1', [8]],
      [D, C, 'p1', []],
    ]);
  });

  it("moves a failed subquery's shards on to other replicas, regrouped by their new holders", () => {
    const coordinator = new QueryCoordinator('self');
    coordinator.step(
      startEvent(
        [
      { shard: A, sql: 'x', holders: ['p1', 'p2'], prefer: new Set(['p1']) },
      { shard: B, sql: 'x', holders: ['p1', 'p3'], prefer: new Set(['p1']) },
        ],
      ),
    );
    // Both went to p1, preferred; its answer names A, the subquery's first shard.
    const moved = coordinator.step(answer('p1', A, 3, { ok: false, retryable: true, error: 'store failed' }));
    expect(subqueries(moved)).toEqual([
      ['p2', [A]],
      ['p3', [B]],
    ]);
    // An answer naming B alone from p1 is stale: dropped.
    expect(finished(coordinator.step(answer('p1', B, 4)))).toBeUndefined();
    coordinator.step(answer('p2', A, 5));
    const done = finished(coordinator.step(answer('p3', B, 6)));
    expect(done?.type === 'finished' && done.outcome.ok && done.outcome.answers.map((a) => [a.holder, a.attempts])).toEqual([
      ['p2', 2],
      ['p3', 2],
    ]);
  });

  it('runs a together query on one holder of every shard, moves it whole, and fails naming the shards when no such holder is left', () => {
    const coordinator = new QueryCoordinator('self');
    const start = coordinator.step(
      startEvent(
        [
      { shard: A, sql: 'x', holders: ['p1', 'p2', 'p3'] },
      { shard: B, sql: 'x', holders: ['p3', 'p2'] },
        ], { together: true },
      ),
    );
    // In task order, every time: the SQL may name each shard by its place.
    expect(subqueries(start)).toEqual([['p2', [A, B]]]);
    expect(subqueries(coordinator.step({ type: 'peer-gone', now: 1, peer: 'p2' }))).toEqual([['p3', [A, B]]]);
    const done = finished(coordinator.step(answer('p3', A, 2, { ok: false, retryable: true, error: 'not held here' })));
    expect(done?.type === 'finished' && !done.outcome.ok && done.outcome.missingShards).toEqual([A, B]);
  });
});
