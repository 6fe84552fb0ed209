// Fast, deterministic 32-bit hashing for placement. Placement runs millions of times per
// plan (shards x nodes), so it cannot afford SHA-256; these keys only need to be uniform and
// identical on every node, not cryptographically strong.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Murmur3's finalizer: spreads every input bit over the whole 32-bit output. */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform 32-bit key for an id string (FNV-1a over UTF-16 units, then mixed). */
export function hashString32(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return mix32(h);
}

/**
 * The rendezvous draw for one (shard, node) pair. Two mixing rounds keep the draws of
 * different pairs independent enough that every node's share matches its weight.
 */
export function pairHash32(shardKey: number, nodeKey: number): number {
  return mix32(mix32(shardKey ^ Math.imul(nodeKey, 0x9e3779b1)) + nodeKey);
}

const TWO_POW_32 = 4294967296;

/** Maps a 32-bit draw into the open interval (0, 1). */
export function unitFromHash(hash: number): number {
  return (hash + 0.5) / TWO_POW_32;
}

/** The smallest 32-bit draw whose unit value can exceed `threshold` (conservative by one). */
export function hashFloorForUnit(threshold: number): number {
  if (threshold <= 0) return 0;
  if (threshold >= 1) return TWO_POW_32;
  return Math.max(0, Math.floor(threshold * TWO_POW_32) - 1);
}
