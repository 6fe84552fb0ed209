import { encodeQueryMessage, type VectorJob } from './query-messages';

// The asking side of a federated query, as a pure state machine: each shard goes to exactly
// one holder at a time (this tab first when it holds the shard, then the least loaded live
// holder), a holder that fails, refuses or misses its deadline hands the shard to the next
// replica, a per-peer circuit breaker skips peers that keep failing, and an overall deadline
// bounds the whole query. A query never answers with a shard missing: it fails naming it.

export interface QuerySettings {
  /** One holder's time to answer for one shard before the shard goes to the next holder. */
  readonly attemptTimeoutMs: number;
  /** Consecutive failures that open a peer's breaker. */
  readonly breakerFailures: number;
  /** How long an open breaker keeps a peer out (it is still tried when no one else is left). */
  readonly breakerOpenMs: number;
}

export const defaultQuerySettings: QuerySettings = { attemptTimeoutMs: 15_000, breakerFailures: 2, breakerOpenMs: 30_000 };

/** One shard's part of a query: the SQL to run on it and who holds it (this tab's id included if it does). */
export interface SubqueryTask {
  readonly shard: string;
  readonly sql: string;
  /** Score the SQL's rows as vectors and answer the top k, instead of the rows. */
  readonly vector?: VectorJob;
  /** Live holders, best rank first. */
  readonly holders: readonly string[];
  /** Holders to use before any other, this tab included (e.g. WebGPU tabs for vector work). */
  readonly prefer?: ReadonlySet<string>;
}

/** A shard's answer as the query reports it: who ran it, how long it took there and in all. */
export interface ShardAnswer {
  readonly shard: string;
  readonly holder: string;
  readonly holderMs: number;
  readonly elapsedMs: number;
  readonly attempts: number;
  readonly bytes: Uint8Array;
}

export type QueryEvent =
  | { readonly type: 'start'; readonly now: number; readonly query: string; readonly tasks: readonly SubqueryTask[]; readonly deadlineMs: number }
  /** A holder's (or this tab's own) answer for one shard, reassembled. */
  | {
      readonly type: 'answer';
      readonly now: number;
      readonly query: string;
      readonly shard: string;
      readonly from: string;
      readonly ok: boolean;
      readonly retryable: boolean;
      readonly error: string;
      readonly holderMs: number;
      readonly bytes: Uint8Array;
    }
  /** A peer is gone (left the mesh): its shards move on now rather than at their deadline. */
  | { readonly type: 'peer-gone'; readonly now: number; readonly peer: string }
  | { readonly type: 'tick'; readonly now: number };

export type QueryOutcome =
  | { readonly ok: true; readonly answers: readonly ShardAnswer[] }
  | { readonly ok: false; readonly error: string; readonly missingShards: readonly string[] };

export type QueryEffect =
  | { readonly type: 'send'; readonly to: string; readonly bytes: Uint8Array }
  | { readonly type: 'run-local'; readonly query: string; readonly shard: string; readonly sql: string; readonly vector?: VectorJob }
  | { readonly type: 'finished'; readonly query: string; readonly outcome: QueryOutcome }
  | { readonly type: 'schedule-tick'; readonly afterMs: number };

interface ShardState {
  readonly task: SubqueryTask;
  readonly tried: Set<string>;
  holder: string | undefined;
  sentAt: number;
  attempts: number;
  firstSentAt: number;
  answer: ShardAnswer | undefined;
}

interface QueryState {
  readonly shards: Map<string, ShardState>;
  readonly deadlineAt: number;
  readonly reasons: string[];
}

export class QueryCoordinator {
  private readonly queries = new Map<string, QueryState>();
  /** Subqueries in flight per holder, across queries: "least loaded". */
  private readonly inFlight = new Map<string, number>();
  private readonly breakers = new Map<string, { failures: number; openUntil: number }>();

  constructor(
    private readonly self: string,
    private readonly settings: QuerySettings = defaultQuerySettings,
  ) {}

  step(event: QueryEvent): QueryEffect[] {
    const effects: QueryEffect[] = [];
    switch (event.type) {
      case 'start':
        this.start(event.query, event.tasks, event.now, event.now + event.deadlineMs, effects);
        break;
      case 'answer':
        this.onAnswer(event, effects);
        break;
      case 'peer-gone':
        for (const [query, state] of this.queries) {
          for (const shard of state.shards.values()) {
            if (shard.holder !== event.peer || shard.answer) continue;
            this.release(event.peer);
            this.retry(query, state, shard, `${event.peer} left`, event.now, effects);
          }
        }
        break;
      case 'tick':
        this.onTick(event.now, effects);
        break;
    }
    return effects;
  }

  /** Queries still running (for tests and the UI). */
  running(): string[] {
    return [...this.queries.keys()];
  }

  private start(query: string, tasks: readonly SubqueryTask[], now: number, deadlineAt: number, effects: QueryEffect[]): void {
    const state: QueryState = { shards: new Map(), deadlineAt, reasons: [] };
    this.queries.set(query, state);
    for (const task of tasks) state.shards.set(task.shard, { task, tried: new Set(), holder: undefined, sentAt: now, attempts: 0, firstSentAt: now, answer: undefined });
    for (const shard of state.shards.values()) this.assign(query, shard, now, effects);
    this.finishIfDone(query, state, effects);
    if (this.queries.has(query)) effects.push({ type: 'schedule-tick', afterMs: Math.min(this.settings.attemptTimeoutMs, deadlineAt - now) });
  }

