import type { Table } from 'apache-arrow';
import type { ColumnStats } from '../../engine/catalog/manifest';

type StatValue = string | number | boolean | null;

/**
 * A value as the catalog keeps it: numbers, strings and booleans as they are; bigints as
 * numbers when exact, else as decimal strings; dates as epoch milliseconds; anything else
 * (lists, structs, binary) has no order the planner could prune by.
 */
function comparable(value: unknown): StatValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isNaN(value) ? undefined : value;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Date) return value.getTime();
  return undefined;
}

function less(a: StatValue, b: StatValue): boolean {
  if (a === null || b === null) return false;
  if (typeof a === typeof b) return a < b;
  // Mixed kinds only arise for huge bigints (strings) next to numbers: compare numerically.
  return Number(a) < Number(b);
}

/** Min, max and null count of every column: what queries prune shards by. */
export function columnStats(table: Table): Record<string, ColumnStats> {
  const stats: Record<string, ColumnStats> = {};
  for (const field of table.schema.fields) {
    const column = table.getChild(field.name);
    let min: StatValue = null;
    let max: StatValue = null;
    let nulls = 0;
    let orderable = true;
    if (column) {
      for (let row = 0; row < column.length; row++) {
        const raw: unknown = column.get(row);
        if (raw === null || raw === undefined) {
          nulls++;
          continue;
        }
        const value = comparable(raw);
        if (value === undefined) {
          orderable = false;
          continue;
        }
        if (min === null || less(value, min)) min = value;
        if (max === null || less(max, value)) max = value;
      }
    }
    stats[field.name] = orderable ? { min, max, nulls } : { min: null, max: null, nulls };
  }
  return stats;
}
