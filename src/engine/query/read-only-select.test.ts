import { describe, expect, it } from 'vitest';
import { assertReadOnlySelect } from './read-only-select';

describe('assertReadOnlySelect', () => {
  it('accepts plain selects, CTEs and keywords inside strings', () => {
    for (const sql of ["SELECT 'drop table x; delete' AS s FROM t;", 'WITH a AS (SELECT 1) SELECT * FROM a', 'FROM t SELECT count(*)', 'SELECT "insert" FROM t']) {
      expect(() => assertReadOnlySelect(sql), sql).not.toThrow();
    }
  });

  it('refuses anything that writes, loads, reads files or runs a second statement', () => {
    const cases: [string, RegExp][] = [
      ['DROP TABLE __shard', /only SELECT/],
      ['SELECT 1; DROP TABLE t', /one statement/],
      ['SELECT * FROM read_csv(\'x.csv\')', /reads files/],
      ['SELECT * FROM t WHERE 1 IN (SELECT 1 FROM (COPY t TO \'x\'))', /COPY is not allowed/],
      ['WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x', /DELETE is not allowed/],
      ['SELECT * FROM query(\'DROP TABLE t\')', /runs SQL text/],
    ];
    for (const [sql, reason] of cases) expect(() => assertReadOnlySelect(sql), sql).toThrow(reason);
  });
});
