import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryOutcome, QueryResult } from './query-engine.ts';
import { QueryEngine, statementType } from './query-engine.ts';
import { formatJavaDouble } from './result-format.ts';

let engine: QueryEngine;
beforeAll(async () => {
  engine = await QueryEngine.create();
});
afterAll(() => engine.close());

const run = (sql: string, parameters: string[] = [], database = 'db'): Promise<QueryOutcome> =>
  engine.execute({ sql, database, parameters }).outcome;

async function succeed(sql: string, parameters: string[] = []): Promise<QueryResult> {
  const outcome = await run(sql, parameters);
  if (!outcome.ok) throw new Error(outcome.failure.reason);
  return outcome.result;
}

async function failReason(sql: string): Promise<string> {
  const outcome = await run(sql);
  if (outcome.ok) throw new Error(`expected ${sql} to fail`);
  return outcome.failure.reason;
}

describe('QueryEngine result presentation', () => {
  it('names columns with Athena (Trino) types and renders values as Athena does', async () => {
    const { columns, rows } = await succeed(`
      SELECT 1::TINYINT a, 2::SMALLINT b, 3 c, 4::BIGINT d, 1.1::FLOAT e, 1e21::DOUBLE f, 12.30::DECIMAL(5,2) g,
             'x' h, true i, DATE '2024-02-29' j, TIMESTAMP '2024-02-29 23:59:59.5' k, TIME '01:02:03' l,
             '\\xAA\\x0B'::BLOB m, [1, 2] n, MAP {'k': 1} o, {'x': 1, 'y': 'abc'} p, NULL::VARCHAR q,
             '00000000-0000-0000-0000-000000000001'::UUID r, 10000000.0::DOUBLE s, 0.5::DOUBLE t`);
    expect(columns.map((c) => c.Type)).toEqual([
      'tinyint',
      'smallint',
      'integer',
      'bigint',
      'real',
      'double',
      'decimal',
      'varchar',
      'boolean',
      'date',
      'timestamp',
      'time',
      'varbinary',
      'array',
      'map',
      'row',
      'varchar',
      'uuid',
      'double',
      'double',
    ]);
    expect(rows).toEqual([
      [
        '1',
        '2',
        '3',
        '4',
        '1.1',
        '1.0E21',
        '12.30',
        'x',
        'true',
        '2024-02-29',
        '2024-02-29 23:59:59.500',
        '01:02:03.000',
        'aa 0b',
        '[1, 2]',
        '{k=1}',
        '{x=1, y=abc}',
        undefined,
        '00000000-0000-0000-0000-000000000001',
        '1.0E7',
        '0.5',
      ],
    ]);
    expect(columns[6]).toMatchObject({ Precision: 5, Scale: 2 });
  });

  it('renders JSON, intervals and zoned timestamps with their Athena names', async () => {
    const { columns, rows } = await succeed(
      `SELECT '{"a":1}'::JSON j, INTERVAL '1 day 2 hours' iv, TIMESTAMPTZ '2024-01-01 00:00:00+00' tz`,
    );
    expect(columns.map((c) => c.Type)).toEqual(['json', 'interval day to second', 'timestamp with time zone']);
    expect(rows).toEqual([['{"a":1}', '1 02:00:00.000', '2024-01-01 00:00:00.000 UTC']]);
  });

  it('formats doubles like Java, as Trino does', () => {
    expect([1, -2.5, 0, 1e7, 1.5e-4, 123456.789, Number.NaN, Number.NEGATIVE_INFINITY].map(formatJavaDouble)).toEqual([
      '1.0',
      '-2.5',
      '0.0',
      '1.0E7',
      '1.5E-4',
      '123456.789',
      'NaN',
      '-Infinity',
    ]);
  });

  it('reports writes as an update count and DDL as an empty result', async () => {
    expect(await succeed('CREATE TABLE t AS SELECT * FROM range(3) r(i)')).toEqual({ columns: [], rows: [], updateCount: 3 });
    expect(await succeed('UPDATE t SET i = i + 1 WHERE i > 0')).toEqual({ columns: [], rows: [], updateCount: 2 });
    expect(await succeed('CREATE VIEW v AS SELECT 1')).toEqual({ columns: [], rows: [] });
  });

  it('runs each database in its own schema, created on first use', async () => {
    await run('CREATE TABLE only_here(x INTEGER)', [], 'first');
    const other = await run('SELECT * FROM only_here', [], 'second');
    expect(other.ok).toBe(false);
    expect(await engine.sql("SELECT count(*)::INTEGER n FROM information_schema.tables WHERE table_schema = 'first'")).toEqual([{ n: 1 }]);
  });
});

describe('QueryEngine failures', () => {
  it('maps DuckDB errors to Athena error names with the query position', async () => {
    expect(await failReason('SELECT nocol FROM range(1)')).toBe(
      "COLUMN_NOT_FOUND: line 1:8: Column 'nocol' cannot be resolved or requester is not authorized to access requested resources",
    );
    expect(await failReason("SELECT CAST('x' AS INTEGER)")).toMatch(/^INVALID_CAST_ARGUMENT: line 1:8: Could not convert string 'x'/);
    expect(await failReason('SELECT no_such_function(1)')).toMatch(/^FUNCTION_NOT_FOUND: /);
  });

  it('classifies data errors as USER errors of the data-error type', async () => {
    const outcome = await run('SELECT 1::TINYINT + 200::TINYINT');
    expect(outcome.ok || outcome.failure.error).toMatchObject({ ErrorCategory: 2, ErrorType: 1001, Retryable: false });
  });

  it('fails an interrupted query instead of running it', async () => {
    await succeed('CREATE TABLE side_effects(x INTEGER)');
    const running = engine.execute({ sql: 'INSERT INTO side_effects VALUES (1)', database: 'db', parameters: [] });
    running.interrupt();
    const outcome = await running.outcome;
    expect(outcome.ok || outcome.failure.reason).toBe('USER_CANCELED: Query was canceled');
    expect(await engine.sql('SELECT count(*)::INTEGER n FROM db.side_effects')).toEqual([{ n: 0 }]);
  });

  it('counts statements so several can be refused at submission', async () => {
    expect(await engine.countStatements('SELECT 1;')).toBe(1);
    expect(await engine.countStatements('SELECT 1; SELECT 2')).toBe(2);
    expect(await engine.countStatements('SELEC oops')).toBe(1);
  });
});

describe('statementType', () => {
  it('classifies queries as Athena does, with CREATE TABLE AS as DML', () => {
    expect(statementType('  -- note\n select 1')).toBe('DML');
    expect(statementType('WITH x AS (SELECT 1) SELECT * FROM x')).toBe('DML');
    expect(statementType('INSERT INTO t VALUES (1)')).toBe('DML');
    expect(statementType('CREATE EXTERNAL TABLE t (a int)')).toBe('DDL');
    expect(statementType('DROP TABLE t')).toBe('DDL');
    expect(statementType("CREATE TABLE t WITH (format = 'PARQUET') AS SELECT 1")).toBe('DML');
    expect(statementType('SHOW TABLES')).toBe('UTILITY');
    expect(statementType('/* c */ DESCRIBE t')).toBe('UTILITY');
  });
});

describe('QueryEngine.close', () => {
  it('closes DuckDB and refuses further work with a config error', async () => {
    const closing = await QueryEngine.create();
    await closing.close();
    await closing.close();
    expect(() => closing.execute({ sql: 'SELECT 1', database: 'db', parameters: [] })).toThrow(/closed/);
    await expect(closing.sql('SELECT 1')).rejects.toMatchObject({ code: 'TFLYTE_CONFIG' });
  });
});
