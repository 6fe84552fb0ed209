import { describe, expect, it } from 'vitest';
import { Membership } from './membership';

const settings = { suspectAfterMs: 3_000, deadAfterMs: 5_000, repairGraceMs: 30_000 };

describe('Membership', () => {
  it('moves a silent member alive -> suspect -> dead, and out of placement only after the grace', () => {
    const m = new Membership('me', settings);
    expect(m.observe('p', 1, 1, 0, true)).toEqual({ id: 'p', from: undefined, to: 'alive' });
    expect(m.placementStatus('p', 0)).toBe('active');
    expect(m.tick(2_999)).toEqual([]);
    expect(m.tick(3_000)).toEqual([{ id: 'p', from: 'alive', to: 'suspect' }]);
    expect(m.placementStatus('p', 3_000)).toBe('down');
    expect(m.tick(8_000)).toEqual([{ id: 'p', from: 'suspect', to: 'dead' }]);
    expect(m.placementStatus('p', 8_000 + 29_999)).toBe('down');
    expect(m.placementStatus('p', 8_000 + 30_000)).toBe('out');
  });

  it('keeps a member alive while newer heartbeats arrive, and ignores stale ones', () => {
    const m = new Membership('me', settings);
    m.observe('p', 1, 5, 0);
    expect(m.observe('p', 1, 4, 2_500)).toBeUndefined();
    m.observe('p', 1, 6, 2_500);
    expect(m.tick(5_000)).toEqual([]);
    expect(m.get('p')?.heartbeat).toBe(6);
  });

  it('a reloaded member (higher incarnation) is alive again at once, inside the grace', () => {
    const m = new Membership('me', settings);
    m.observe('p', 1, 9, 0);
    m.tick(10_000);
    expect(m.get('p')?.liveness).toBe('dead');
    expect(m.observe('p', 2, 1, 12_000)).toEqual({ id: 'p', from: 'dead', to: 'alive' });
    expect(m.placementStatus('p', 12_000)).toBe('active');
  });

  it('a member that left is out at once and stays out', () => {
    const m = new Membership('me', settings);
    m.observe('p', 1, 1, 0);
    m.markLeft('p', 100);
    expect(m.placementStatus('p', 100)).toBe('out');
    expect(m.observe('p', 1, 2, 200)).toBeUndefined();
  });

  it('a member first heard of second-hand is alive at once when the relay dates its heartbeat inside the suspect timeout', () => {
    const m = new Membership('me', settings);
    expect(m.observe('p', 1, 40, 0, false, 1_200)).toEqual({ id: 'p', from: undefined, to: 'alive' });
    expect(m.get('p')?.lastHeardAt).toBe(-1_200);
    // Silence is dated from the relay's sighting: suspect 3 s after it, not 3 s after this node heard.
    expect(m.tick(1_799)).toEqual([]);
    expect(m.tick(1_800)).toEqual([{ id: 'p', from: 'alive', to: 'suspect' }]);
    // News the relay dates at or past the suspect timeout is stale: the member is only suspect.
    const n = new Membership('me', settings);
    expect(n.observe('q', 1, 40, 0, false, 3_000)).toEqual({ id: 'q', from: undefined, to: 'suspect' });
    expect(n.observe('q', 1, 41, 500, false, 100)).toEqual({ id: 'q', from: 'suspect', to: 'alive' });
  });

  it('a member first heard of second-hand without a date is only suspect until a later heartbeat proves it alive', () => {
    const m = new Membership('me', settings);
    expect(m.observe('p', 1, 40, 0)).toEqual({ id: 'p', from: undefined, to: 'suspect' });
    expect(m.placementStatus('p', 0)).toBe('down');
    expect(m.observe('p', 1, 41, 900)).toEqual({ id: 'p', from: 'suspect', to: 'alive' });
    const n = new Membership('me', settings);
    n.observe('gone', 1, 40, 0);
    n.tick(8_000);
    expect(n.get('gone')?.liveness).toBe('dead');
  });

  it('never suspects itself', () => {
    const m = new Membership('me', settings);
    m.observe('me', 1, 1, 0);
    expect(m.tick(1_000_000)).toEqual([]);
    expect(m.placementStatus('me', 1_000_000)).toBe('active');
  });
});

describe('Membership silence dated by relays', () => {
  it('dates a relayed heartbeat from when the relay heard it, so every node declares a dead member out together', () => {
    // "a" hears p's last heartbeat itself at 1,000; "b" hears it from "a" 900 ms later.
    const a = new Membership('a', settings);
    a.observe('p', 1, 1, 0, true);
    a.observe('p', 1, 2, 1_000, true);
    const b = new Membership('b', settings);
    b.observe('p', 1, 1, 0, true);
    b.observe('p', 1, 2, 1_900, false, a.heardAgo(1_900).p);
    expect(a.heardAgo(1_900)).toEqual({ a: 0, p: 900 });
    for (const node of [a, b]) {
      expect(node.get('p')?.lastHeardAt).toBe(1_000);
      node.tick(38_999);
      expect(node.placementStatus('p', 38_999)).toBe('down');
      expect(node.placementStatus('p', 39_000)).toBe('out');
    }
  });

  it('never dates news earlier than news it already had, nor further back than a suspicion', () => {
    const m = new Membership('me', settings);
    m.observe('p', 1, 1, 5_000, true);
    m.observe('p', 1, 2, 5_100, false, 2_000);
    expect(m.get('p')?.lastHeardAt).toBe(5_000);
    // A relay claiming an hour of silence moves the date back by at most suspectAfterMs: p is suspect, not dead.
    const n = new Membership('me', settings);
    n.observe('p', 1, 1, 0, true);
    expect(n.observe('p', 1, 2, 10_000, false, 3_600_000)).toEqual({ id: 'p', from: 'alive', to: 'suspect' });
    expect(n.get('p')?.lastHeardAt).toBe(7_000);
    expect(n.tick(11_000)).toEqual([]);
    expect(n.tick(15_000)).toEqual([{ id: 'p', from: 'suspect', to: 'dead' }]);
  });
});

describe('Membership grace timing', () => {
  it('counts the grace from the silence itself and says when the next member goes out', () => {
    const membership = new Membership('me', settings);
    membership.observe('a', 1, 1, 0, true);
    expect(membership.msUntilNextOut(0, 1_000)).toBe(1_000);
    // Ticks that notice the silence late do not stretch the grace.
    membership.tick(9_700);
    expect(membership.get('a')?.liveness).toBe('dead');
    expect(membership.placementStatus('a', 37_999)).toBe('down');
    expect(membership.msUntilNextOut(37_500, 1_000)).toBe(500);
    expect(membership.placementStatus('a', 38_000)).toBe('out');
    expect(membership.msUntilNextOut(38_000, 1_000)).toBe(1_000);
  });
});
