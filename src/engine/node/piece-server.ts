import { PIECE_BYTES } from '../content-id';
import { deflatePiece, type WirePiece } from '../piece-deflate';
import type { EngineEffect } from './engine-io';
import type { EngineMessage } from './messages';
import type { FinishedCopy, PartialCopy } from './shard-downloads';

/** A request for a shard's piece list (`index` undefined) or for one piece. */
interface PieceAsk {
  readonly from: string;
  readonly index: number | undefined;
}

interface ServedShard {
  readonly bytes: Uint8Array;
  readonly hashes: readonly string[];
  /** Pieces as they go on the wire, made on first request: each is deflated once, however many peers pull it. */
  readonly wire: (WirePiece | undefined)[];
  /** Memory the deflated pieces take besides the shard. */
  deflatedBytes: number;
  usedAt: number;
}

/** What a node has served since it started: plain bytes, bytes as sent, shards read ahead. */
export interface ServedTotals {
  readonly bytesServed: number;
  readonly wireBytesServed: number;
  readonly shardsWarmed: number;
  /** Of `bytesServed`, bytes passed on from copies this node was still receiving. */
  readonly bytesRelayed: number;
}

/** Shards kept in memory while peers pull them: enough for a few transfers at a time. */
export const SERVE_CACHE_BYTES = 64 * 1024 * 1024;
/** A shard nobody asked about for this long leaves the cache. */
const IDLE_MS = 15_000;
/** Requests kept waiting for pieces of one arriving copy (8 peers' windows); more are refused. */
const MAX_WAITING_FOR_ARRIVAL = 64;

/**
 * The holding side of shard transfers: answers piece-list and piece requests. A shard is read
 * from the store (verified) once per transfer and kept in a small cache while peers pull its
 * pieces, rather than read again for every piece; requests that arrive during the read wait
 * for it. Pieces go deflated when that makes them smaller (see piece-deflate). Bytes served
 * (plain, as the shard has them) are counted per shard, for progress; `wireBytesServed` counts
 * what went on the wire.
 *
 * A node also serves the verified pieces of a copy it is still receiving (`partialCopy`), and
 * keeps requests for pieces not yet arrived until they do: a peer whose link to the only
 * holder stalls (WebRTC associations do, one way, for seconds, while a new dataset's uploader
 * is the only holder) goes on from another receiver instead of waiting for a whole copy.
 */
export class PieceServer {
  /** Bytes served per shard, for the progress of the datasets they belong to. */
  readonly bytesServed = new Map<string, number>();
  /** Bytes of pieces as sent (deflated or not), over all shards. */
  wireBytesServed = 0;
  /** Shards read ahead of a transfer due soon (see warm), counted for tests and the bench. */
  shardsWarmed = 0;
  private readonly cache = new Map<string, ServedShard>();
  private readonly waiting = new Map<string, PieceAsk[]>();
  /** Shards being read ahead: their pieces are all deflated once the read is back. */
  private readonly warming = new Set<string>();
  /** Requests for pieces (or the list) of copies still arriving here, by shard. */
  private readonly awaitingArrival = new Map<string, PieceAsk[]>();
  private bytesRelayed = 0;

  constructor(
    private readonly send: (to: string, message: EngineMessage) => EngineEffect,
    /** What of a shard this node is still receiving is verified so far. */
    private readonly partialCopy: (shard: string) => PartialCopy | undefined = () => undefined,
  ) {}

  /** A peer asked for a piece list or a piece; `held` says whether this node has the shard. */
  onRequest(from: string, shard: string, index: number | undefined, held: boolean, now: number, effects: EngineEffect[]): void {
    const cached = this.cache.get(shard);
    if (cached) {
      cached.usedAt = now;
      return this.answer(from, shard, index, cached, '', effects);
    }
    if (!held) return this.relay({ from, index }, shard, now, effects);
    const queue = this.waiting.get(shard);
    if (queue) {
      queue.push({ from, index });
      return;
    }
    this.waiting.set(shard, [{ from, index }]);
    effects.push({ type: 'read-shard', shard, purpose: 'serve' });
  }

