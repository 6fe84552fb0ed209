import { manifestIsAuthentic } from '../catalog/manifest';
import { markVerified, pieceHashes, sha256Hex } from '../content-id';
import type { Clock } from '../ports/clock';
import type { ManifestStore } from '../ports/manifest-store';
import type { ShardStore } from '../ports/shard-store';
import type { EngineEffect, EngineEvent } from './engine-io';
import type { EngineNode } from './engine-node';

/** What performing the engine's effects needs from the host (tab worker, simulator, headless peer). */
export interface EngineHost {
  readonly clock: Clock;
  readonly store: ShardStore;
  readonly manifests: ManifestStore;
  /** Hands bytes to the mesh for `to`; a failure is the same as a lost message. */
  send(to: string, bytes: Uint8Array): Promise<void>;
  /** Runs `run` after `delayMs` (a timer in a tab, virtual time in tests). */
  schedule(delayMs: number, run: () => void): void;
  /** A peer misbehaved (bad data, malformed messages). */
  penalize(peer: string, reason: string): void;
  /** The node has handed off its shards and left. */
  left(): void;
  /** A fetch the host asked for (`fetch-shard`) is over. */
  fetched(request: number, bytes: Uint8Array | undefined, error: string): void;
}

/**
 * Drives one engine node: feeds it events and performs the effects it returns, stepping each
 * result back in as an event. Store effects of one shard run in the order they were emitted
 * (the node's record of what it holds relies on it). After `stop`, late results are dropped.
 */
export class EngineDriver {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly shardQueues = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly engine: EngineNode,
    private readonly host: EngineHost,
  ) {}

  step(event: EngineEvent): void {
    if (this.stopped) return;
    for (const effect of this.engine.step(event)) this.perform(effect);
  }

  /** Resolves when every effect under way has finished (for tests and orderly shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Stops feeding the node; results still under way are dropped. */
  stop(): void {
    this.stopped = true;
  }

  private perform(effect: EngineEffect): void {
    const { store } = this.host;
    const now = (): number => this.host.clock.now();
    switch (effect.type) {
      case 'send':
        this.later(async () => {
          await this.host.send(effect.to, effect.bytes).catch(() => undefined);
          return undefined;
        });
        return;
      case 'check-manifests':
        this.later(async () => {
          const checks = await Promise.all(effect.manifests.map((manifest) => manifestIsAuthentic(manifest)));
          const authentic = effect.manifests.filter((_, i) => checks[i]);
          return { type: 'manifests-checked', now: now(), from: effect.from, authentic, forged: effect.manifests.length - authentic.length };
        });
        return;
      case 'store-shard':
        this.later(async () => {
          // Every piece was checked against a piece list that hashed to the shard id.
          if (effect.pieces.length > 0) markVerified(effect.bytes, effect.pieces);
          const result = await store.put(effect.shard, effect.bytes).then(
            () => ({ ok: true, reason: '' }),
            (error: Error) => ({ ok: false, reason: `${error.name}: ${error.message}` }),
          );
          return { type: 'shard-stored', now: now(), shard: effect.shard, from: effect.from, ...result, capacity: await store.capacity() };
        }, effect.shard);
        return;
      case 'read-shard':
        this.later(async () => {
          const result = await store.get(effect.shard).then(
            async (bytes) => ({ bytes, hashes: effect.purpose === 'serve' ? await pieceHashes(bytes) : [], error: '' }),
            (error: Error) => ({ bytes: undefined, hashes: [], error: `${error.name}: ${error.message}` }),
          );
          const request = effect.request === undefined ? {} : { request: effect.request };
          return { type: 'shard-read', now: now(), shard: effect.shard, purpose: effect.purpose, ...request, ...result };
        }, effect.shard);
        return;
      case 'check-digest':
        this.later(async () => {
          const ok = (await sha256Hex(effect.bytes)) === effect.expected;
          return { type: 'digest-checked', now: now(), check: effect.check, ok, bytes: effect.bytes };
        });
        return;
      case 'fetched-shard':
        this.host.fetched(effect.request, effect.bytes, effect.error);
        return;
      case 'delete-shard':
        this.later(async () => {
          await store.delete(effect.shard);
          return { type: 'shard-deleted', now: now(), shard: effect.shard, capacity: await store.capacity() };
        }, effect.shard);
        return;
      case 'save-manifest':
        this.later(async () => {
          await this.host.manifests.save(effect.manifest);
          return undefined;
        });
        return;
      case 'schedule-tick':
        this.host.schedule(effect.afterMs, () => this.step({ type: 'tick', now: now() }));
        return;
      case 'penalize':
        this.host.penalize(effect.peer, effect.reason);
        return;
      case 'left':
        this.host.left();
        return;
    }
  }

  private later(work: () => Promise<EngineEvent | undefined>, shard?: string): void {
    const previous = shard === undefined ? undefined : this.shardQueues.get(shard);
    const ordered = previous ? () => previous.then(work, work) : work;
    const promise = ordered()
      .then((event) => {
        if (event) this.step(event);
      })
      .finally(() => {
        this.inFlight.delete(promise);
        if (shard !== undefined && this.shardQueues.get(shard) === promise) this.shardQueues.delete(shard);
      });
    this.inFlight.add(promise);
    if (shard !== undefined) this.shardQueues.set(shard, promise);
  }
}
