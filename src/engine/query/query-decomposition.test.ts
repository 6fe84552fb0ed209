import { describe, expect, it } from 'vitest';
import { decomposeQuery, neededColumns } from './query-decomposition';
import { selectShape } from './select-shape';
import { replaceIdentifier, tokenizeSql } from './sql-tokens';

const table = { name: 'trips', columns: ['id', 'city', 'fare', 'Distance', 'day'] };

describe('tokenizeSql', () => {
  it('keeps strings, quoted names and comments apart from the words around them', () => {
    const tokens = tokenizeSql(`SELECT 'it''s -- not a comment', "odd ""name""" /* c */ FROM t -- tail\nWHERE x >= 1.5e3`);
    expect(tokens.map((t) => [t.kind, t.value])).toEqual([
      ['word', 'SELECT'],
      ['string', "it's -- not a comment"],
      ['symbol', ','],
      ['quoted', 'odd "name"'],
      ['word', 'FROM'],
      ['word', 'T'],
      ['word', 'WHERE'],
      ['word', 'X'],
      ['symbol', '>='],
      ['number', '1.5e3'],
    ]);
  });

  it('replaces an identifier but not the same word inside strings or longer names', () => {
    expect(replaceIdentifier(`SELECT "__shard".x, '__shard' FROM __SHARD AS s JOIN __shards t`, '__shard', 't1')).toBe(`SELECT t1.x, '__shard' FROM t1 AS s JOIN __shards t`);
  });

  it('records parenthesis depth and rejects an unterminated string', () => {
    expect(tokenizeSql('f(a, (b))').map((t) => t.depth)).toEqual([0, 0, 1, 1, 1, 2, 1, 0]);
    expect(() => tokenizeSql("SELECT 'open")).toThrow(/unterminated string/);
  });
});

describe('selectShape', () => {
  it('reads the clauses of a plain single-table select', () => {
    const shape = selectShape('SELECT city, count(*) AS n FROM trips t WHERE fare > 3 GROUP BY city HAVING count(*) > 1 ORDER BY n DESC LIMIT 5;');
    expect(shape?.items.map((item) => [item.text, item.alias])).toEqual([
      ['city', undefined],
      ['count(*)', 'n'],
    ]);
    expect(shape?.table).toBe('trips');
    expect(shape?.tableAlias).toBe('t');
    expect(shape?.where?.text).toBe('fare > 3');
    expect(shape?.groupBy.map((key) => key.text)).toEqual(['city']);
    expect(shape?.having?.text).toBe('count(*) > 1');
    expect(shape?.orderBy?.text).toBe('n DESC');
    expect(shape?.tail).toBe('LIMIT 5');
  });

  it('has no shape for joins, set operations, CTEs and several tables', () => {
    for (const sql of ['SELECT * FROM a JOIN b ON a.x = b.x', 'SELECT 1 FROM a UNION SELECT 2 FROM b', 'WITH c AS (SELECT 1) SELECT * FROM c', 'SELECT * FROM a, b', 'SELECT * FROM (SELECT 1)']) {
      expect(selectShape(sql), sql).toBeUndefined();
    }
  });
});

describe('decomposeQuery', () => {
  it('pushes partial aggregates, the filter and the grouping to the holders', () => {
    const plan = decomposeQuery('SELECT city, count(*), avg(fare) AS mean FROM trips WHERE fare > 3 GROUP BY city ORDER BY mean DESC LIMIT 3', table, ['city', 'count_star()', 'mean']);
    expect(plan.kind).toBe('aggregate');
    if (plan.kind !== 'aggregate') return;
    expect(plan.shardSql).toBe('SELECT city AS __k0, count(*) AS __p1, sum(fare) AS __p2, count(fare) AS __p3 FROM __shard AS trips WHERE fare > 3 GROUP BY 1');
    expect(plan.mergeSql).toBe(
      'SELECT __k0 AS "city", coalesce(sum(__p1), 0)::BIGINT AS "count_star()", (sum(__p2)::DOUBLE / nullif(sum(__p3), 0)) AS "mean" FROM __parts GROUP BY __k0 ORDER BY mean DESC LIMIT 3',
    );
    expect(plan.filter?.text).toBe('fare > 3');
  });

  it('resolves GROUP BY ordinals, aliases and ALL to the select items', () => {
    for (const sql of ['SELECT day % 7 AS wd, sum(fare) FROM trips GROUP BY 1', 'SELECT day % 7 AS wd, sum(fare) FROM trips GROUP BY wd', 'SELECT day % 7 AS wd, sum(fare) FROM trips GROUP BY ALL']) {
      const plan = decomposeQuery(sql, table, ['wd', 'sum(fare)']);
      expect(plan.kind, sql).toBe('aggregate');
      if (plan.kind === 'aggregate') expect(plan.shardSql, sql).toContain('day % 7 AS __k0');
    }
  });

  it('gathers what it cannot merge exactly, with only the needed columns', () => {
    const cases: [string, string][] = [
      ['SELECT count(DISTINCT city) FROM trips', 'SELECT "city" FROM __shard AS trips'],
      ['SELECT median(fare) FROM trips WHERE day = 3', 'SELECT "fare", "day" FROM __shard AS trips WHERE day = 3'],
      ['SELECT city, fare - avg(fare) OVER (PARTITION BY city) FROM trips', 'SELECT "city", "fare" FROM __shard AS trips'],
      ['SELECT DISTINCT city FROM trips', 'SELECT "city" FROM __shard AS trips'],
      ['SELECT count_if(fare > 2) FROM trips', 'SELECT "fare" FROM __shard AS trips'],
      ['SELECT * FROM trips WHERE fare > (SELECT avg(fare) FROM trips)', 'SELECT "id", "city", "fare", "Distance", "day" FROM __shard'],
    ];
    for (const [sql, shardSql] of cases) {
      const plan = decomposeQuery(sql, table, ['x']);
      expect(plan.kind, sql).toBe('gather');
      expect(plan.shardSql, sql).toBe(shardSql);
    }
  });

  it('asks each holder for only its top rows under ORDER BY ... LIMIT over plain rows', () => {
    const plan = decomposeQuery('SELECT id, fare FROM trips WHERE city = \'Oslo\' ORDER BY fare DESC, id LIMIT 10 OFFSET 5', table, ['id', 'fare']);
    expect(plan.shardSql).toBe(`SELECT "id", "city", "fare" FROM __shard AS trips WHERE city = 'Oslo' ORDER BY fare DESC, id LIMIT 15`);
    // An ordinal or a select alias means something else in the shard's query: no top rows.
    expect(decomposeQuery('SELECT id, fare * 2 AS f FROM trips ORDER BY f LIMIT 3', table, ['id', 'f']).shardSql).toBe('SELECT "id", "fare" FROM __shard AS trips');
  });

  it('finds needed columns case-insensitively, and all of them for * or COLUMNS()', () => {
    expect(neededColumns(tokenizeSql('SELECT DISTANCE, "CITY" FROM trips'), table)).toEqual(['city', 'Distance']);
    expect(neededColumns(tokenizeSql('SELECT count(*) FROM trips'), table)).toEqual([]);
    expect(neededColumns(tokenizeSql('SELECT t.* FROM trips t'), table)).toEqual(table.columns);
    expect(neededColumns(tokenizeSql("SELECT max(COLUMNS('f.*')) FROM trips"), table)).toEqual(table.columns);
  });
});
