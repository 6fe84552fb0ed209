/**
 * Load bands: how many replicas each node should hold. Pure rendezvous hashing spreads
 * replicas like a Poisson draw (at 60 replicas per node the fullest node holds ~1.4x the
 * mean), which wastes the capacity of small tabs and overfills others. Like consistent
 * hashing with bounded loads (Mirrokni et al.) plus a balancer (the HDFS balancer, Ceph's
 * upmap), each node gets a band around its capacity share; the planner moves replicas only
 * to bring a node back inside its band, so a node inside its band is never touched.
 */

/** The band of one node, in replicas. */
export interface LoadBand {
  /** The node's fair share: total replicas x its weight share. */
  readonly target: number;
  /** Below this the node pulls replicas from overloaded nodes. */
  readonly low: number;
  /** Above this the node sheds replicas; new replicas are not placed on it at or past it. */
  readonly high: number;
}

/**
 * The band for a node of `weight` out of `totalWeight` when `totalReplicas` must be stored.
 * `tolerance` is the relative slack (0.08 = +-8%); the band always contains floor(target)
 * and ceil(target), so the bands of all nodes can always be met together.
 */
export function loadBand(totalReplicas: number, weight: number, totalWeight: number, tolerance: number): LoadBand {
  if (totalWeight <= 0 || weight <= 0) return { target: 0, low: 0, high: 0 };
  const target = (totalReplicas * weight) / totalWeight;
  const low = Math.min(Math.ceil(target * (1 - tolerance)), Math.floor(target));
  const high = Math.max(Math.floor(target * (1 + tolerance)), Math.ceil(target));
  return { target, low, high };
}
