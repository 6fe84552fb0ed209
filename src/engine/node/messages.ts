import type { CatalogSnapshot } from '../catalog/catalog';
import type { ColumnStats, DatasetManifest, ShardEntry } from '../catalog/manifest';
import type { NodeRecord, PendingCopyRecord } from '../catalog/node-record';
import { isContentId, PIECE_BYTES, pieceCount } from '../content-id';
import { InvalidMessageError } from '../errors';
import { decodeTaggedFrame, encodeTaggedFrame } from '../tagged-frame';

// The engine's wire messages: one discriminated union, versioned, size-limited and validated
// on receipt. Frame: [version u8][header length u32 BE][header JSON][payload bytes]. Piece
// bytes ride as the raw payload so they are never copied through JSON.

export const WIRE_VERSION = 3;

/** Largest shard: its piece list must fit one header. */
export const MAX_SHARD_BYTES = 32 * 1024 * 1024;
/** Largest JSON header (gossip of a big catalog included). */
export const MAX_HEADER_BYTES = 8 * 1024 * 1024;
/** Largest frame accepted: a header plus one piece. */
export const MAX_FRAME_BYTES = 5 + MAX_HEADER_BYTES + PIECE_BYTES;

/**
 * Shards travel as verified pieces, pulled by the receiver: it asks a holder for the shard's
 * piece list (checked against the content id), then for pieces a few at a time (each checked
 * against its hash). A push is an offer that the receiver answers by pulling; a fetch (export,
 * queries) is the same pull without an offer. A transfer cut off halfway keeps its verified
 * pieces and asks only for the rest, from the same holder or another.
 */
export type EngineMessage =
  /**
   * State-based gossip: the sender's whole catalog, and how many milliseconds ago it last heard
   * of each member by id (itself at 0), so receivers date a member's silence from when it
   * really began (see Membership.observe).
   */
  | { readonly type: 'gossip'; readonly catalog: CatalogSnapshot; readonly heardAgoMs: Readonly<Record<string, number>> }
  /**
   * The sender wants the receiver to hold a copy of a shard and will serve its pieces.
   * `replaces` names the node whose copy this one stands in for ('' if none): the sender of a
   * move, or a node leaving; `replacesVersion` is a version of that node's record that still
   * lists the copy, so the receiver can tell a later record that dropped it from an older one
   * that never had it.
   */
  | {
      readonly type: 'shard-offer';
      readonly shard: string;
      readonly replaces: string;
      readonly replacesIncarnation: number;
      readonly replacesVersion: number;
    }
  /**
   * The receiver's answer to an offer, with its record's version once the copy is in it: the
   * sender counts the copy until it has seen that version (which shows it, or its later deletion).
   */
  | { readonly type: 'shard-ack'; readonly shard: string; readonly ok: boolean; readonly reason: string; readonly version: number }
  /** Asks a holder for a shard's size and piece hashes. */
  | { readonly type: 'pieces-request'; readonly shard: string }
  /** A holder's piece list (the receiver checks it against the shard id), or why not. */
  | { readonly type: 'pieces'; readonly shard: string; readonly ok: boolean; readonly reason: string; readonly size: number; readonly hashes: readonly string[] }
  /** Asks a holder for one piece of a shard. */
  | { readonly type: 'piece-request'; readonly shard: string; readonly index: number }
  /** One piece's bytes, deflated or not (see piece-deflate; checked against its hash once inflated), or why not. */
  | { readonly type: 'piece'; readonly shard: string; readonly index: number; readonly ok: boolean; readonly reason: string; readonly deflated: boolean; readonly bytes: Uint8Array };

export function encodeMessage(message: EngineMessage): Uint8Array {
  return message.type === 'piece' ? encodeTaggedFrame(WIRE_VERSION, { ...message, bytes: undefined }, message.bytes) : encodeTaggedFrame(WIRE_VERSION, message, new Uint8Array(0));
}

