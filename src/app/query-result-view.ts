import { tableFromIPC } from 'apache-arrow';

/** Rows shown in the console; the whole result is still counted. */
export const SHOWN_ROWS = 200;

export interface ResultPreview {
  readonly columns: string[];
  readonly rows: string[][];
  readonly total: number;
}

/** The first rows of an Arrow IPC result as display strings. */
export function previewOf(arrow: ArrayBuffer): ResultPreview {
  const table = tableFromIPC(new Uint8Array(arrow));
  const columns = table.schema.fields.map((field) => field.name);
  const rows: string[][] = [];
  for (let i = 0; i < Math.min(table.numRows, SHOWN_ROWS); i++) {
    const row = table.get(i);
    rows.push(columns.map((_, c) => display(row?.[columns[c] ?? ''] as unknown)));
  }
  return { columns, rows, total: table.numRows };
}

function display(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && 'toString' in value) return String(value);
  return String(value);
}
