import { DataType, type Field, type Table } from 'apache-arrow';
import { quoteIdentifier, quoteString } from '../../engine/query/sql-tokens';

/** Partial results up to this many rows go to the merge as SQL literals rather than as a loaded table. */
export const VALUES_MAX_ROWS = 64;
const VALUES_MAX_CHARS = 1024 * 1024;

/**
 * A small Arrow table as an SQL subquery of literal rows with the table's exact column types,
 * or undefined when it is too big or has a type without an exact text form here. The asker's
 * merge of a few partial rows (an aggregate without groups) then costs one DuckDB call, not a
 * load, a query and a drop (each a round trip to DuckDB's worker). Every value goes as text
 * and is cast by DuckDB, which reads its own types' text exactly (doubles print in shortest
 * round-trip form). DuckDB binds literal rows slowly (about 0.1 ms each in the bench), so
 * larger partials are loaded as a table.
 */
export function arrowAsValues(table: Table): string | undefined {
  if (table.numRows > VALUES_MAX_ROWS) return undefined;
  const columns = table.schema.fields.map((field, i) => ({ field, sqlType: sqlTypeOf(field), vector: table.getChildAt(i) }));
  if (columns.length === 0 || columns.some((column) => column.sqlType === undefined || !column.vector)) return undefined;
  const names = columns.map(({ field }) => quoteIdentifier(field.name));
  const typed = columns.map(({ sqlType }, i) => `CAST(${names[i]} AS ${sqlType}) AS ${names[i]}`).join(', ');
  if (table.numRows === 0) return `(SELECT ${columns.map(({ sqlType }, i) => `CAST(NULL AS ${sqlType}) AS ${names[i]}`).join(', ')} WHERE false)`;
  const rows: string[] = [];
  let chars = 0;
  for (let row = 0; row < table.numRows; row++) {
    const cells: string[] = [];
    for (const { field, vector } of columns) {
      const text = textOf(field, vector?.get(row));
      if (text === undefined) return undefined;
      cells.push(text);
    }
    const line = `(${cells.join(', ')})`;
    chars += line.length;
    if (chars > VALUES_MAX_CHARS) return undefined;
    rows.push(line);
  }
  return `(SELECT ${typed} FROM (VALUES ${rows.join(', ')}) AS __values(${names.join(', ')}))`;
}

function sqlTypeOf(field: Field): string | undefined {
  const type = field.type;
  if (DataType.isInt(type)) return `${type.isSigned ? '' : 'U'}${{ 8: 'TINYINT', 16: 'SMALLINT', 32: 'INTEGER', 64: 'BIGINT' }[type.bitWidth]}`;
  if (DataType.isFloat(type)) return type.precision === 2 ? 'DOUBLE' : type.precision === 1 ? 'FLOAT' : undefined;
  if (DataType.isUtf8(type)) return 'VARCHAR';
  if (DataType.isBool(type)) return 'BOOLEAN';
  if (DataType.isDecimal(type) && type.bitWidth === 128 && type.precision <= 38) return `DECIMAL(${type.precision}, ${type.scale})`;
  if (DataType.isDate(type)) return 'DATE';
  return undefined;
}

/** A value as an SQL string literal DuckDB casts back to the field's type exactly, or NULL; undefined if there is no exact form. */
function textOf(field: Field, value: unknown): string | undefined {
  if (value === null || value === undefined) return 'NULL';
  const type = field.type;
  if (DataType.isDecimal(type)) {
    // A HUGEINT comes out of DuckDB as DECIMAL(38, 0), though it can hold 39 digits: those have no literal of that type.
    const unscaled = String(value);
    return unscaled.replace('-', '').length > type.precision ? undefined : quoteString(withScale(unscaled, type.scale));
  }
  if (DataType.isDate(type)) {
    if (typeof value !== 'number' && !(value instanceof Date)) return undefined;
    const iso = new Date(value).toISOString();
    return /^\d{4}-/.test(iso) ? quoteString(iso.slice(0, 10)) : undefined;
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return quoteString(String(value));
  if (typeof value === 'string') return quoteString(value);
  return undefined;
}

/** An unscaled decimal integer ("-1234500", scale 2) as its decimal text ("-12345.00"). */
function withScale(unscaled: string, scale: number): string {
  if (scale === 0) return unscaled;
  const negative = unscaled.startsWith('-');
  const digits = (negative ? unscaled.slice(1) : unscaled).padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
