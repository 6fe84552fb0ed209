import type { Clock } from '../ports/clock';
import { EventQueue } from '../simulator/event-queue';

interface ScheduledTask {
  readonly run: () => void;
  done: boolean;
}

/** One virtual hour: long enough for any test to settle, short enough to stop a periodic timer. */
const DEFAULT_IDLE_LIMIT_MS = 3_600_000;

/**
 * Virtual time for tests and fakes: callbacks run only when the test advances the clock, in
 * time order with ties in scheduling order, so a run repeats exactly.
 */
export class VirtualScheduler implements Clock {
  private time = 0;
  private live = 0;
  private running = false;
  private readonly queue = new EventQueue<ScheduledTask>();

  /** Milliseconds of virtual time since the scheduler was created. */
  now(): number {
    return this.time;
  }

  /** Callbacks scheduled and neither run nor cancelled yet. */
  get pending(): number {
    return this.live;
  }

  /** Runs `fn` after `delayMs` of virtual time; returns a function that cancels it if it has not run. */
  schedule(delayMs: number, fn: () => void): () => void {
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      throw new RangeError(`schedule() needs a finite delay >= 0 ms, got ${delayMs}`);
    }
    const task: ScheduledTask = { run: fn, done: false };
    this.queue.push(this.time + delayMs, task);
    this.live++;
    return () => {
      if (task.done) return;
      task.done = true;
      this.live--;
    };
  }

  /** Moves time forward by `ms`, running every callback that falls due, including ones they schedule. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance() needs a finite number of ms >= 0, got ${ms}`);
    const target = this.time + ms;
    this.runDue(target);
    this.time = target;
  }

  /**
   * Runs callbacks until none are pending, but lets at most `maxMs` of virtual time pass, so that
   * a periodic timer cannot loop forever. Returns whether the scheduler became idle.
   */
  runUntilIdle(maxMs = DEFAULT_IDLE_LIMIT_MS): boolean {
    if (Number.isNaN(maxMs) || maxMs < 0) throw new RangeError(`runUntilIdle() needs maxMs >= 0, got ${maxMs}`);
    const limit = this.time + maxMs;
    this.runDue(limit);
    if (this.live === 0) return true;
    this.time = limit;
    return false;
  }

  private runDue(limit: number): void {
    // A callback that advanced the clock itself would run later callbacks inside an earlier one.
    if (this.running) throw new Error('advance()/runUntilIdle() called from a scheduled callback; schedule() instead');
    this.running = true;
    try {
      for (;;) {
        const due = this.queue.peekTime();
        if (due === undefined || due > limit) return;
        const next = this.queue.pop();
        if (next === undefined || next.item.done) continue;
        next.item.done = true;
        this.live--;
        this.time = next.time;
        next.item.run();
      }
    } finally {
      this.running = false;
    }
  }
}
