import { describe, expect, it } from 'vitest';
import type { DatasetManifest } from '../../engine/catalog/manifest';
import { BROADCAST_BYTES, semiJoinOf } from './semi-join';

const dataset = (table: string, bytes: number, columns: string[]): { table: string; manifest: DatasetManifest } => ({
  table,
  manifest: { id: table.padEnd(64, '0'), name: `${table}.csv`, columns: columns.map((name) => ({ name, type: 'Utf8' })), rows: 1, bytes, shards: [], createdBy: 'n' },
});

describe('semiJoinOf', () => {
  const sales = dataset('sales', 50_000_000, ['id', 'Day']);
  const weather = dataset('weather', 50_000, ['date', 'kind']);

  it('sends the smaller side of an inner equi-join first, with the columns as the datasets spell them', () => {
    expect(semiJoinOf('SELECT w.kind, count(*) FROM sales s JOIN weather w ON s.day = w.date GROUP BY 1', [sales, weather])).toEqual({
      small: 'weather',
      smallColumn: 'date',
      big: 'sales',
      bigColumn: 'Day',
    });
  });

  it('gathers both sides when neither is small, the join is not inner, or a column is unknown', () => {
    const huge = dataset('weather', BROADCAST_BYTES + 1, ['date', 'kind']);
    expect(semiJoinOf('SELECT * FROM sales s JOIN weather w ON s.day = w.date', [sales, huge])).toBeUndefined();
    expect(semiJoinOf('SELECT * FROM sales s LEFT JOIN weather w ON s.day = w.date', [sales, weather])).toBeUndefined();
    expect(semiJoinOf('SELECT * FROM sales s JOIN weather w ON s.nope = w.date', [sales, weather])).toBeUndefined();
  });
});
