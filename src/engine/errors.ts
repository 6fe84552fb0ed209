// Named errors of the engine. Each message says what went wrong and what to do about it.

/** The simulator was given arguments that cannot describe a swarm. */
export class SimUsageError extends Error {
  override readonly name = 'SimUsageError';
}

/** Bytes did not hash to the content id they were stored or sent under. */
export class ContentMismatchError extends Error {
  override readonly name = 'ContentMismatchError';
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`shard bytes hash to ${actual}, not ${expected}: the copy is corrupt; drop it and fetch another replica`);
  }
}

/** A shard was asked for that this store does not hold. */
export class ShardNotFoundError extends Error {
  override readonly name = 'ShardNotFoundError';
  constructor(readonly shardId: string) {
    super(`shard ${shardId} is not in this store; ask another holder`);
  }
}

/** The store has no room for a shard. */
export class StoreFullError extends Error {
  override readonly name = 'StoreFullError';
  constructor(
    readonly needed: number,
    readonly free: number,
  ) {
    super(`store is full: ${needed} bytes needed, ${free} free; raise the storage budget or free space`);
  }
}

/** A message from a peer failed validation (wrong shape, version or size). */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
}
