import { describe, expect, it } from 'vitest';
import type { DatasetManifest } from '../catalog/manifest';
import { datasetsInQuery, tableNameOf, unambiguousTableNames } from './dataset-tables';

const manifest = (name: string, id: string): DatasetManifest => ({ id: id.padEnd(64, '0'), name, columns: [], rows: 0, bytes: 0, shards: [], createdBy: 'n' });

describe('dataset table names', () => {
  it('turns file names into identifiers', () => {
    expect(tableNameOf('Trips 2024.csv')).toBe('trips_2024');
    expect(tableNameOf('2024-sales.parquet')).toBe('_2024_sales');
    expect(tableNameOf('....json')).toBe('dataset');
  });

  it('finds the datasets a query names, and refuses an ambiguous name with the names to use', () => {
    const trips = manifest('trips.csv', 'aaaaaaaa');
    const zones = manifest('zones.arrow', 'bbbbbbbb');
    expect(datasetsInQuery('SELECT * FROM Trips t JOIN "zones" z ON t.zone = z.id', [trips, zones]).map((d) => [d.table, d.manifest.id])).toEqual([
      ['trips', trips.id],
      ['zones', zones.id],
    ]);
    const again = manifest('trips.parquet', 'cccccccc');
    expect(() => datasetsInQuery('SELECT count(*) FROM trips', [trips, again])).toThrow(/use one of trips_aaaaaaaa, trips_cccccccc/);
    expect(datasetsInQuery('SELECT count(*) FROM trips_cccccccc', [trips, again])[0]?.manifest.id).toBe(again.id);
  });

  it('names each dataset unambiguously for the UI: the bare name only where it is unique', () => {
    const datasets = [manifest('trips.csv', 'aaaaaaaa'), manifest('trips.parquet', 'cccccccc'), manifest('zones.arrow', 'bbbbbbbb')];
    expect(unambiguousTableNames(datasets)).toEqual(['trips_aaaaaaaa', 'trips_cccccccc', 'zones']);
  });
});
