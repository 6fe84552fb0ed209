import { isContentId } from '../content-id';
import { InvalidMessageError } from '../errors';
import { decodeTaggedFrame, encodeTaggedFrame } from '../tagged-frame';
import { VECTOR_METRICS, type VectorMetric } from './vector-scoring';

// The query protocol's wire messages, beside the engine's: a frame starts with its own tag
// byte (the engine's start with their wire version), so a tab routes each frame by its first
// byte. Frame: [tag u8][header length u32 BE][header JSON][payload bytes]. Results ride as
// Arrow IPC in the payload, cut in parts that fit the mesh's frame limit.

export const QUERY_WIRE_TAG = 0x51;
/** Largest SQL text a holder accepts. */
export const MAX_SUBQUERY_SQL_CHARS = 64 * 1024;
/** Result bytes per frame: well under the mesh's frame limit. */
export const RESULT_PART_BYTES = 4 * 1024 * 1024;
/** Parts per result: caps one shard's result at 256 MiB. */
export const MAX_RESULT_PARTS = 64;
const MAX_HEADER_BYTES = 128 * 1024;

/** Most shards one subquery may name (a holder runs them as one union). */
export const MAX_SUBQUERY_SHARDS = 4096;

/** Largest query vector. */
export const MAX_VECTOR_DIMENSION = 4096;
/** Most neighbours one search may ask for. */
export const MAX_VECTOR_K = 1000;

/**
 * A vector search's part on one shard: `sql` yields each candidate row's number (`__row`) and
 * vector (`__vec`); the holder scores them against `query` and answers its top `k`.
 */
export interface VectorJob {
  readonly query: readonly number[];
  readonly k: number;
  readonly metric: VectorMetric;
}

export type QueryMessage =
  /**
   * Run `sql` over shards this holder keeps (their union registered as `__shard`) and send the
   * rows back, or score them for a vector job (one shard only: row numbers are per shard).
   */
  | { readonly type: 'subquery'; readonly query: string; readonly shards: readonly string[]; readonly sql: string; readonly vector?: VectorJob }
  /**
   * One part of a holder's answer: Arrow IPC stream bytes, or why not. `retryable` says whether
   * another holder could do better (it does not hold the shard, its store failed) or not (the
   * SQL itself is wrong: every holder would say the same).
   */
  | {
      readonly type: 'subquery-result';
      readonly query: string;
      /** The first shard the subquery named: the answer covers all of them. */
      readonly shard: string;
      readonly ok: boolean;
      readonly retryable: boolean;
      readonly error: string;
      /** Milliseconds the holder spent running it. */
      readonly ms: number;
      readonly part: number;
      readonly parts: number;
      readonly bytes: Uint8Array;
    };

export function isQueryFrame(frame: Uint8Array): boolean {
  return frame[0] === QUERY_WIRE_TAG;
}

export function encodeQueryMessage(message: QueryMessage): Uint8Array {
  return message.type === 'subquery-result'
    ? encodeTaggedFrame(QUERY_WIRE_TAG, { ...message, bytes: undefined }, message.bytes)
    : encodeTaggedFrame(QUERY_WIRE_TAG, message, new Uint8Array(0));
}

