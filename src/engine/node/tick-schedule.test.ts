import { describe, expect, it } from 'vitest';
import { TickSchedule } from './tick-schedule';

describe('TickSchedule', () => {
  it('wakes every 250 ms while downloads run, with a full tick when one is due, and only for full ticks otherwise', () => {
    const schedule = new TickSchedule(250);
    expect(schedule.isFull(0)).toBe(true);
    expect(schedule.next(0, 1_000, false)).toBe(1_000);
    expect(schedule.isFull(1_000)).toBe(true);
    expect(schedule.next(1_000, 1_000, true)).toBe(250);
    const wakes: string[] = [];
    for (let now = 1_250; now < 3_000; ) {
      const full = schedule.isFull(now);
      wakes.push(`${now}${full ? ' full' : ''}`);
      now += schedule.next(now, full ? 700 : undefined, now < 2_500);
    }
    // Light ticks up to the full one at 2,000; then 700 ms to the next full one (a grace ending
    // sooner), checked in between while downloads run; after 2,500 they have stopped.
    expect(wakes).toEqual(['1250', '1500', '1750', '2000 full', '2250', '2500', '2700 full']);
  });
});
