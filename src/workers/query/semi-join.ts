import type { DatasetManifest } from '../../engine/catalog/manifest';
import { innerEquiJoin } from '../../engine/query/equi-join';
import { quoteIdentifier, quoteString } from '../../engine/query/sql-tokens';
import { runSqlOverArrow } from './sql-over-arrow';

/** A join side whose whole dataset is at most this big is gathered first, and its keys sent to the other side. */
export const BROADCAST_BYTES = 16 * 1024 * 1024;
/** Most distinct keys sent to the holders of the big side (they ride in the subquery's SQL). */
const MAX_KEYS = 10_000;
const MAX_KEY_LIST_CHARS = 48 * 1024;

/** An inner equi-join of a small dataset with a big one: which columns to match. */
export interface SemiJoin {
  readonly small: string;
  readonly smallColumn: string;
  readonly big: string;
  readonly bigColumn: string;
}

/**
 * Whether a two-dataset query is an inner equi-join with one side small enough to broadcast:
 * gather that side first, then ask the other side's holders only for rows whose join key
 * appears in it (a semi-join). Rows without a match could never be in an inner join's result.
 */
export function semiJoinOf(sql: string, datasets: readonly { table: string; manifest: DatasetManifest }[]): SemiJoin | undefined {
  const join = innerEquiJoin(sql);
  if (!join || datasets.length !== 2) return undefined;
  const sides = join.sides.map((side) => {
    const dataset = datasets.find((candidate) => candidate.table === side.table);
    const column = dataset?.manifest.columns.find((candidate) => candidate.name.toLowerCase() === side.column);
    return dataset && column ? { table: dataset.table, column: column.name, bytes: dataset.manifest.bytes } : undefined;
  });
  const [a, b] = sides;
  if (!a || !b) return undefined;
  const [small, big] = a.bytes <= b.bytes ? [a, b] : [b, a];
  if (small.bytes > BROADCAST_BYTES) return undefined;
  return { small: small.table, smallColumn: small.column, big: big.table, bigColumn: big.column };
}

/** ` WHERE big_column IN (keys of the small side)` for the big side's subqueries; undefined if there are too many keys to send. */
export async function keyFilter(join: SemiJoin, smallStreams: readonly Uint8Array[]): Promise<string | undefined> {
  const column = quoteIdentifier(join.smallColumn);
  const keys = await runSqlOverArrow(`SELECT DISTINCT CAST(${column} AS VARCHAR) AS k FROM __small WHERE ${column} IS NOT NULL LIMIT ${MAX_KEYS + 1}`, [{ view: '__small', streams: smallStreams }]);
  if (keys.table.numRows > MAX_KEYS) return undefined;
  const values = (keys.table.getChild('k')?.toArray() ?? []) as string[];
  if (values.length === 0) return ' WHERE false';
  // Quoted keys compare after DuckDB casts them to the big column's type (dates, numbers, text).
  const list = Array.from(values, (value) => quoteString(String(value))).join(', ');
  return list.length > MAX_KEY_LIST_CHARS ? undefined : ` WHERE ${quoteIdentifier(join.bigColumn)} IN (${list})`;
}