/** Parses and validates a query frame; throws InvalidMessageError saying what is wrong. */
export function decodeQueryMessage(frame: Uint8Array): QueryMessage {
  if (!isQueryFrame(frame)) throw new InvalidMessageError('not a query frame');
  const { header: parsed, payload } = decodeTaggedFrame(frame, QUERY_WIRE_TAG, MAX_HEADER_BYTES, 'query frame');
  if (payload.length > RESULT_PART_BYTES) throw new InvalidMessageError('query result part larger than allowed');
  const header = parsed as Record<string, unknown>;
  if (typeof header !== 'object' || header === null) throw new InvalidMessageError('query header is not an object');
  const text = (field: string, max: number): string => {
    const value = header[field];
    if (typeof value !== 'string' || value.length > max) throw new InvalidMessageError(`query message field ${field} must be a string of at most ${max} characters`);
    return value;
  };
  const query = text('query', 128);
  if (header.type === 'subquery') {
    const shards = header.shards;
    if (!Array.isArray(shards) || shards.length === 0 || shards.length > MAX_SUBQUERY_SHARDS || !shards.every((shard) => typeof shard === 'string' && isContentId(shard))) {
      throw new InvalidMessageError(`query message shards must be 1 to ${MAX_SUBQUERY_SHARDS} content ids`);
    }
    if (new Set(shards).size !== shards.length) throw new InvalidMessageError('query message names a shard twice');
    const sql = text('sql', MAX_SUBQUERY_SQL_CHARS);
    if (header.vector === undefined) return { type: 'subquery', query, shards: shards as string[], sql };
    if (shards.length !== 1) throw new InvalidMessageError('a vector job runs on one shard');
    return { type: 'subquery', query, shards: shards as string[], sql, vector: vectorJob(header.vector) };
  }
  if (header.type !== 'subquery-result') throw new InvalidMessageError(`unknown query message type ${String(header.type)}`);
  const shard = text('shard', 64);
  if (!isContentId(shard)) throw new InvalidMessageError('query message shard is not a content id');
  const part = header.part;
  const parts = header.parts;
  const ms = header.ms;
  if (!Number.isInteger(parts) || (parts as number) < 1 || (parts as number) > MAX_RESULT_PARTS) throw new InvalidMessageError('query result parts out of range');
  if (!Number.isInteger(part) || (part as number) < 0 || (part as number) >= (parts as number)) throw new InvalidMessageError('query result part out of range');
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new InvalidMessageError('query result ms must be a non-negative number');
  if (typeof header.ok !== 'boolean' || typeof header.retryable !== 'boolean') throw new InvalidMessageError('query result ok and retryable must be booleans');
  return {
    type: 'subquery-result',
    query,
    shard,
    ok: header.ok,
    retryable: header.retryable,
    error: text('error', 16 * 1024),
    ms,
    part: part as number,
    parts: parts as number,
    bytes: payload.slice(),
  };
}

function vectorJob(value: unknown): VectorJob {
  const job = value as Partial<VectorJob> | null;
  if (typeof job !== 'object' || job === null) throw new InvalidMessageError('vector job must be an object');
  const { query, k, metric } = job;
  if (!Array.isArray(query) || query.length === 0 || query.length > MAX_VECTOR_DIMENSION || !query.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new InvalidMessageError(`vector job query must be 1 to ${MAX_VECTOR_DIMENSION} finite numbers`);
  }
  if (!Number.isInteger(k) || (k as number) < 1 || (k as number) > MAX_VECTOR_K) throw new InvalidMessageError(`vector job k must be an integer from 1 to ${MAX_VECTOR_K}`);
  if (!VECTOR_METRICS.includes(metric as VectorMetric)) throw new InvalidMessageError(`vector job metric must be one of ${VECTOR_METRICS.join(', ')}`);
  return { query: query as number[], k: k as number, metric: metric as VectorMetric };
}

/** A holder's answer as frames: the result cut into parts (an error is one part). */
export function resultMessages(
  query: string,
  shard: string,
  outcome: { ok: true; bytes: Uint8Array; ms: number } | { ok: false; retryable: boolean; error: string; ms: number },
): QueryMessage[] {
  if (!outcome.ok) return [{ type: 'subquery-result', query, shard, ok: false, retryable: outcome.retryable, error: outcome.error, ms: outcome.ms, part: 0, parts: 1, bytes: new Uint8Array(0) }];
  const parts = Math.max(1, Math.ceil(outcome.bytes.length / RESULT_PART_BYTES));
  if (parts > MAX_RESULT_PARTS) {
    const error = `the result for one shard is ${outcome.bytes.length} bytes, over the ${MAX_RESULT_PARTS * RESULT_PART_BYTES}-byte limit: filter more or aggregate`;
    return [{ type: 'subquery-result', query, shard, ok: false, retryable: false, error, ms: outcome.ms, part: 0, parts: 1, bytes: new Uint8Array(0) }];
  }
  return Array.from({ length: parts }, (_, part) => ({
    type: 'subquery-result' as const,
    query,
    shard,
    ok: true,
    retryable: false,
    error: '',
    ms: outcome.ms,
    part,
    parts,
    bytes: outcome.bytes.subarray(part * RESULT_PART_BYTES, (part + 1) * RESULT_PART_BYTES),
  }));
}
