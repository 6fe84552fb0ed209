/** What an engine node has done, for the UI, metrics and tests. */
export interface EngineCounters {
  /** Messages dropped as malformed, oversized or of an unknown version. */
  messagesRejected: number;
  /** Shard copies offered to other nodes (each then pulled by its receiver). */
  offersSent: number;
  /** Shard copies received, verified and stored here. */
  copiesStored: number;
  /** Pushes refused (full, unknown shard, bad hash, already held). */
  copiesRejected: number;
  /** Copies this node deleted (surplus, moved away, staged uploads done). */
  deletes: number;
}
