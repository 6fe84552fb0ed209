import { QueryCoordinator, type QueryEffect, type QueryEvent, type ShardAnswer, type SubqueryTask } from '../../engine/query/query-coordinator';
import { decodeQueryMessage, encodeQueryMessage, resultMessages, type QueryMessage, type VectorJob } from '../../engine/query/query-messages';
import { QueryFailedError } from './query-failed-error';
import { runSubquery, type ShardSource, type SubqueryOutcome } from './subquery-runner';

/** What the query service needs from the worker. */
export interface QueryServiceHost {
  readonly self: string;
  send(to: string, bytes: Uint8Array): void;
  readonly shards: ShardSource;
  now(): number;
  schedule(afterMs: number, run: () => void): void;
  /** A peer sent a frame that does not parse. */
  rejected(peer: string, reason: string): void;
}

/** Overall deadline of one query. */
export const QUERY_DEADLINE_MS = 60_000;
/**
 * Subqueries one peer may have running here at once: an asker sends one per query, so only a
 * buggy or hostile peer reaches this; more are refused (retryable: the asker may try another
 * replica) rather than queued behind each other on this tab's DuckDB.
 */
export const MAX_SUBQUERIES_PER_PEER = 8;

type ResultPart = Extract<QueryMessage, { type: 'subquery-result' }>;

/**
 * The worker's query traffic, both ways: as a holder it runs subqueries on its own shards and
 * answers in parts; as an asker it drives the QueryCoordinator (sending subqueries, running
 * its own shards locally, reassembling answers) and settles each coordinate() call.
 */
export class QueryService {
  private readonly coordinator: QueryCoordinator;
  private readonly waiting = new Map<string, { resolve: (answers: readonly ShardAnswer[]) => void; reject: (error: Error) => void }>();
  private readonly assembling = new Map<string, ResultPart[]>();
  /** Subqueries running here, per asking peer. */
  private readonly serving = new Map<string, number>();
  private queries = 0;

  constructor(private readonly host: QueryServiceHost) {
    this.coordinator = new QueryCoordinator(host.self);
  }

  /**
   * Runs each task on one holder; resolves with every shard's answer or rejects naming the
   * missing ones. `together`: all tasks in one subquery on one holder that has every shard.
   */
  coordinate(tasks: readonly SubqueryTask[], options: { together?: boolean; deadlineMs?: number } = {}): Promise<readonly ShardAnswer[]> {
    const query = `${this.host.self.slice(-8)}-${this.queries++}`;
    const answers = new Promise<readonly ShardAnswer[]>((resolve, reject) => this.waiting.set(query, { resolve, reject }));
    this.step({ type: 'start', now: this.host.now(), query, tasks, deadlineMs: options.deadlineMs ?? QUERY_DEADLINE_MS, together: options.together ?? false });
    return answers;
  }

  /** A query frame from a peer. */
  onFrame(from: string, bytes: Uint8Array): void {
    let message: QueryMessage;
    try {
      message = decodeQueryMessage(bytes);
    } catch (error) {
      this.host.rejected(from, error instanceof Error ? error.message : String(error));
      return;
    }
    if (message.type === 'subquery') void this.serve(from, message);
    else this.onResultPart(from, message);
  }

  /** A peer left the mesh: shards it was running move to other replicas now. */
  peerGone(peer: string): void {
    this.step({ type: 'peer-gone', now: this.host.now(), peer });
  }

  private async serve(asker: string, { query, shards, sql, vector }: Extract<QueryMessage, { type: 'subquery' }>): Promise<void> {
    const running = this.serving.get(asker) ?? 0;
    let outcome: SubqueryOutcome;
    if (running >= MAX_SUBQUERIES_PER_PEER) {
      outcome = { ok: false, retryable: true, error: `busy: ${running} subqueries from you are already running here`, ms: 0 };
    } else {
      this.serving.set(asker, running + 1);
      try {
        outcome = await this.run(shards, sql, vector);
      } finally {
        const left = (this.serving.get(asker) ?? 1) - 1;
        if (left > 0) this.serving.set(asker, left);
        else this.serving.delete(asker);
      }
    }
    for (const message of resultMessages(query, shards[0] ?? '', outcome)) this.host.send(asker, encodeQueryMessage(message));
  }

  /** One subquery on shards of this tab, asked by this tab, with no coordination (a whole query here). */
  runHere(shards: readonly string[], sql: string): Promise<SubqueryOutcome> {
    return this.run(shards, sql, undefined);
  }

  /** One subquery on shards of this tab (see runSubquery). */
  private run(shards: readonly string[], sql: string, vector: VectorJob | undefined): Promise<SubqueryOutcome> {
    return runSubquery(this.host.shards, shards, sql, () => this.host.now(), vector);
  }

  private onResultPart(from: string, part: ResultPart): void {
    const key = `${part.query}|${part.shard}|${from}`;
    const parts = this.assembling.get(key) ?? [];
    if (parts.some((known) => known.part === part.part || known.parts !== part.parts)) return;
    parts.push(part);
    if (parts.length < part.parts) {
      this.assembling.set(key, parts);
      return;
    }
    this.assembling.delete(key);
    parts.sort((a, b) => a.part - b.part);
    const bytes = new Uint8Array(parts.reduce((total, known) => total + known.bytes.length, 0));
    let offset = 0;
    for (const known of parts) {
      bytes.set(known.bytes, offset);
      offset += known.bytes.length;
    }
    const { query, shard, ok, retryable, error, ms } = part;
    this.step({ type: 'answer', now: this.host.now(), query, shard, from, ok, retryable, error, holderMs: ms, bytes });
  }

  private step(event: QueryEvent): void {
    for (const effect of this.coordinator.step(event)) this.perform(effect);
  }

  /** This tab's own answer for one of its shards, as the coordinator takes a holder's. */
  private answerLocally(query: string, shard: string, outcome: SubqueryOutcome): void {
    const failure = outcome.ok ? { retryable: false, error: '' } : { retryable: outcome.retryable, error: outcome.error };
    const bytes = outcome.ok ? outcome.bytes : new Uint8Array(0);
    this.step({ type: 'answer', now: this.host.now(), query, shard, from: this.host.self, ok: outcome.ok, ...failure, holderMs: outcome.ms, bytes });
  }

  private perform(effect: QueryEffect): void {
    switch (effect.type) {
      case 'send':
        this.host.send(effect.to, effect.bytes);
        return;
      case 'run-local':
        void this.run(effect.shards, effect.sql, effect.vector).then((outcome) => this.answerLocally(effect.query, effect.shards[0] ?? '', outcome));
        return;
      case 'schedule-tick':
        this.host.schedule(Math.max(0, effect.afterMs), () => this.step({ type: 'tick', now: this.host.now() }));
        return;
      case 'finished': {
        const waiter = this.waiting.get(effect.query);
        this.waiting.delete(effect.query);
        for (const key of [...this.assembling.keys()]) if (key.startsWith(`${effect.query}|`)) this.assembling.delete(key);
        if (!waiter) return;
        if (effect.outcome.ok) waiter.resolve(effect.outcome.answers);
        else waiter.reject(new QueryFailedError(effect.outcome.error, effect.outcome.missingShards));
      }
    }
  }
}
