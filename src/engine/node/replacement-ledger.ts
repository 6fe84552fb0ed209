import type { NodeRecord, ReplacedCopyRecord } from '../catalog/node-record';

/** A copy this node holds in place of `source`'s, which listed it at (incarnation, version). */
export interface Replacement {
  readonly source: string;
  readonly incarnation: number;
  readonly version: number;
}

/**
 * What this node knows about the copies it received as replacements (a move, or a hand-off
 * from a leaving node): which pushes being stored replace whom, and when each replacement is
 * over. While a replacement stands, its source and this copy count as one (catalog-layout.ts).
 */
export class ReplacementLedger {
  /** Pushes being stored that replace another node's copy, by `shard|sender`. */
  private readonly incoming = new Map<string, Replacement>();
  /** Replacements this node's record lists, by shard, with when the copy arrived. */
  private readonly held = new Map<string, Replacement & { readonly at: number }>();

  constructor(
    private readonly self: string,
    private readonly timeoutMs: number,
  ) {}

  /** A push that replaces `replacement.source`'s copy is being stored. */
  expect(shard: string, sender: string, replacement: Replacement): void {
    this.incoming.set(`${shard}|${sender}`, replacement);
  }

  /** The push from `sender` finished storing; returns what it replaces, if anything. */
  take(shard: string, sender: string): Replacement | undefined {
    const replacement = this.incoming.get(`${shard}|${sender}`);
    this.incoming.delete(`${shard}|${sender}`);
    return replacement;
  }

  /** The copy is now held as a replacement. */
  hold(shard: string, replacement: Replacement, now: number): void {
    this.held.set(shard, { ...replacement, at: now });
  }

  /** Whether a copy arrived as a replacement that still stands (it is not moved on again at once). */
  holds(shard: string): boolean {
    return this.held.has(shard);
  }

  /**
   * The replacements still standing. One is over once the source's record, at a version
   * later than the one that listed the copy, no longer lists it (released, or gone), or once
   * the move was abandoned: the source is not leaving, no longer lists the push and the
   * transfer timeout has passed.
   */
  settle(listed: readonly ReplacedCopyRecord[], recordOf: (id: string) => NodeRecord | undefined, now: number): ReplacedCopyRecord[] {
    const standing = listed.filter((copy) => {
      const known = this.held.get(copy.shard);
      const source = recordOf(copy.source);
      if (!known || !source) return known !== undefined;
      if (source.left || source.released.some((released) => released.shard === copy.shard && released.to === this.self)) return false;
      const current = source.incarnation > known.incarnation || (source.incarnation === known.incarnation && source.version >= known.version);
      if (!current) return true;
      if (!source.holdings.includes(copy.shard)) return false;
      const underWay = source.leaving || source.pending.some((pending) => pending.shard === copy.shard && pending.to === this.self);
      return underWay || now - known.at < this.timeoutMs;
    });
    for (const shard of this.held.keys()) if (!standing.some((copy) => copy.shard === shard)) this.held.delete(shard);
    return standing;
  }
}
