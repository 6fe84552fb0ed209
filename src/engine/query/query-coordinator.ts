import { encodeQueryMessage, type VectorJob } from './query-messages';

// The asking side of a federated query, as a pure state machine: each shard goes to exactly
// one holder at a time (this tab first when it holds the shard, then the least loaded live
// holder), a holder that fails, refuses or misses its deadline hands the shard to the next
// replica, a per-peer circuit breaker skips peers that keep failing, and an overall deadline
// bounds the whole query. A query never answers with a shard missing: it fails naming it.
// Shards given to one holder in one step go in one subquery (a "unit"): the holder runs the SQL
// once over their union, and the unit's answer stands for all of them. A unit that fails moves
// on shard by shard, so its shards may regroup on other holders.

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
  /**
   * The shard whose `bytes` hold this shard's rows: itself, or the first shard of the subquery
   * it ran in (then its own `bytes` are empty).
   */
  readonly coveredBy: string;
  readonly holder: string;
  readonly holderMs: number;
  readonly elapsedMs: number;
  readonly attempts: number;
  readonly bytes: Uint8Array;
}

export type QueryEvent =
  /**
   * `together`: every shard must run in one subquery on one holder that holds them all (the
   * holder's answer is then the whole result), naming the shards in task order (its SQL may
   * refer to each by its place); the query fails when no such holder is left.
   */
  | { readonly type: 'start'; readonly now: number; readonly query: string; readonly tasks: readonly SubqueryTask[]; readonly deadlineMs: number; readonly together?: boolean }
  /** A holder's (or this tab's own) answer for one subquery, reassembled. */
  | {
      readonly type: 'answer';
      readonly now: number;
      readonly query: string;
      /** The first shard the subquery named. */
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
  /** Run on this tab's own shards; answer with the first shard's id. */
  | { readonly type: 'run-local'; readonly query: string; readonly shards: readonly string[]; readonly sql: string; readonly vector?: VectorJob }
  | { readonly type: 'finished'; readonly query: string; readonly outcome: QueryOutcome }
  | { readonly type: 'schedule-tick'; readonly afterMs: number };

interface ShardState {
  readonly task: SubqueryTask;
  readonly tried: Set<string>;
  holder: string | undefined;
  /** The first shard of the subquery this shard was last sent in. */
  unit: string;
  sentAt: number;
  attempts: number;
  firstSentAt: number;
  answer: ShardAnswer | undefined;
}

interface QueryState {
  readonly shards: Map<string, ShardState>;
  readonly deadlineAt: number;
  readonly reasons: string[];
  readonly together: boolean;
}

export class QueryCoordinator {
  private readonly queries = new Map<string, QueryState>();
  /** Subqueries in flight per holder, across queries: "least loaded". */
  private readonly inFlight = new Map<string, number>();
  private readonly breakers = new Map<string, { failures: number; openUntil: number }>();
  /** Shards assigned during the current step, sent as one subquery per holder when it ends. */
  private assigned: { query: string; shard: ShardState }[] = [];

  constructor(
    private readonly self: string,
    private readonly settings: QuerySettings = defaultQuerySettings,
  ) {}

  step(event: QueryEvent): QueryEffect[] {
    const effects: QueryEffect[] = [];
    switch (event.type) {
      case 'start':
        this.start(event.query, event.tasks, event.now, event.now + event.deadlineMs, event.together ?? false, effects);
        break;
      case 'answer':
        this.onAnswer(event, effects);
        break;
      case 'peer-gone':
        for (const [query, state] of [...this.queries]) {
          const lost = [...state.shards.values()].filter((shard) => shard.holder === event.peer && !shard.answer);
          if (lost.length > 0) this.retry(query, state, lost, `${event.peer} left`, event.now, effects);
        }
        break;
      case 'tick':
        this.onTick(event.now, effects);
        break;
    }
    this.sendAssigned(effects);
    return effects;
  }

  /** Queries still running (for tests and the UI). */
  running(): string[] {
    return [...this.queries.keys()];
  }

  private start(query: string, tasks: readonly SubqueryTask[], now: number, deadlineAt: number, together: boolean, effects: QueryEffect[]): void {
    const state: QueryState = { shards: new Map(), deadlineAt, reasons: [], together };
    this.queries.set(query, state);
    for (const task of tasks) state.shards.set(task.shard, { task, tried: new Set(), holder: undefined, unit: task.shard, sentAt: now, attempts: 0, firstSentAt: now, answer: undefined });
    this.assign(query, state, [...state.shards.values()], now);
    this.finishIfDone(query, state, effects);
    if (this.queries.has(query)) effects.push({ type: 'schedule-tick', afterMs: Math.min(this.settings.attemptTimeoutMs, deadlineAt - now) });
  }

  /** Gives each shard its next holder (all to one holder that has them all, in a together query), or records that none is left. */
  private assign(query: string, state: QueryState, shards: readonly ShardState[], now: number): void {
    if (!state.together) {
      for (const shard of shards) this.assignTo(query, shard, this.nextHolder(shard, now), now);
      return;
    }
    const all = [...state.shards.values()];
    const [first] = all;
    const holder = first && this.nextHolder(first, now, (peer) => all.every((shard) => shard.task.holders.includes(peer) && !shard.tried.has(peer)));
    for (const shard of all) this.assignTo(query, shard, holder, now);
  }

  private assignTo(query: string, shard: ShardState, holder: string | undefined, now: number): void {
    shard.holder = holder;
    if (holder === undefined) return;
    shard.tried.add(holder);
    shard.attempts++;
    shard.sentAt = now;
    this.inFlight.set(holder, (this.inFlight.get(holder) ?? 0) + 1);
    this.assigned.push({ query, shard });
  }

  /** One subquery per holder for the shards assigned in this step (vector jobs alone: their row numbers are per shard). */
  private sendAssigned(effects: QueryEffect[]): void {
    const units = new Map<string, { query: string; holder: string; shards: ShardState[] }>();
    for (const { query, shard } of this.assigned) {
      if (!this.queries.has(query) || shard.holder === undefined || shard.answer) continue;
      const key = shard.task.vector ? `${query}\n${shard.task.shard}` : `${query}\n${shard.holder}\n${shard.task.sql}`;
      const unit = units.get(key) ?? { query, holder: shard.holder, shards: [] };
      unit.shards.push(shard);
      units.set(key, unit);
    }
    this.assigned = [];
    for (const { query, holder, shards } of units.values()) {
      const first = shards[0] as ShardState;
      for (const shard of shards) shard.unit = first.task.shard;
      const { sql, vector } = first.task;
      const work = { shards: shards.map((shard) => shard.task.shard), sql, ...(vector ? { vector } : {}) };
      if (holder === this.self) effects.push({ type: 'run-local', query, ...work });
      else effects.push({ type: 'send', to: holder, bytes: encodeQueryMessage({ type: 'subquery', query, ...work }) });
    }
  }

  /**
   * Preferred holders first, then this tab; then closed breakers before open ones, a holder this
   * step already gives shards of the same SQL to (the shard joins that subquery, adding no round
   * trip and no holder to wait for), the least loaded, the best ranked.
   */
  private nextHolder(shard: ShardState, now: number, eligible: (peer: string) => boolean = () => true): string | undefined {
    const all = shard.task.holders.filter((holder) => !shard.tried.has(holder) && eligible(holder));
    const preferred = all.filter((holder) => shard.task.prefer?.has(holder));
    const left = preferred.length > 0 ? preferred : all;
    if (left.includes(this.self)) return this.self;
    const open = (peer: string): number => ((this.breakers.get(peer)?.openUntil ?? 0) > now ? 1 : 0);
    const joining = new Set(shard.task.vector ? [] : this.assigned.filter((entry) => !entry.shard.task.vector && entry.shard.task.sql === shard.task.sql).map((entry) => entry.shard.holder));
    const joins = (peer: string): number => (joining.has(peer) ? 0 : 1);
    const rank = (peer: string): number => shard.task.holders.indexOf(peer);
    return [...left].sort((a, b) => open(a) - open(b) || joins(a) - joins(b) || (this.inFlight.get(a) ?? 0) - (this.inFlight.get(b) ?? 0) || rank(a) - rank(b))[0];
  }

  private onAnswer(event: Extract<QueryEvent, { type: 'answer' }>, effects: QueryEffect[]): void {
    const state = this.queries.get(event.query);
    // Late answers (from a holder the shards already moved on from) are dropped.
    const unit = state ? [...state.shards.values()].filter((shard) => shard.unit === event.shard && shard.holder === event.from && !shard.answer) : [];
    if (!state || unit.length === 0) return;
    if (event.ok) {
      this.breakers.delete(event.from);
      for (const shard of unit) {
        this.release(event.from);
        const own = shard.task.shard === event.shard;
        shard.answer = {
          shard: shard.task.shard,
          coveredBy: event.shard,
          holder: event.from,
          holderMs: event.holderMs,
          elapsedMs: event.now - shard.firstSentAt,
          attempts: shard.attempts,
          bytes: own ? event.bytes : new Uint8Array(0),
        };
      }
      this.finishIfDone(event.query, state, effects);
      return;
    }
    if (!event.retryable) {
      this.fail(event.query, event.error, [], effects);
      return;
    }
    this.recordFailure(event.from, event.now);
    this.retry(event.query, state, unit, `${event.from}: ${event.error}`, event.now, effects);
  }

  private onTick(now: number, effects: QueryEffect[]): void {
    for (const [query, state] of [...this.queries]) {
      if (now >= state.deadlineAt) {
        const missing = [...state.shards.values()].filter((shard) => !shard.answer).map((shard) => shard.task.shard);
        this.fail(query, `the query's deadline passed with ${missing.length} shard(s) unanswered`, missing, effects);
        continue;
      }
      const late = [...state.shards.values()].filter((shard) => !shard.answer && shard.holder !== undefined && now - shard.sentAt >= this.settings.attemptTimeoutMs);
      for (const holder of new Set(late.map((shard) => shard.holder as string))) this.recordFailure(holder, now);
      if (late.length > 0) this.retry(query, state, late, `${[...new Set(late.map((shard) => shard.holder))].join(', ')} did not answer within ${this.settings.attemptTimeoutMs} ms`, now, effects);
    }
    if (this.queries.size > 0) effects.push({ type: 'schedule-tick', afterMs: 1_000 });
  }

  /** Releases the shards from their holders and moves them on (all of a together query's shards move as one). */
  private retry(query: string, state: QueryState, shards: readonly ShardState[], reason: string, now: number, effects: QueryEffect[]): void {
    state.reasons.push(reason);
    const moving = state.together ? [...state.shards.values()].filter((shard) => !shard.answer) : shards;
    for (const shard of moving) if (shard.holder !== undefined) this.release(shard.holder);
    this.assign(query, state, moving, now);
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
