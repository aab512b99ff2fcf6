// Classic SQL injection strings through every kind of input, end to end: executor → Athena SDK →
// wire-level server → DuckDB. Values are stored and compared verbatim and nothing is dropped.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createExecutor,
  createRegistry,
  type Executor,
  executorRunner,
  InvalidInputError,
  openStateStore,
  TaskFailedError,
  t,
  withRunner,
} from '@tflyte/core';
import { type AthenaTestServer, startAthenaServer } from '@tflyte/plugin-athena/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaPlugin } from './athena-plugin.ts';
import { athenaTask } from './athena-task.ts';

const INJECTIONS = [
  "'; DROP TABLE notes; --",
  "' OR '1'='1",
  "' OR 1=1 --",
  "Robert'); DROP TABLE notes;--",
  "\\'; DROP TABLE notes; --",
  "'' OR ''='",
  '" OR ""="',
  '1; DELETE FROM notes',
  "' UNION SELECT id, body FROM notes --",
  "/* x */ ' -- ",
  "'/*",
  '*/',
  '{{ .inputs.body }}',
  '?',
  "'?'",
  "%' OR body LIKE '%",
  'ʼ OR 1=1 --',
  '＇ OR 1=1 --',
  "line1\n'line2'\t-- end",
  '$$; DROP TABLE notes; $$',
  "'; ATTACH ':memory:' AS evil; --",
  "'))); SELECT 1; --",
  "' || (SELECT 'pwned') || '",
  "'".repeat(511),
] as const;

let server: AthenaTestServer;
let executor: Executor;
let dir: string;
let closeStore: (() => void) | undefined;

beforeAll(async () => {
  server = await startAthenaServer({ queuedMs: 0, runningMs: 0, workGroups: { primary: { outputLocation: 's3://results/athena/' } } });
  await server.sql(`
    CREATE SCHEMA sales;
    CREATE TABLE sales.notes(id INTEGER, body VARCHAR);
    CREATE TABLE sales.typed(n BIGINT, x DOUBLE, flag BOOLEAN, ts TIMESTAMP, day DATE, label VARCHAR, maybe VARCHAR);
    CREATE TABLE sales.orders(id INTEGER);
    INSERT INTO sales.orders VALUES (1), (2), (3);`);
  dir = await mkdtemp(join(tmpdir(), 'tflyte-athena-injection-'));
  const store = openStateStore(dir);
  closeStore = () => store.close();
  const plugin = athenaPlugin({
    region: 'us-east-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    poll: { initialMs: 2, multiplier: 1, maxMs: 2 },
  });
  executor = createExecutor({ registry: createRegistry({ plugins: [plugin] }), store, stateDir: dir });
});

