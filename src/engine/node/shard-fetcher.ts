import type { EngineEffect } from './engine-io';
import type { EngineMessage } from './messages';

interface PendingFetch {
  readonly shard: string;
  /** Holders still to try, best first. */
  readonly remaining: string[];
  current: string | undefined;
  askedAt: number;
  readonly failures: string[];
}

/**
 * Fetches shard bytes for this node: from its own store first, then from live holders in rank
 * order, moving to the next on a refusal, a timeout or bytes that fail their hash (whose
 * sender is penalized). Only when every holder failed does the fetch fail, naming why.
 */
export class ShardFetcher {
  private readonly pending = new Map<number, PendingFetch>();

  constructor(
    private readonly self: string,
    private readonly timeoutMs: number,
    private readonly send: (to: string, message: EngineMessage) => EngineEffect,
  ) {}

  /** Starts a fetch over `holders` (best first; this node's id means its own store). */
  start(request: number, shard: string, holders: readonly string[], now: number, effects: EngineEffect[]): void {
    this.pending.set(request, { shard, remaining: [...holders], current: undefined, askedAt: now, failures: [] });
    this.next(request, now, effects);
  }

  /** This node's own read finished. */
  onLocalRead(request: number, bytes: Uint8Array | undefined, error: string, now: number, effects: EngineEffect[]): void {
    const fetch = this.pending.get(request);
    if (!fetch || fetch.current !== this.self) return;
    if (bytes) return this.finish(request, bytes, '', effects);
    fetch.failures.push(`local copy: ${error}`);
    this.next(request, now, effects);
  }

  /** A holder answered; good bytes still need their hash checked. */
  onData(from: string, request: number, ok: boolean, reason: string, bytes: Uint8Array, now: number, effects: EngineEffect[]): void {
    const fetch = this.pending.get(request);
    if (!fetch || fetch.current !== from) return;
    if (ok) {
      effects.push({ type: 'verify-fetched', request, shard: fetch.shard, from, bytes });
      return;
    }
    fetch.failures.push(`${from}: ${reason}`);
    this.next(request, now, effects);
  }

  /** The hash check of bytes from `from` came back. */
  onVerified(request: number, from: string, ok: boolean, bytes: Uint8Array, now: number, effects: EngineEffect[]): void {
    const fetch = this.pending.get(request);
    if (!fetch || fetch.current !== from) return;
    if (ok) return this.finish(request, bytes, '', effects);
    fetch.failures.push(`${from}: sent bytes that do not match the shard id`);
    effects.push({ type: 'penalize', peer: from, reason: `sent corrupt bytes for shard ${fetch.shard}` });
    this.next(request, now, effects);
  }

  /** Moves fetches whose holder stayed silent past the timeout on to the next holder. */
  tick(now: number, effects: EngineEffect[]): void {
    for (const [request, fetch] of this.pending) {
      if (fetch.current === undefined || fetch.current === this.self || now - fetch.askedAt < this.timeoutMs) continue;
      fetch.failures.push(`${fetch.current}: no answer within ${this.timeoutMs} ms`);
      this.next(request, now, effects);
    }
  }

  private next(request: number, now: number, effects: EngineEffect[]): void {
    const fetch = this.pending.get(request);
    if (!fetch) return;
    const holder = fetch.remaining.shift();
    if (holder === undefined) {
      const why = fetch.failures.length > 0 ? fetch.failures.join('; ') : 'no live node holds it';
      return this.finish(request, undefined, `shard ${fetch.shard} could not be fetched: ${why}`, effects);
    }
    fetch.current = holder;
    fetch.askedAt = now;
    if (holder === this.self) effects.push({ type: 'read-shard', shard: fetch.shard, to: this.self, request });
    else effects.push(this.send(holder, { type: 'shard-request', shard: fetch.shard, request }));
  }

  private finish(request: number, bytes: Uint8Array | undefined, error: string, effects: EngineEffect[]): void {
    const fetch = this.pending.get(request);
    if (!fetch) return;
    this.pending.delete(request);
    effects.push({ type: 'fetched-shard', request, shard: fetch.shard, bytes, error });
  }
}
