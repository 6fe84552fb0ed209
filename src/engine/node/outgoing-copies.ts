import type { PendingCopyRecord } from '../catalog/node-record';

/** A copy this node offered: kept until the receiver's own record shows it. */
export interface OutgoingCopy {
  readonly shard: string;
  readonly to: string;
  /** Set for a move: the node whose copy goes once this one is stored (this node, or a leaver). */
  readonly releaseFrom: string | undefined;
  /** The node whose copy this one stands in for ('' if none). */
  readonly replaces: string;
  /** When the receiver last pulled a piece (or the offer went out): the timeout counts silence. */
  lastActivityAt: number;
  /** When the offer last went out. */
  offeredAt: number;
  /** Whether the receiver has pulled any piece since the first offer. */
  pulled: boolean;
  ackedAt: number | undefined;
  /** The receiver's record version that includes the copy. */
  ackedVersion: number;
}

/**
 * The copies this node is sending. Until the receiver acknowledges, a copy holds one of the
 * node's transfer slots; once acknowledged, it counts as a replica (so nobody sends another)
 * until gossip shows the receiver's record with it. A receiver silent for `timeoutMs` loses it.
 */
export class OutgoingCopies {
  private readonly copies = new Map<string, OutgoingCopy>();

  constructor(private readonly timeoutMs: number) {}

  has(shard: string, to: string): boolean {
    return this.copies.has(key(shard, to));
  }

  start(copy: Omit<OutgoingCopy, 'ackedAt' | 'ackedVersion' | 'lastActivityAt' | 'offeredAt' | 'pulled'>, now: number): void {
    this.copies.set(key(copy.shard, copy.to), { ...copy, lastActivityAt: now, offeredAt: now, pulled: false, ackedAt: undefined, ackedVersion: 0 });
  }

  /** Shards with a copy on its way (not yet acknowledged). */
  sendingShards(): Set<string> {
    return new Set([...this.copies.values()].filter((copy) => copy.ackedAt === undefined).map((copy) => copy.shard));
  }

  /** The receiver pulled a piece: it is still at work. */
  touched(shard: string, to: string, now: number): void {
    const copy = this.copies.get(key(shard, to));
    if (!copy) return;
    copy.lastActivityAt = now;
    copy.pulled = true;
  }

  /** The receiver's answer; returns the copy it answers (a refused one is dropped). */
  answered(shard: string, from: string, ok: boolean, version: number, now: number): OutgoingCopy | undefined {
    const copy = this.copies.get(key(shard, from));
    if (!copy) return undefined;
    if (ok) {
      copy.ackedAt = now;
      copy.ackedVersion = version;
    } else {
      this.copies.delete(key(shard, from));
    }
    return copy;
  }

  /** Stops sending a shard this node turned out not to have. */
  dropUnacknowledged(shard: string): void {
    for (const [k, copy] of this.copies) if (copy.shard === shard && copy.ackedAt === undefined) this.copies.delete(k);
  }

  /** Drops copies that timed out, and acknowledged ones once the receiver's record at `versionOf` shows them. */
  expire(now: number, versionOf: (node: string) => number | undefined): void {
    for (const [k, copy] of this.copies) {
      const version = versionOf(copy.to);
      const shown = copy.ackedAt !== undefined && version !== undefined && version >= copy.ackedVersion;
      const since = copy.ackedAt ?? copy.lastActivityAt;
      if (shown || now - since > this.timeoutMs) this.copies.delete(k);
    }
  }

  /**
   * Unanswered copies whose receiver has been silent for `afterMs` since the offer last went
   * out, marked as offered again now. A receiver pulls within milliseconds of an offer it can
   * act on, and every few milliseconds while it pulls from this node, so one silent for a
   * second or two is waiting (on the dataset's manifest, say), pulling from others, or lost
   * the offer or its own refusal on a link that stalled one way without closing (WebRTC
   * associations do). Sent again, the offer gets through once the link recovers, and a
   * receiver takes a repeated offer as the same one; a receiver that has no download of it
   * any more starts one.
   */
  dueForOfferAgain(now: number, afterMs: number): OutgoingCopy[] {
    const due = [...this.copies.values()].filter((copy) => copy.ackedAt === undefined && now - Math.max(copy.lastActivityAt, copy.offeredAt) >= afterMs);
    for (const copy of due) copy.offeredAt = now;
    return due;
  }

  /** Acknowledged copies gossip does not show yet: they count as replicas meanwhile. */
  acknowledged(): { shard: string; node: string }[] {
    return [...this.copies.values()].filter((copy) => copy.ackedAt !== undefined).map((copy) => ({ shard: copy.shard, node: copy.to }));
  }

  /** Whether `pending` (the node's record) lists these copies as they are. */
  listedIn(pending: readonly PendingCopyRecord[]): boolean {
    const current = this.asPending();
    return current.length === pending.length && current.every((copy, i) => copy.shard === pending[i]?.shard && copy.to === pending[i]?.to);
  }

  /** The copies as the node's record lists them. */
  asPending(): PendingCopyRecord[] {
    return [...this.copies.values()].map((copy) =>
      copy.releaseFrom === undefined ? { shard: copy.shard, to: copy.to } : { shard: copy.shard, to: copy.to, releaseFrom: copy.releaseFrom },
    );
  }
}

function key(shard: string, to: string): string {
  return `${shard}|${to}`;
}
