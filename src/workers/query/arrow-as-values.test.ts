import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DuckDbOracle } from '../../../e2e/support/duckdb-oracle';
import { arrowAsValues, VALUES_MAX_ROWS } from './arrow-as-values';

// The literal form must give DuckDB (the engine that merges) exactly what loading the Arrow
// data as a table gives it: the same column types and the same values.
describe('arrowAsValues', () => {
  it('round-trips every supported type through DuckDB exactly, edge values and NULLs included', async () => {
    const duckdb = await DuckDbOracle.open();
    duckdb.query(`CREATE TABLE source AS SELECT * FROM (VALUES
      ((-128)::TINYINT, (-32768)::SMALLINT, (-2147483648)::INTEGER, (-9223372036854775808)::BIGINT, 255::UTINYINT, 18446744073709551615::UBIGINT,
       'nan'::DOUBLE, 0.1::FLOAT, (-99999999999999999999999999999999999999)::HUGEINT, (-12345.67)::DECIMAL(10,2), 0.005::DECIMAL(4,3),
       'it''s "quoted" ✓', true, DATE '0001-01-01'),
      (127::TINYINT, 32767::SMALLINT, 2147483647::INTEGER, 9223372036854775807::BIGINT, 0::UTINYINT, 0::UBIGINT,
       'inf'::DOUBLE, (-3.4e38)::FLOAT, 99999999999999999999999999999999999999::HUGEINT, 0.00::DECIMAL(10,2), (-0.001)::DECIMAL(4,3),
       '', false, DATE '1969-12-31'),
      (NULL, NULL, NULL, NULL, NULL, NULL, 5e-324::DOUBLE, NULL, NULL, NULL, NULL, NULL, NULL, DATE '9999-12-31'),
      (0::TINYINT, 0::SMALLINT, 0::INTEGER, 0::BIGINT, 1::UTINYINT, 1::UBIGINT, (-1.7976931348623157e308)::DOUBLE, 1.5::FLOAT, 0::HUGEINT, NULL, NULL, NULL, NULL, NULL)
    ) AS t(ti, si, i, bi, uti, ubi, d, f, h, dec, small, s, b, dt)`);
    const ipc = duckdb.queryIpc('SELECT * FROM source');
    duckdb.loadArrow('loaded', ipc);
    const values = arrowAsValues(tableFromIPC(ipc));
    expect(values).toBeDefined();
    duckdb.query(`CREATE TABLE copy AS SELECT * FROM ${values as string}`);
    const types = (table: string): string[] => comparableColumn(duckdb.query(`SELECT column_type FROM (DESCRIBE ${table})`));
    // HUGEINT comes back as DECIMAL(38,0) both ways (DuckDB exports it as an Arrow decimal).
    expect(types('copy')).toEqual(types('loaded'));
    expect(types('copy')).toContain('DECIMAL(38,0)');
    const differences = duckdb.query('SELECT count(*) AS n FROM ((SELECT * FROM loaded EXCEPT ALL SELECT * FROM copy) UNION ALL (SELECT * FROM copy EXCEPT ALL SELECT * FROM loaded))');
    expect(Number(differences.get(0)?.n)).toBe(0);
    expect(Number(duckdb.query('SELECT count(*) AS n FROM (SELECT * FROM source EXCEPT ALL SELECT * FROM copy)').get(0)?.n)).toBe(0);
    // And the check can fail: one value off is a difference.
    duckdb.query('UPDATE copy SET d = 5e-323 WHERE d = 5e-324');
    const changed = duckdb.query('SELECT count(*) AS n FROM (SELECT * FROM loaded EXCEPT ALL SELECT * FROM copy)');
    expect(Number(changed.get(0)?.n)).toBe(1);

    const empty = arrowAsValues(tableFromIPC(duckdb.queryIpc('SELECT * FROM source WHERE false')));
    expect(types(`(SELECT * FROM ${empty as string})`)).toEqual(types('loaded'));
    expect(Number(duckdb.query(`SELECT count(*) AS n FROM ${empty as string}`).get(0)?.n)).toBe(0);
  });

  it('declines types without an exact text form and tables over the row limit', async () => {
    const duckdb = await DuckDbOracle.open();
    const exported = (sql: string) => tableFromIPC(duckdb.queryIpc(sql));
    expect(arrowAsValues(exported("SELECT TIMESTAMP '2020-01-02 03:04:05.123456' AS ts"))).toBeUndefined();
    expect(arrowAsValues(exported('SELECT [1, 2] AS list'))).toBeUndefined();
    // HUGEINT leaves DuckDB as DECIMAL(38, 0) yet may hold 39 digits.
    expect(arrowAsValues(exported('SELECT 170141183460469231731687303715884105727::HUGEINT AS h'))).toBeUndefined();
    expect(arrowAsValues(exported(`SELECT range AS n FROM range(${VALUES_MAX_ROWS + 1})`))).toBeUndefined();
    expect(arrowAsValues(exported(`SELECT range AS n FROM range(${VALUES_MAX_ROWS})`))).toBeDefined();
  });
});

function comparableColumn(table: { numRows: number; getChildAt(i: number): { get(row: number): unknown } | null }): string[] {
  return Array.from({ length: table.numRows }, (_, row) => String(table.getChildAt(0)?.get(row)));
}
