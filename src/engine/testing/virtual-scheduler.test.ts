import { describe, expect, it } from 'vitest';
import { VirtualScheduler } from './virtual-scheduler';

describe('VirtualScheduler', () => {
  it('starts at 0 and moves only when advanced', () => {
    const scheduler = new VirtualScheduler();
    expect(scheduler.now()).toBe(0);
    scheduler.advance(250);
    expect(scheduler.now()).toBe(250);
    scheduler.advance(0);
    expect(scheduler.now()).toBe(250);
  });

  it('runs due callbacks in time order, ties in scheduling order, each at its own time', () => {
    const scheduler = new VirtualScheduler();
    const log: string[] = [];
    const at = (label: string) => () => log.push(`${label}@${scheduler.now()}`);
    scheduler.schedule(30, at('c'));
    scheduler.schedule(10, at('a1'));
    scheduler.schedule(20, at('b'));
    scheduler.schedule(10, at('a2'));
    scheduler.schedule(31, at('late'));
    scheduler.advance(30);
    expect(log).toEqual(['a1@10', 'a2@10', 'b@20', 'c@30']);
    expect(scheduler.now()).toBe(30);
    expect(scheduler.pending).toBe(1);
  });

  it('runs callbacks scheduled by callbacks when they fall due within the same advance', () => {
    const scheduler = new VirtualScheduler();
    const log: string[] = [];
    scheduler.schedule(5, () => {
      log.push(`outer@${scheduler.now()}`);
      scheduler.schedule(0, () => log.push(`now@${scheduler.now()}`));
      scheduler.schedule(5, () => log.push(`inner@${scheduler.now()}`));
      scheduler.schedule(50, () => log.push(`later@${scheduler.now()}`));
    });
    scheduler.advance(10);
    expect(log).toEqual(['outer@5', 'now@5', 'inner@10']);
    expect(scheduler.pending).toBe(1);
    scheduler.advance(45);
    expect(log.at(-1)).toBe('later@55');
  });

  it('cancels callbacks that have not run, and cancelling twice or after the run is harmless', () => {
    const scheduler = new VirtualScheduler();
    const log: string[] = [];
    const cancelA = scheduler.schedule(5, () => log.push('a'));
    const cancelB = scheduler.schedule(5, () => log.push('b'));
    expect(scheduler.pending).toBe(2);
    cancelA();
    cancelA();
    expect(scheduler.pending).toBe(1);
    scheduler.advance(5);
    cancelB();
    expect(log).toEqual(['b']);
    expect(scheduler.pending).toBe(0);
  });

  it('runUntilIdle drains everything and stops at the time of the last callback', () => {
    const scheduler = new VirtualScheduler();
    let runs = 0;
    const chain = (left: number) => () => {
      runs++;
      if (left > 0) scheduler.schedule(100, chain(left - 1));
    };
    scheduler.schedule(100, chain(9));
    expect(scheduler.runUntilIdle()).toBe(true);
    expect(runs).toBe(10);
    expect(scheduler.now()).toBe(1000);
  });

  it('runUntilIdle gives up after maxMs of virtual time when a timer keeps rescheduling', () => {
    const scheduler = new VirtualScheduler();
    let ticks = 0;
    const tick = () => {
      ticks++;
      scheduler.schedule(10, tick);
    };
    scheduler.schedule(10, tick);
    expect(scheduler.runUntilIdle(95)).toBe(false);
    expect(ticks).toBe(9);
    expect(scheduler.now()).toBe(95);
    expect(scheduler.pending).toBe(1);
  });

  it('refuses negative or non-finite delays and advances', () => {
    const scheduler = new VirtualScheduler();
    expect(() => scheduler.schedule(-1, () => undefined)).toThrow(RangeError);
    expect(() => scheduler.schedule(Number.NaN, () => undefined)).toThrow(RangeError);
    expect(() => scheduler.advance(-5)).toThrow(RangeError);
    expect(() => scheduler.advance(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('refuses to advance from inside a callback', () => {
    const scheduler = new VirtualScheduler();
    scheduler.schedule(1, () => scheduler.advance(1));
    expect(() => scheduler.advance(1)).toThrow(/schedule\(\) instead/);
  });

  it('lets an error from a callback through and keeps later callbacks pending', () => {
    const scheduler = new VirtualScheduler();
    const log: string[] = [];
    scheduler.schedule(1, () => {
      throw new Error('boom');
    });
    scheduler.schedule(2, () => log.push('after'));
    expect(() => scheduler.advance(5)).toThrow('boom');
    expect(scheduler.now()).toBe(1);
    expect(scheduler.pending).toBe(1);
    scheduler.advance(4);
    expect(log).toEqual(['after']);
  });
});
