import { describe, expect, it } from 'vitest';
import { innerEquiJoin } from './equi-join';

describe('innerEquiJoin', () => {
  it('finds the tables and columns of one inner equi-join', () => {
    expect(innerEquiJoin('SELECT w.weather, count(*) FROM sales s JOIN seattle_weather AS w ON s.day = w.date GROUP BY 1')?.sides).toEqual([
      { table: 'sales', column: 'day' },
      { table: 'seattle_weather', column: 'date' },
    ]);
    expect(innerEquiJoin('SELECT * FROM a INNER JOIN b ON b.k = a.id WHERE a.x > 1')?.sides).toEqual([
      { table: 'b', column: 'k' },
      { table: 'a', column: 'id' },
    ]);
  });

  it('refuses outer, cross and multi-way joins and anything but one column equality', () => {
    for (const sql of [
      'SELECT * FROM a LEFT JOIN b ON a.x = b.y',
      'SELECT * FROM a JOIN b USING (x)',
      'SELECT * FROM a JOIN b ON a.x = b.y JOIN c ON c.z = a.x',
      'SELECT * FROM a JOIN b ON a.x = b.y AND a.z = b.z',
      'SELECT * FROM a JOIN b ON a.x < b.y',
      'SELECT * FROM a, b WHERE a.x = b.y',
      'SELECT * FROM a JOIN (SELECT * FROM b) c ON a.x = c.y',
      'SELECT * FROM a',
    ]) {
      expect(innerEquiJoin(sql), sql).toBeUndefined();
    }
  });
});