  /** Sends the shard to its next holder, or records that none is left. */
  private assign(query: string, shard: ShardState, now: number, effects: QueryEffect[]): void {
    const holder = this.nextHolder(shard, now);
    shard.holder = holder;
    if (holder === undefined) return;
    shard.tried.add(holder);
    shard.attempts++;
    shard.sentAt = now;
    this.inFlight.set(holder, (this.inFlight.get(holder) ?? 0) + 1);
    const { sql, vector } = shard.task;
    const work = vector ? { sql, vector } : { sql };
    if (holder === this.self) effects.push({ type: 'run-local', query, shard: shard.task.shard, ...work });
    else effects.push({ type: 'send', to: holder, bytes: encodeQueryMessage({ type: 'subquery', query, shard: shard.task.shard, ...work }) });
  }

  /** Preferred holders first, then this tab; then closed breakers before open ones, the least loaded, the best ranked. */
  private nextHolder(shard: ShardState, now: number): string | undefined {
    const all = shard.task.holders.filter((holder) => !shard.tried.has(holder));
    const preferred = all.filter((holder) => shard.task.prefer?.has(holder));
    const left = preferred.length > 0 ? preferred : all;
    if (left.includes(this.self)) return this.self;
    const open = (peer: string): number => ((this.breakers.get(peer)?.openUntil ?? 0) > now ? 1 : 0);
    const rank = (peer: string): number => shard.task.holders.indexOf(peer);
    return [...left].sort((a, b) => open(a) - open(b) || (this.inFlight.get(a) ?? 0) - (this.inFlight.get(b) ?? 0) || rank(a) - rank(b))[0];
  }

  private onAnswer(event: Extract<QueryEvent, { type: 'answer' }>, effects: QueryEffect[]): void {
    const state = this.queries.get(event.query);
    const shard = state?.shards.get(event.shard);
    // Late answers (from a holder the shard already moved on from) are dropped.
    if (!state || !shard || shard.answer || shard.holder !== event.from) return;
    this.release(event.from);
    if (event.ok) {
      this.breakers.delete(event.from);
      shard.answer = { shard: event.shard, holder: event.from, holderMs: event.holderMs, elapsedMs: event.now - shard.firstSentAt, attempts: shard.attempts, bytes: event.bytes };
      this.finishIfDone(event.query, state, effects);
      return;
    }
    if (!event.retryable) {
      this.fail(event.query, event.error, [], effects);
      return;
    }
    this.recordFailure(event.from, event.now);
    this.retry(event.query, state, shard, `${event.from}: ${event.error}`, event.now, effects);
  }

  private onTick(now: number, effects: QueryEffect[]): void {
    for (const [query, state] of [...this.queries]) {
      if (now >= state.deadlineAt) {
        const missing = [...state.shards.values()].filter((shard) => !shard.answer).map((shard) => shard.task.shard);
        this.fail(query, `the query's deadline passed with ${missing.length} shard(s) unanswered`, missing, effects);
        continue;
      }
      for (const shard of state.shards.values()) {
        if (shard.answer || shard.holder === undefined || now - shard.sentAt < this.settings.attemptTimeoutMs) continue;
        this.release(shard.holder);
        this.recordFailure(shard.holder, now);
        this.retry(query, state, shard, `${shard.holder} did not answer within ${this.settings.attemptTimeoutMs} ms`, now, effects);
      }
    }
    if (this.queries.size > 0) effects.push({ type: 'schedule-tick', afterMs: 1_000 });
  }

  private retry(query: string, state: QueryState, shard: ShardState, reason: string, now: number, effects: QueryEffect[]): void {
    state.reasons.push(reason);
    this.assign(query, shard, now, effects);
    this.finishIfDone(query, state, effects);
  }

  private finishIfDone(query: string, state: QueryState, effects: QueryEffect[]): void {
    const stuck = [...state.shards.values()].filter((shard) => !shard.answer && shard.holder === undefined);
    if (stuck.length > 0) {
      const tried = state.reasons.length > 0 ? ` (${state.reasons.slice(-3).join('; ')})` : '';
      const names = stuck.map((shard) => shard.task.shard);
      this.fail(query, `no live holder could answer for shard(s) ${names.map((id) => id.slice(0, 12)).join(', ')}: every replica is gone or failed${tried}`, names, effects);
      return;
    }
    if ([...state.shards.values()].every((shard) => shard.answer)) {
      this.queries.delete(query);
      effects.push({ type: 'finished', query, outcome: { ok: true, answers: [...state.shards.values()].map((shard) => shard.answer as ShardAnswer) } });
    }
  }

  private fail(query: string, error: string, missingShards: readonly string[], effects: QueryEffect[]): void {
    const state = this.queries.get(query);
    if (!state) return;
    for (const shard of state.shards.values()) if (!shard.answer && shard.holder !== undefined) this.release(shard.holder);
    this.queries.delete(query);
    effects.push({ type: 'finished', query, outcome: { ok: false, error, missingShards } });
  }

  private release(holder: string): void {
    const count = (this.inFlight.get(holder) ?? 1) - 1;
    if (count <= 0) this.inFlight.delete(holder);
    else this.inFlight.set(holder, count);
  }

  private recordFailure(peer: string, now: number): void {
    if (peer === this.self) return;
    const breaker = this.breakers.get(peer) ?? { failures: 0, openUntil: 0 };
    breaker.failures++;
    if (breaker.failures >= this.settings.breakerFailures) breaker.openUntil = now + this.settings.breakerOpenMs;
    this.breakers.set(peer, breaker);
  }
}