afterAll(async () => {
  closeStore?.();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const call = <T>(fn: () => Promise<T>): Promise<T> => withRunner(executorRunner(executor), fn);
const starts = (): number => server.requests.filter((r) => r.op === 'StartQueryExecution').length;

const insertNote = athenaTask({
  name: 'insertNote',
  query: 'INSERT INTO notes (id, body) VALUES ({{ .inputs.id }}, {{ .inputs.body }})',
  inputs: { id: t.int(), body: t.string() },
  database: 'sales',
  outputs: {},
});

const findNote = athenaTask({
  name: 'findNote',
  query: 'SELECT id, body FROM notes WHERE body = {{ .inputs.body }}',
  inputs: { body: t.string() },
  database: 'sales',
  outputs: { rows: t.list(t.struct()) },
});

describe('injection strings are data, never SQL', () => {
  it.each(INJECTIONS.map((value, i) => [i, value] as const))('string input #%i is stored and matched verbatim', async (i, value) => {
    await call(() => insertNote({ id: i, body: value }));
    const { rows } = await call(() => findNote({ body: value }));
    expect(rows).toEqual([{ id: i, body: value }]);
  });

  it('as enum values, optional strings and string variants of a union, they come back verbatim', async () => {
    const choice = athenaTask({
      name: 'choice',
      query: 'SELECT {{ .inputs.v }} AS v',
      inputs: { v: t.enum(['safe', ...INJECTIONS]) },
      database: 'sales',
      outputs: { rows: t.list(t.struct()) },
    });
    const maybe = athenaTask({
      name: 'maybe',
      query: 'SELECT {{ .inputs.v }} AS v',
      inputs: { v: t.optional(t.string()) },
      database: 'sales',
      outputs: { rows: t.list(t.struct()) },
    });
    const either = athenaTask({
      name: 'either',
      query: 'SELECT {{ .inputs.v }} AS v',
      inputs: { v: t.union(t.int(), t.string()) },
      database: 'sales',
      outputs: { rows: t.list(t.struct()) },
    });
    for (const value of INJECTIONS) {
      expect((await call(() => choice({ v: value }))).rows).toEqual([{ v: value }]);
      expect((await call(() => maybe({ v: value }))).rows).toEqual([{ v: value }]);
      expect((await call(() => either({ v: value }))).rows).toEqual([{ v: value }]);
    }
    expect((await call(() => maybe({ v: null }))).rows).toEqual([{ v: null }]);
  });

  it('as ints, floats, bools and datetimes, they are refused by the input types before anything is sent', async () => {
    const typedInsert = athenaTask({
      name: 'typedInsert',
      query: 'INSERT INTO typed (n, x, flag, ts) VALUES ({{ .inputs.n }}, {{ .inputs.x }}, {{ .inputs.flag }}, {{ .inputs.ts }})',
      inputs: { n: t.int(), x: t.float(), flag: t.bool(), ts: t.datetime() },
      database: 'sales',
      outputs: {},
    });
    const valid = { n: 1, x: 1.5, flag: true, ts: new Date('2024-01-01T00:00:00Z') };
    const before = starts();
    for (const key of ['n', 'x', 'flag', 'ts'] as const) {
      for (const value of INJECTIONS.slice(0, 5)) {
        const error = await call(() => typedInsert({ ...valid, [key]: value } as never)).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidInputError);
        expect(error).toMatchObject({ field: key });
      }
    }
    expect(starts()).toBe(before);
  });

  it('as identifiers, they are refused with an error naming the input, and no query is started', async () => {
    const countRows = athenaTask({
      name: 'countRows',
      query: 'SELECT count(*) AS n FROM {{ .inputs.table | identifier }}',
      inputs: { table: t.string() },
      database: 'sales',
      outputs: { rows: t.list(t.struct()) },
    });
    expect((await call(() => countRows({ table: 'sales.orders' }))).rows).toEqual([{ n: 3 }]);
    const before = starts();
    for (const value of [...INJECTIONS, 'orders WHERE 1=1', 'orders"', 'orders;']) {
      const error = await call(() => countRows({ table: value })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error).toMatchObject({ failure: { kind: 'user', code: 'InvalidQueryInput', retryable: false }, attempts: 1 });
      expect((error as Error).message).toMatch(/input 'table' .* is not an identifier/);
    }
    expect(starts()).toBe(before);
  });

  it('stores every scalar type exactly as given', async () => {
    const typedInsert = athenaTask({
      name: 'typedRow',
      query: `INSERT INTO typed VALUES ({{ .inputs.n }}, {{ .inputs.x }}, {{ .inputs.flag }}, {{ .inputs.ts }}, {{ .inputs.day | date }},
                                     {{ .inputs.label }}, {{ .inputs.maybe }})`,
      inputs: {
        n: t.int(),
        x: t.float(),
        flag: t.bool(),
        ts: t.datetime(),
        day: t.datetime(),
        label: t.enum(['a', "b'c"]),
        maybe: t.optional(t.string()),
      },
      database: 'sales',
      outputs: {},
    });
    const readTyped = athenaTask({
      name: 'readTyped',
      query: 'SELECT * FROM typed ORDER BY n',
      database: 'sales',
      outputs: { rows: t.list(t.struct()) },
    });
    await call(() =>
      typedInsert({
        n: -9007199254740991,
        x: -0.001,
        flag: false,
        ts: new Date('2024-03-01T10:15:00.125Z'),
        day: new Date('2024-02-29T00:00:00Z'),
        label: "b'c",
        maybe: null,
      }),
    );
    await call(() =>
      typedInsert({
        n: 42,
        x: 1e21,
        flag: true,
        ts: new Date('0999-12-31T23:59:59.999Z'),
        day: new Date('1970-01-01T00:00:00Z'),
        label: 'a',
        maybe: "'",
      }),
    );
    expect((await call(() => readTyped({}))).rows).toEqual([
      { n: -9007199254740991, x: -0.001, flag: false, ts: '2024-03-01 10:15:00.125', day: '2024-02-29', label: "b'c", maybe: null },
      { n: 42, x: 1e21, flag: true, ts: '0999-12-31 23:59:59.999', day: '1970-01-01', label: 'a', maybe: "'" },
    ]);
  });

  it('dropped nothing: every table is still there with the rows written through tasks', async () => {
    expect(await server.sql('SELECT count(*)::INT AS n FROM sales.notes')).toEqual([{ n: INJECTIONS.length }]);
    expect(await server.sql('SELECT count(*)::INT AS n FROM sales.orders')).toEqual([{ n: 3 }]);
    expect(await server.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'sales' ORDER BY table_name")).toEqual([
      { table_name: 'notes' },
      { table_name: 'orders' },
      { table_name: 'typed' },
    ]);
  });
});