  /** The store read for serving came back: answer everyone waiting on it. */
  onRead(shard: string, bytes: Uint8Array | undefined, hashes: readonly string[], error: string, now: number, effects: EngineEffect[]): void {
    const queue = this.waiting.get(shard) ?? [];
    this.waiting.delete(shard);
    const served = bytes ? { bytes, hashes, wire: [], deflatedBytes: 0, usedAt: now } : undefined;
    if (served) {
      this.cache.set(shard, served);
      if (this.warming.has(shard)) this.deflateAll(served);
      this.evict(now, shard);
    }
    this.warming.delete(shard);
    for (const ask of queue) this.answer(ask.from, shard, ask.index, served, error, effects);
  }

  /**
   * Keeps a shard this node has just made (an upload's, hashed as it was cut) or received
   * ready to serve, so its first transfers wait on no store read and no second hash, and a
   * received copy's pieces go on as they came (`wire`), not deflated again. Up to the cache's size.
   */
  prime(shard: string, bytes: Uint8Array, hashes: readonly string[], now: number, wire: readonly (WirePiece | undefined)[] = []): void {
    if (this.cache.has(shard)) return;
    const deflatedBytes = wire.reduce((sum, piece) => sum + (piece?.deflated ? piece.bytes.length : 0), 0);
    this.cache.set(shard, { bytes, hashes, wire: [...wire], deflatedBytes, usedAt: now });
    this.evict(now, shard);
  }

  /**
   * Gets a shard this node will soon send ready now: read from the store, verified and every
   * piece deflated, so the transfer waits on none of that. For repairs: while a dead member's
   * grace runs out, its copies' next drivers are idle, and once it ends the same work sat on
   * the repair's critical path (traced: a survivor's first pieces took 50-110 ms each to read
   * and deflate under the load of the repair itself). Keeps the shard from going idle.
   */
  warm(shard: string, now: number, effects: EngineEffect[]): void {
    const cached = this.cache.get(shard);
    if (cached) {
      cached.usedAt = now;
      this.deflateAll(cached);
      return;
    }
    if (this.warming.has(shard)) return;
    this.warming.add(shard);
    this.shardsWarmed++;
    if (!this.waiting.has(shard)) {
      this.waiting.set(shard, []);
      effects.push({ type: 'read-shard', shard, purpose: 'serve' });
    }
  }

  /**
   * A copy arriving here verified more (or, `finished`, all of it: kept ready to serve, as it
   * is stored), or stopped growing: answers the requests waiting on it that it can.
   */
  onArrival(shard: string, finished: FinishedCopy | undefined, now: number, effects: EngineEffect[]): void {
    if (finished) this.prime(shard, finished.bytes, finished.hashes, now, finished.wire);
    const asks = this.awaitingArrival.get(shard);
    if (!asks) return;
    this.awaitingArrival.delete(shard);
    for (const ask of asks) this.relay(ask, shard, now, effects);
  }

  totals(): ServedTotals {
    let bytesServed = 0;
    for (const bytes of this.bytesServed.values()) bytesServed += bytes;
    return { bytesServed, wireBytesServed: this.wireBytesServed, shardsWarmed: this.shardsWarmed, bytesRelayed: this.bytesRelayed };
  }

  /** Forgets a shard this node no longer holds. */
  forget(shard: string): void {
    this.cache.delete(shard);
    this.warming.delete(shard);
  }

  tick(now: number): void {
    this.evict(now, undefined);
  }

