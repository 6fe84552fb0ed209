import { defaultMembershipSettings, type MembershipSettings } from '../membership/membership';
import { defaultReplicationSettings, type ReplicationSettings } from '../placement/replication-planner';
import { defaultDownloadSettings, type DownloadSettings } from './download-settings';

export interface EngineSettings {
  readonly replication: ReplicationSettings;
  readonly membership: MembershipSettings;
  /** Heartbeat, gossip and planning period. */
  readonly tickIntervalMs: number;
  /** Peers sent the catalog each tick (plus every newly connected peer). */
  readonly gossipFanout: number;
  /** Pushes this node runs at once. */
  readonly maxConcurrentTransfers: number;
  /** An offered copy whose receiver pulls nothing (and does not acknowledge) for this long is abandoned and planned again. */
  readonly transferTimeoutMs: number;
  /** An unanswered offer whose receiver pulls nothing from this node for this long is sent again (with the catalog, if it never pulled: it may lack the manifest). */
  readonly offerAgainAfterMs: number;
  /** How shards are pulled: pieces in flight, holder silence, how long partial pieces are kept. */
  readonly downloads: DownloadSettings;
}

export const defaultEngineSettings: EngineSettings = {
  replication: defaultReplicationSettings,
  membership: defaultMembershipSettings,
  tickIntervalMs: 1_000,
  gossipFanout: 3,
  maxConcurrentTransfers: 8,
  transferTimeoutMs: 30_000,
  offerAgainAfterMs: 2_000,
  downloads: defaultDownloadSettings,
};

/** Who this node is. */
export interface NodeIdentity {
  readonly id: string;
  /** Failure domain: the browser profile. */
  readonly host: string;
  /** Restart counter, persisted by the adapter and bumped on every start. */
  readonly incarnation: number;
  readonly capabilities: readonly string[];
}
