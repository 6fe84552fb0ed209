// The engine's public surface, for the adapters (worker, mesh) and the UI.
export { Catalog, mergeSnapshots, type CatalogSnapshot } from './catalog/catalog';
export { createManifest, manifestIsAuthentic, type DatasetManifest, type ShardEntry, type ColumnStats } from './catalog/manifest';
export type { NodeRecord } from './catalog/node-record';
export { contentId, isContentId, verifyContentId } from './content-id';
export * from './errors';
export { Membership, defaultMembershipSettings, type MembershipSettings } from './membership/membership';
export { EngineNode } from './node/engine-node';
export type { EngineCounters } from './node/engine-counters';
export type { EngineEffect, EngineEvent } from './node/engine-io';
export { defaultEngineSettings, type EngineSettings, type NodeIdentity } from './node/engine-settings';
export type { DatasetHealth, DatasetProgress } from './node/dataset-health';
export { decodeMessage, encodeMessage, WIRE_VERSION, type EngineMessage } from './node/messages';
export { planReplication, defaultReplicationSettings, type ReplicationSettings } from './placement/replication-planner';
export type { Clock } from './ports/clock';
export type { Mesh, MeshDelivery, MeshPeerEvent } from './ports/mesh';
export type { Random } from './ports/random';
export type { ShardStore, StoreCapacity, StoredShardInfo } from './ports/shard-store';