/** Parses and validates a frame; throws InvalidMessageError saying what is wrong. */
export function decodeMessage(frame: Uint8Array): EngineMessage {
  if (frame.length > MAX_FRAME_BYTES) throw new InvalidMessageError(`frame of ${frame.length} bytes exceeds ${MAX_FRAME_BYTES}`);
  const { header, payload } = decodeTaggedFrame(frame, WIRE_VERSION, MAX_HEADER_BYTES, 'frame', 'wire version');
  const h = object(header, 'header');
  if (h.type !== 'piece') expectEmpty(payload);
  switch (h.type) {
    case 'gossip':
      return { type: 'gossip', catalog: catalogSnapshot(h.catalog), heardAgoMs: heardAgo(h.heardAgoMs) };
    case 'shard-offer':
      return {
        type: 'shard-offer',
        shard: contentIdField(h.shard, 'shard'),
        replaces: str(h.replaces, 'replaces'),
        replacesIncarnation: num(h.replacesIncarnation, 'replacesIncarnation'),
        replacesVersion: num(h.replacesVersion, 'replacesVersion'),
      };
    case 'shard-ack':
      return {
        type: 'shard-ack',
        shard: contentIdField(h.shard, 'shard'),
        ok: bool(h.ok, 'ok'),
        reason: str(h.reason, 'reason'),
        version: num(h.version, 'version'),
      };
    case 'pieces-request':
      return { type: 'pieces-request', shard: contentIdField(h.shard, 'shard') };
    case 'pieces': {
      const size = num(h.size, 'size');
      if (size > MAX_SHARD_BYTES) throw new InvalidMessageError(`shard size ${size} exceeds ${MAX_SHARD_BYTES}`);
      const hashes = list(h.hashes, 'hashes', contentIdField);
      if (hashes.length !== pieceCount(size)) throw new InvalidMessageError(`${hashes.length} piece hashes for ${size} bytes`);
      return { type: 'pieces', shard: contentIdField(h.shard, 'shard'), ok: bool(h.ok, 'ok'), reason: str(h.reason, 'reason'), size, hashes };
    }
    case 'piece-request':
      return { type: 'piece-request', shard: contentIdField(h.shard, 'shard'), index: integer(h.index, 'index') };
    case 'piece':
      if (payload.length > PIECE_BYTES) throw new InvalidMessageError(`piece of ${payload.length} bytes exceeds ${PIECE_BYTES}`);
      return {
        type: 'piece',
        shard: contentIdField(h.shard, 'shard'),
        index: integer(h.index, 'index'),
        ok: bool(h.ok, 'ok'),
        reason: str(h.reason, 'reason'),
        deflated: bool(h.deflated, 'deflated'),
        // Plain bytes are kept, so they are copied out of the frame; deflated ones are inflated into a buffer of their own at once.
        bytes: h.deflated === true ? payload : payload.slice(),
      };
    default:
      throw new InvalidMessageError(`unknown message type ${JSON.stringify(h.type)}`);
  }
}

function integer(value: unknown, what: string): number {
  const n = num(value, what);
  if (!Number.isInteger(n)) throw new InvalidMessageError(`${what} is not an integer`);
  return n;
}

function expectEmpty(payload: Uint8Array): void {
  if (payload.length > 0) throw new InvalidMessageError('unexpected payload after header');
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidMessageError(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function str(value: unknown, what: string, maxLength = 1024): string {
  if (typeof value !== 'string' || value.length > maxLength) throw new InvalidMessageError(`${what} is not a string of at most ${maxLength}`);
  return value;
}

function num(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidMessageError(`${what} is not a non-negative number`);
  return value;
}

function heardAgo(value: unknown): Record<string, number> {
  // Absent in frames from builds before it: then every relayed heartbeat counts as heard now.
  if (value === undefined) return {};
  // No prototype: an id such as "__proto__" or "constructor" is just a key.
  const ages: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const [id, age] of Object.entries(object(value, 'heardAgoMs'))) ages[str(id, 'heardAgoMs key')] = num(age, `heardAgoMs.${id}`);
  return ages;
}

function bool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new InvalidMessageError(`${what} is not a boolean`);
  return value;
}

