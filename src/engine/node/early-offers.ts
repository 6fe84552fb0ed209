import type { EngineMessage } from './messages';

type ShardOffer = Extract<EngineMessage, { type: 'shard-offer' }>;

interface ParkedOffer {
  readonly from: string;
  readonly offer: ShardOffer;
  readonly at: number;
}

/** Offers kept at most; more are refused at once (a peer cannot fill memory with them). */
const MAX_PARKED = 256;

/**
 * Offers of shards whose manifest has not arrived yet. A new dataset's manifest and the first
 * offers of its shards leave the uploader together, and the manifest's hash check can finish
 * after the offers land: refusing them would cost the uploader a whole planning round. They
 * wait here until the manifest is known, or `waitMs` has passed.
 */
export class EarlyOffers {
  private readonly parked: ParkedOffer[] = [];

  constructor(private readonly waitMs: number) {}

  /** Keeps an offer; false when there is no room (refuse it instead). */
  park(from: string, offer: ShardOffer, now: number): boolean {
    if (this.parked.length >= MAX_PARKED) return false;
    const duplicate = this.parked.findIndex((parked) => parked.from === from && parked.offer.shard === offer.shard);
    if (duplicate >= 0) this.parked.splice(duplicate, 1);
    this.parked.push({ from, offer, at: now });
    return true;
  }

  /** Takes out the offers of shards now known. */
  takeKnown(known: ReadonlySet<string>): { from: string; offer: ShardOffer }[] {
    return this.take((parked) => known.has(parked.offer.shard));
  }

  /** Takes out the offers that waited too long. */
  takeExpired(now: number): { from: string; offer: ShardOffer }[] {
    return this.take((parked) => now - parked.at >= this.waitMs);
  }

  private take(match: (parked: ParkedOffer) => boolean): { from: string; offer: ShardOffer }[] {
    const taken: { from: string; offer: ShardOffer }[] = [];
    for (let i = this.parked.length - 1; i >= 0; i--) {
      const parked = this.parked[i];
      if (parked && match(parked)) {
        taken.unshift({ from: parked.from, offer: parked.offer });
        this.parked.splice(i, 1);
      }
    }
    return taken;
  }
}
