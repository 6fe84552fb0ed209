/**
 * When the engine next wakes. A full tick (heartbeat, gossip, planning) comes every tick
 * interval, or sooner when a silent member's grace ends. While downloads run, light ticks
 * come in between that only look for silent holders: a stalled link is left about
 * `switchAfterMs` after it went silent, not up to a whole tick interval later.
 */
export class TickSchedule {
  private fullDueAt = 0;

  /** `checkEveryMs`: how often running downloads are checked between full ticks. */
  constructor(private readonly checkEveryMs = 250) {}

  /** Whether a tick at `now` is a full one. */
  isFull(now: number): boolean {
    return now >= this.fullDueAt;
  }

  /**
   * How long until the next tick, after a full one (`fullAfterMs`: when the next full tick is
   * due) or a light one (undefined). `checking`: downloads are running.
   */
  next(now: number, fullAfterMs: number | undefined, checking: boolean): number {
    if (fullAfterMs !== undefined) this.fullDueAt = now + fullAfterMs;
    const untilFull = Math.max(0, this.fullDueAt - now);
    return checking ? Math.min(this.checkEveryMs, untilFull) : untilFull;
  }
}