  /** Answers a request for a shard not held here from the cache or the copy arriving, or keeps it until the piece is in. */
  private relay(ask: PieceAsk, shard: string, now: number, effects: EngineEffect[]): void {
    const cached = this.cache.get(shard);
    if (cached) {
      cached.usedAt = now;
      return this.answer(ask.from, shard, ask.index, cached, '', effects);
    }
    const partial = this.partialCopy(shard);
    if (!partial) return this.answer(ask.from, shard, ask.index, undefined, 'not held here', effects);
    const { hashes } = partial;
    if (hashes && ask.index === undefined) {
      effects.push(this.send(ask.from, { type: 'pieces', shard, ok: true, reason: '', size: partial.size, hashes }));
      return;
    }
    if (hashes && ask.index !== undefined) {
      if (ask.index >= hashes.length) return this.answer(ask.from, shard, ask.index, undefined, `no piece ${ask.index}`, effects);
      const piece = partial.piece(ask.index);
      if (piece) {
        this.bytesRelayed += piece.length;
        return this.sendPiece(ask.from, shard, ask.index, piece, partial.wirePiece(ask.index) ?? deflatePiece(piece), effects);
      }
    }
    const waiting = this.awaitingArrival.get(shard) ?? [];
    if (!partial.growing || waiting.length >= MAX_WAITING_FOR_ARRIVAL) {
      const reason = partial.growing ? 'too many requests waiting for this copy' : 'not held here (its copy stopped arriving)';
      return this.answer(ask.from, shard, ask.index, undefined, reason, effects);
    }
    waiting.push(ask);
    this.awaitingArrival.set(shard, waiting);
  }

  private answer(to: string, shard: string, index: number | undefined, served: ServedShard | undefined, error: string, effects: EngineEffect[]): void {
    if (index === undefined) {
      effects.push(
        this.send(to, served ? { type: 'pieces', shard, ok: true, reason: '', size: served.bytes.length, hashes: served.hashes } : { type: 'pieces', shard, ok: false, reason: error, size: 0, hashes: [] }),
      );
      return;
    }
    if (!served || index >= served.hashes.length) {
      effects.push(this.send(to, { type: 'piece', shard, index, ok: false, reason: served ? `no piece ${index}` : error, deflated: false, bytes: new Uint8Array(0) }));
      return;
    }
    this.sendPiece(to, shard, index, served.bytes.subarray(index * PIECE_BYTES, (index + 1) * PIECE_BYTES), this.wirePiece(served, index), effects);
  }

  /** Sends a piece, counting its bytes as served (plain) and as sent (on the wire). */
  private sendPiece(to: string, shard: string, index: number, plain: Uint8Array, wire: WirePiece, effects: EngineEffect[]): void {
    this.bytesServed.set(shard, (this.bytesServed.get(shard) ?? 0) + plain.length);
    this.wireBytesServed += wire.bytes.length;
    effects.push(this.send(to, { type: 'piece', shard, index, ok: true, reason: '', deflated: wire.deflated, bytes: wire.bytes }));
  }

  /** A piece as it goes on the wire, deflated on first use. */
  private wirePiece(served: ServedShard, index: number): WirePiece {
    let wire = served.wire[index];
    if (!wire) {
      wire = served.wire[index] = deflatePiece(served.bytes.subarray(index * PIECE_BYTES, (index + 1) * PIECE_BYTES));
      if (wire.deflated) served.deflatedBytes += wire.bytes.length;
    }
    return wire;
  }

  private deflateAll(served: ServedShard): void {
    for (let index = 0; index < served.hashes.length; index++) this.wirePiece(served, index);
  }

  /** Drops idle shards, then the least recently used until the cache fits (never `keep`). */
  private evict(now: number, keep: string | undefined): void {
    for (const [shard, served] of this.cache) if (shard !== keep && now - served.usedAt >= IDLE_MS) this.cache.delete(shard);
    let total = 0;
    for (const served of this.cache.values()) total += served.bytes.length + served.deflatedBytes;
    const byAge = [...this.cache.entries()].sort((a, b) => a[1].usedAt - b[1].usedAt);
    for (const [shard, served] of byAge) {
      if (total <= SERVE_CACHE_BYTES) break;
      if (shard === keep) continue;
      this.cache.delete(shard);
      total -= served.bytes.length + served.deflatedBytes;
    }
  }
}