function list<T>(value: unknown, what: string, item: (v: unknown, what: string) => T): T[] {
  if (!Array.isArray(value)) throw new InvalidMessageError(`${what} is not a list`);
  return value.map((v, i) => item(v, `${what}[${i}]`));
}

function contentIdField(value: unknown, what: string): string {
  const id = str(value, what, 64);
  if (!isContentId(id)) throw new InvalidMessageError(`${what} is not a content id`);
  return id;
}

function scalar(value: unknown, what: string): string | number | boolean | null {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  return str(value, what, 4096);
}

function stats(value: unknown, what: string): ColumnStats {
  const s = object(value, what);
  return { min: scalar(s.min, `${what}.min`), max: scalar(s.max, `${what}.max`), nulls: num(s.nulls, `${what}.nulls`) };
}

function shardEntry(value: unknown, what: string): ShardEntry {
  const s = object(value, what);
  const statsObject = object(s.stats, `${what}.stats`);
  const parsedStats: Record<string, ColumnStats> = {};
  for (const [column, columnStats] of Object.entries(statsObject)) parsedStats[column] = stats(columnStats, `${what}.stats.${column}`);
  return {
    id: contentIdField(s.id, `${what}.id`),
    bytes: num(s.bytes, `${what}.bytes`),
    rows: num(s.rows, `${what}.rows`),
    firstRow: num(s.firstRow, `${what}.firstRow`),
    stats: parsedStats,
  };
}

function manifest(value: unknown, what: string): DatasetManifest {
  const m = object(value, what);
  return {
    id: contentIdField(m.id, `${what}.id`),
    name: str(m.name, `${what}.name`),
    columns: list(m.columns, `${what}.columns`, (c, w) => {
      const column = object(c, w);
      return { name: str(column.name, `${w}.name`), type: str(column.type, `${w}.type`) };
    }),
    rows: num(m.rows, `${what}.rows`),
    bytes: num(m.bytes, `${what}.bytes`),
    shards: list(m.shards, `${what}.shards`, shardEntry),
    createdBy: str(m.createdBy, `${what}.createdBy`),
  };
}

function pendingCopy(value: unknown, what: string): PendingCopyRecord {
  const p = object(value, what);
  const copy = { shard: contentIdField(p.shard, `${what}.shard`), to: str(p.to, `${what}.to`) };
  return p.releaseFrom === undefined ? copy : { ...copy, releaseFrom: str(p.releaseFrom, `${what}.releaseFrom`) };
}

function nodeRecord(value: unknown, what: string): NodeRecord {
  const r = object(value, what);
  return {
    id: str(r.id, `${what}.id`),
    host: str(r.host, `${what}.host`),
    incarnation: num(r.incarnation, `${what}.incarnation`),
    version: num(r.version, `${what}.version`),
    capacityBytes: num(r.capacityBytes, `${what}.capacityBytes`),
    usedBytes: num(r.usedBytes, `${what}.usedBytes`),
    full: bool(r.full, `${what}.full`),
    capabilities: list(r.capabilities, `${what}.capabilities`, (c, w) => str(c, w, 64)),
    holdings: list(r.holdings, `${what}.holdings`, contentIdField),
    staged: list(r.staged, `${what}.staged`, contentIdField),
    pending: list(r.pending, `${what}.pending`, pendingCopy),
    replacing: list(r.replacing, `${what}.replacing`, (value, w) => {
      const copy = object(value, w);
      return { shard: contentIdField(copy.shard, `${w}.shard`), source: str(copy.source, `${w}.source`) };
    }),
    released: list(r.released, `${what}.released`, (value, w) => {
      const copy = object(value, w);
      return { shard: contentIdField(copy.shard, `${w}.shard`), to: str(copy.to, `${w}.to`), at: num(copy.at, `${w}.at`) };
    }),
    leaving: bool(r.leaving, `${what}.leaving`),
    left: bool(r.left, `${what}.left`),
  };
}

function catalogSnapshot(value: unknown): CatalogSnapshot {
  const c = object(value, 'catalog');
  return { manifests: list(c.manifests, 'manifests', manifest), records: list(c.records, 'records', nodeRecord) };
}
