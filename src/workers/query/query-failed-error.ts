/** A query that could not be answered whole; `missingShards` names the shards no replica answered for. */
export class QueryFailedError extends Error {
  constructor(
    message: string,
    readonly missingShards: readonly string[] = [],
  ) {
    super(message);
    this.name = 'QueryFailedError';
  }
}
