import type { NodeStatus } from '../placement/replica-map';

/** What a node believes about a peer. */
export type Liveness = 'alive' | 'suspect' | 'dead' | 'left';

export interface MembershipSettings {
  /** Silence after which a member is suspected: it stops being a transfer partner. */
  readonly suspectAfterMs: number;
  /** Further silence after which a suspect is declared dead. */
  readonly deadAfterMs: number;
  /** Time a dead member's replicas still count, so a reload or blip costs no repair traffic. */
  readonly repairGraceMs: number;
}

export const defaultMembershipSettings: MembershipSettings = {
  suspectAfterMs: 3_000,
  deadAfterMs: 5_000,
  repairGraceMs: 30_000,
};

/** What a gossiped node record says of its member's liveness (its version is the heartbeat). */
export interface GossipedMember {
  readonly id: string;
  readonly incarnation: number;
  readonly version: number;
  readonly left: boolean;
}

/** One member as seen from here. */
export interface Member {
  readonly id: string;
  readonly incarnation: number;
  readonly heartbeat: number;
  readonly liveness: Liveness;
  /** When news of it last arrived (local clock). */
  readonly lastHeardAt: number;
  /** When its liveness last changed (local clock). */
  readonly changedAt: number;
}

export interface LivenessChange {
  readonly id: string;
  readonly from: Liveness | undefined;
  readonly to: Liveness;
}

/**
 * Failure detection by gossiped heartbeats: each node bumps a counter in its own catalog
 * record; any newer (incarnation, heartbeat) pair, however it travelled, proves the member
 * alive. Silence moves it alive -> suspect -> dead; a higher incarnation (a reloaded tab)
 * makes it alive again at once. Dead members stay "down" for the repair grace (HDFS and
 * Ceph's down vs out) before their replicas stop counting.
 */
export class Membership {
  private readonly members = new Map<string, Member>();

  constructor(
    readonly self: string,
    private readonly settings: MembershipSettings = defaultMembershipSettings,
  ) {}

  /**
   * Records news of a member; returns the change if its liveness changed. `direct` news (from
   * the member itself) proves it alive at once. `heardAgoMs` is how long before `now` the
   * heartbeat was first heard (the relaying peer says so): with it, every node dates a member's
   * silence from about the same moment, whichever way the news reached it, and so all declare a
   * dead member out together rather than a gossip round or two apart. A member first heard of
   * second-hand is alive at once when the relay dates its heartbeat inside the suspect timeout
   * (a joining tab is listed by all as soon as one peer links to it, not after every dial);
   * undated second-hand news may be long stale, so it makes the member only suspect until a
   * later heartbeat arrives.
   */
  observe(id: string, incarnation: number, heartbeat: number, now: number, direct = false, heardAgoMs?: number): LivenessChange | undefined {
    const known = this.members.get(id);
    if (known) {
      const newer = incarnation > known.incarnation || (incarnation === known.incarnation && heartbeat > known.heartbeat);
      if (!newer || known.liveness === 'left') return undefined;
    }
    const from = known?.liveness;
    const heardAt = Math.max(known?.lastHeardAt ?? -Infinity, now - Math.min(Math.max(0, heardAgoMs ?? 0), this.settings.suspectAfterMs));
    const dated = direct || heardAgoMs !== undefined;
    const to: Liveness = (known || dated) && now - heardAt < this.settings.suspectAfterMs ? 'alive' : 'suspect';
    const changed = from !== to;
    this.members.set(id, {
      id,
      incarnation,
      heartbeat,
      liveness: to,
      lastHeardAt: heardAt,
      changedAt: changed ? now : (known?.changedAt ?? now),
    });
    return changed ? { id, from, to } : undefined;
  }

  /**
   * Records the news a gossip from `from` brought: members that left, and newer heartbeats,
   * first-hand from the sender itself, the rest dated by the sender's `heardAgoMs`.
   */
  observeGossip(from: string, news: readonly GossipedMember[], heardAgoMs: Readonly<Record<string, number>>, now: number): void {
    for (const member of news) {
      if (member.left) this.markLeft(member.id, now);
      else if (member.id === from) this.observe(member.id, member.incarnation, member.version, now, true);
      else this.observe(member.id, member.incarnation, member.version, now, false, heardAgoMs[member.id]);
    }
  }

  /** A member announced that it has handed its shards off and gone. */
  markLeft(id: string, now: number): LivenessChange | undefined {
    const known = this.members.get(id);
    if (known?.liveness === 'left') return undefined;
    this.members.set(id, {
      id,
      incarnation: known?.incarnation ?? 0,
      heartbeat: known?.heartbeat ?? 0,
      liveness: 'left',
      lastHeardAt: now,
      changedAt: now,
    });
    return { id, from: known?.liveness, to: 'left' };
  }

  /** Advances the failure detector to `now`; returns the members whose liveness changed. */
  tick(now: number): LivenessChange[] {
    const changes: LivenessChange[] = [];
    for (const member of this.members.values()) {
      if (member.id === this.self) continue;
      const silence = now - member.lastHeardAt;
      let next: Liveness = member.liveness;
      if (member.liveness === 'alive' && silence >= this.settings.suspectAfterMs) next = 'suspect';
      if (next === 'suspect' && silence >= this.settings.suspectAfterMs + this.settings.deadAfterMs) next = 'dead';
      if (next === member.liveness) continue;
      this.members.set(member.id, { ...member, liveness: next, changedAt: now });
      changes.push({ id: member.id, from: member.liveness, to: next });
    }
    return changes;
  }

  /** How placement treats the member now (see NodeStatus). Unknown members are out. */
  placementStatus(id: string, now: number): NodeStatus {
    if (id === this.self) return 'active';
    const member = this.members.get(id);
    if (!member) return 'out';
    switch (member.liveness) {
      case 'alive':
        return 'active';
      case 'suspect':
        return 'down';
      case 'dead':
        // Counted from the silence, not from the tick that noticed it, so the grace is exact.
        return now < this.outAt(member) ? 'down' : 'out';
      case 'left':
        return 'out';
    }
  }

  /**
   * Milliseconds until the next silent member's replicas stop counting, at most `atMost`: the
   * engine wakes up then, so repair starts when the grace ends rather than at the next tick.
   */
  msUntilNextOut(now: number, atMost: number): number {
    let wait = atMost;
    for (const member of this.members.values()) {
      if (member.id === this.self || member.liveness === 'left') continue;
      const until = this.outAt(member) - now;
      if (until > 0) wait = Math.min(wait, Math.max(1, until));
    }
    return wait;
  }

  private outAt(member: Member): number {
    return member.lastHeardAt + this.settings.suspectAfterMs + this.settings.deadAfterMs + this.settings.repairGraceMs;
  }

  /** How long ago each member (this node included) was last heard of, for relaying with gossip. */
  heardAgo(now: number): Record<string, number> {
    const ages: Record<string, number> = { [this.self]: 0 };
    for (const member of this.members.values()) {
      if (member.id !== this.self && member.liveness !== 'left') ages[member.id] = Math.max(0, Math.round(now - member.lastHeardAt));
    }
    return ages;
  }

  get(id: string): Member | undefined {
    return this.members.get(id);
  }

  all(): Member[] {
    return [...this.members.values()];
  }
}
