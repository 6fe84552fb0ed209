import type { Catalog } from '../catalog/catalog';
import type { Membership } from '../membership/membership';

/** A member as the peer list shows it. */
export interface MemberView {
  readonly id: string;
  readonly liveness: string;
  readonly incarnation: number;
  readonly host: string;
  readonly usedBytes: number;
  readonly capacityBytes: number;
  /** The member advertises that it takes no new copies. */
  readonly full: boolean;
  readonly shards: number;
  /** How long since the member was last heard of, first-hand or relayed (dated as the relay heard it). */
  readonly silentForMs: number;
}

/** Every member but `self`, with its liveness and its storage as last gossiped, by id. */
export function memberViews(membership: Membership, catalog: Catalog, self: string, now: number): MemberView[] {
  return membership
    .all()
    .filter((member) => member.id !== self)
    .map(({ id, liveness, incarnation, lastHeardAt }) => {
      const record = catalog.record(id);
      const storage = { usedBytes: record?.usedBytes ?? 0, capacityBytes: record?.capacityBytes ?? 0, full: record?.full ?? false, shards: record?.holdings.length ?? 0 };
      return { id, liveness, incarnation, host: record?.host ?? '', ...storage, silentForMs: Math.max(0, now - lastHeardAt) };
    })
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}
