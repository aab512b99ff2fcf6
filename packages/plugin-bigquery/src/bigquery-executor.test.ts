// BigQuery tasks run end to end by the shared executor, through the real @google-cloud/bigquery,
// against the wire-level test server (SQL on DuckDB, parameters bound).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CancelledError,
  createExecutor,
  createRegistry,
  openStateStore,
  TaskFailedError,
  t,
  toLiteralMap,
  toTaskTemplate,
} from '@tflyte/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BigQueryPluginOptions } from './backend/bigquery-backend.ts';
import { bigqueryPlugin } from './bigquery-definition.ts';
import { bigqueryTask } from './bigquery-task.ts';
import { type BigQueryServerOptions, type BigQueryTestServer, startBigQueryServer } from './testing/index.ts';

beforeAll(() => {
  process.env.METADATA_SERVER_DETECTION = 'none';
});

/** Small poll intervals and SDK retry waits on the real clock keep the tests quick; nothing asserts on timing. */
const FAST: BigQueryPluginOptions = {
  poll: { initialMs: 5, multiplier: 1.5, maxMs: 20 },
  clientOptions: { retryOptions: { maxRetryDelay: 0.01, maxRetries: 5 } },
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(options: BigQueryServerOptions = {}): Promise<BigQueryTestServer> {
  const server = await startBigQueryServer({ queuedMs: 2, runningMs: 2, ...options });
  cleanups.push(() => server.close());
  await server.sql(`
    CREATE SCHEMA sales;
    CREATE TABLE sales.orders(id BIGINT, region VARCHAR, amount DECIMAL(10,2));
    INSERT INTO sales.orders VALUES (1, 'eu', 12.50), (2, 'us', 7.05), (3, 'eu', 99.99), (4, 'ap', 3.00);`);
  return server;
}

async function executorFor(server: BigQueryTestServer, options: BigQueryPluginOptions = {}, systemRetries?: number) {
  const dir = await mkdtemp(join(tmpdir(), 'tflyte-bigquery-'));
  const store = openStateStore(dir);
  cleanups.push(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return createExecutor({
    registry: createRegistry({ plugins: [bigqueryPlugin({ apiEndpoint: server.endpoint, ...FAST, ...options })] }),
    store,
    stateDir: dir,
    ...(systemRetries === undefined ? {} : { systemRetries }),
  });
}

const ordersByRegion = bigqueryTask({
  name: 'ordersByRegion',
  query:
    'SELECT id, amount FROM `my-project.sales.orders` WHERE region = {{ .inputs.region }} AND amount >= {{ .inputs.minimum }} ORDER BY id',
  inputs: { region: t.string(), minimum: t.float() },
  projectId: 'my-project',
  location: 'EU',
  outputs: { results: t.dataset(), rows: t.list(t.struct()) },
});

async function run<T extends ReturnType<typeof bigqueryTask>>(
  executor: Awaited<ReturnType<typeof executorFor>>,
  task: T,
  values: Record<string, unknown>,
  runId: string,
  signal?: AbortSignal,
) {
  const template = toTaskTemplate(task, { version: 'v1' });
  const outputs = await executor.run(template, toLiteralMap(task.inputs, values), { runId, ...(signal === undefined ? {} : { signal }) });
  const { fromLiteralMap } = await import('@tflyte/core');
  return fromLiteralMap(task.outputs.types, outputs) as Record<string, unknown>;
}

describe('bigquery tasks through the executor', () => {
  it('runs a typed call end to end: the destination table as a bq:// dataset and the rows', async () => {
    const server = await startServer();
    const executor = await executorFor(server);
    const { results, rows } = await run(executor, ordersByRegion, { region: 'eu', minimum: 20 }, 'r1');

    const [job] = server.jobs();
    expect(results).toMatchObject({ uri: `bq://my-project:_anonymous_results.anon_${job?.spec.jobId}` });
    expect(rows).toEqual([{ id: 3, amount: '99.99' }]);
    // The values travelled as typed named parameters, never in the SQL text.
    expect(job?.spec.query).toBe(
      'SELECT id, amount FROM `my-project.sales.orders` WHERE region = @region AND amount >= @minimum ORDER BY id',
    );
    expect(job?.spec.parameters).toEqual([
      { name: 'region', parameterType: { type: 'STRING' }, parameterValue: { value: 'eu' } },
      { name: 'minimum', parameterType: { type: 'FLOAT64' }, parameterValue: { value: '20' } },
    ]);
    expect(job?.spec.location).toBe('EU');
    expect(server.log.count('jobs.insert')).toBe(1);
  });

  it('writes the destination table the task names, with its write disposition', async () => {
    const server = await startServer();
    const executor = await executorFor(server);
    const totals = bigqueryTask({
      name: 'totals',
      query: 'SELECT region, count(*) AS n FROM sales.orders GROUP BY region ORDER BY region',
      projectId: 'my-project',
      queryConfig: { destinationTable: 'reports.totals', writeDisposition: 'WRITE_TRUNCATE', labels: { team: 'data' } },
    });
    const { results } = await run(executor, totals, {}, 'dest');
    expect(results).toMatchObject({ uri: 'bq://my-project:reports.totals' });
    expect(await server.sql('SELECT region, n FROM reports.totals ORDER BY region')).toEqual([
      { region: 'ap', n: 1n },
      { region: 'eu', n: 2n },
      { region: 'us', n: 1n },
    ]);
    expect(server.jobs()[0]?.spec.labels).toEqual({ team: 'data' });
  });

  it('sends injection strings through every input type as bound values, executed for real', async () => {
    const server = await startServer();
    const executor = await executorFor(server);
    const evil = "x' OR '1'='1'; DROP TABLE sales.orders; --";
    const echo = bigqueryTask({
      name: 'echo',
      query:
        'SELECT {{ .inputs.s }} AS s, {{ .inputs.i }} AS i, {{ .inputs.f }} AS f, {{ .inputs.b }} AS b, {{ .inputs.ts }} AS ts, ' +
        '{{ .inputs.bytes }} AS bytes, {{ .inputs.list }} AS list, {{ .inputs.rec }} AS rec, {{ .inputs.amount }} AS amount, ' +
        '{{ .inputs.day }} AS day, {{ .inputs.maybe }} AS maybe, {{ .inputs.choice }} AS choice, ' +
        '(SELECT count(*) FROM sales.{{ .inputs.table | identifier }}) AS n',
      inputs: {
        s: t.string(),
        i: t.int(),
        f: t.float(),
        b: t.bool(),
        ts: t.datetime(),
        bytes: t.binary(),
        list: t.list(t.string()),
        rec: t.struct(),
        amount: t.string(),
        day: t.string(),
        maybe: t.optional(t.int()),
        choice: t.enum(['a', "b'--"]),
        table: t.string(),
      },
      parameterTypes: { amount: 'NUMERIC', day: 'DATE' },
      projectId: 'my-project',
      outputs: { rows: t.list(t.struct()) },
    });
    const { rows } = await run(
      executor,
      echo,
      {
        s: evil,
        i: 42,
        f: 1.5,
        b: true,
        ts: new Date('2024-03-01T12:34:56.789Z'),
        bytes: new TextEncoder().encode(evil),
        list: [evil, '"; DELETE FROM sales.orders'],
        rec: { name: evil, n: 3 },
        amount: '12345.678',
        day: '2024-02-29',
        maybe: null,
        choice: "b'--",
        table: 'orders',
      },
      'inject',
    );
    expect(rows).toEqual([
      {
        s: evil,
        i: 42,
        f: 1.5,
        b: true,
        ts: '2024-03-01T12:34:56.789Z',
        bytes: Buffer.from(evil).toString('base64'),
        list: [evil, '"; DELETE FROM sales.orders'],
        rec: { name: evil, n: 3 },
        amount: '12345.678',
        day: '2024-02-29',
        maybe: null,
        choice: "b'--",
        n: 4,
      },
    ]);
    expect(await server.sql('SELECT count(*) AS n FROM sales.orders')).toEqual([{ n: 4n }]);
    const types = Object.fromEntries((server.jobs()[0]?.spec.parameters ?? []).map((p) => [p.name, p.parameterType]));
    expect(types).toMatchObject({
      s: { type: 'STRING' },
      i: { type: 'INT64' },
      f: { type: 'FLOAT64' },
      b: { type: 'BOOL' },
      ts: { type: 'TIMESTAMP' },
      bytes: { type: 'BYTES' },
      list: { type: 'ARRAY', arrayType: { type: 'STRING' } },
      rec: {
        type: 'STRUCT',
        structTypes: [
          { name: 'name', type: { type: 'STRING' } },
          { name: 'n', type: { type: 'INT64' } },
        ],
      },
      amount: { type: 'NUMERIC' },
      day: { type: 'DATE' },
      maybe: { type: 'INT64' },
      choice: { type: 'STRING' },
    });
  });

  it('refuses an identifier input that is not a name, before any job is submitted', async () => {
    const server = await startServer();
    const executor = await executorFor(server);
    const count = bigqueryTask({
      name: 'count',
      query: 'SELECT count(*) AS n FROM sales.{{ .inputs.table | identifier }}',
      inputs: { table: t.string() },
      projectId: 'my-project',
      outputs: {},
    });
    await expect(run(executor, count, { table: 'orders` WHERE 1=1; --' }, 'bad-id')).rejects.toMatchObject({
      failure: { code: 'InvalidQueryInput', kind: 'user', retryable: false },
    });
    expect(server.log.count('jobs.insert')).toBe(0);
  });

  it('finds its job after a lost jobs.insert response: the retried insert gets 409 and reads it', async () => {
    const server = await startServer();
    server.faults.script('jobs.insert', ['lost-response']);
    const executor = await executorFor(server);
    const { rows } = await run(executor, ordersByRegion, { region: 'us', minimum: 0 }, 'lost');
    expect(rows).toEqual([{ id: 2, amount: '7.05' }]);
    expect(server.log.of('jobs.insert').map((c) => c.status)).toEqual([undefined, 409]);
    expect(server.jobs()).toHaveLength(1);
    expect(server.jobs()[0]?.runs).toBe(1);
  });

  it('with 20% faults on every call, 10 runs give the right rows and exactly one job each', async () => {
    const server = await startServer({
      faults: {
        seed: 7,
        rules: [
          { kind: 'server-error', probability: 0.1 },
          { kind: 'throttle', probability: 0.05 },
          { kind: 'lost-response', probability: 0.05 },
        ],
      },
    });
    const executor = await executorFor(server);
    for (let i = 0; i < 10; i++) {
      const { rows } = await run(executor, ordersByRegion, { region: 'eu', minimum: 0 }, `faults-${i}`);
      expect(rows).toEqual([
        { id: 1, amount: '12.5' },
        { id: 3, amount: '99.99' },
      ]);
    }
    expect(server.faults.injected.length).toBeGreaterThan(0);
    expect(server.jobs()).toHaveLength(10);
    expect(server.jobs().every((job) => job.runs === 1)).toBe(true);
  });

  it('cancels the BigQuery job when the run is cancelled', async () => {
    const server = await startServer({ runningMs: Number.POSITIVE_INFINITY });
    const executor = await executorFor(server);
    const abort = new AbortController();
    const running = run(executor, ordersByRegion, { region: 'eu', minimum: 0 }, 'cancel', abort.signal);
    while (server.jobs()[0]?.state !== 'RUNNING') await delay(2);
    abort.abort();
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    expect(server.jobs()[0]?.state).toBe('CANCELLED');
    expect(server.log.count('jobs.cancel')).toBe(1);
    expect(server.jobs()[0]?.runs).toBe(0);
  });

  it('fails by the errorResult reason: invalidQuery is the user’s and permanent', async () => {
    const server = await startServer({ plan: () => ({ fail: { reason: 'invalidQuery', message: 'Syntax error: Unexpected keyword' } }) });
    const executor = await executorFor(server);
    const failure = await run(executor, ordersByRegion, { region: 'eu', minimum: 0 }, 'invalid').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TaskFailedError);
    expect(failure).toMatchObject({ failure: { code: 'invalidQuery', kind: 'user', retryable: false }, attempts: 1 });
  });

  it('a SQL error on the engine comes back as its BigQuery reason', async () => {
    const server = await startServer();
    const executor = await executorFor(server);
    const missing = bigqueryTask({ name: 'missing', query: 'SELECT * FROM sales.nope', projectId: 'my-project', outputs: {} });
    await expect(run(executor, missing, {}, 'missing')).rejects.toMatchObject({
      failure: { code: 'notFound', kind: 'user', retryable: false },
    });
  });

  it('an insert answered DONE at once from the query cache still yields its outputs, and runs nothing', async () => {
    const server = await startServer({ queryCache: true });
    const executor = await executorFor(server);
    const first = await run(executor, ordersByRegion, { region: 'eu', minimum: 20 }, 'cache-1');
    const second = await run(executor, ordersByRegion, { region: 'eu', minimum: 20 }, 'cache-2');

    expect(second).toEqual(first);
    expect(second.rows).toEqual([{ id: 3, amount: '99.99' }]);
    const [original] = server.jobs();
    expect(second.results).toMatchObject({ uri: `bq://my-project:_anonymous_results.anon_${original?.spec.jobId}` });
    expect(server.jobs()).toHaveLength(1);
    expect(original?.runs).toBe(1);
    expect(server.cacheHits()).toHaveLength(1);
    expect(server.cacheHits()[0]?.jobId).not.toBe(original?.spec.jobId);
  });

  it('a hung jobs.get trips the call deadline and is one failed status check: the run finishes with one job', async () => {
    const server = await startServer();
    server.faults.script('jobs.get', ['hang']);
    const executor = await executorFor(server, { callTimeoutMs: 200 });
    const { rows } = await run(executor, ordersByRegion, { region: 'us', minimum: 0 }, 'hang');
    expect(rows).toEqual([{ id: 2, amount: '7.05' }]);
    expect(server.faults.injected).toEqual([{ op: 'jobs.get', kind: 'hang' }]);
    expect(server.jobs()).toHaveLength(1);
    expect(server.log.count('jobs.get')).toBeGreaterThan(1);
  });

  it('403 rateLimitExceeded, which the SDK does not retry, is retried here: on insert with the same job id, on get as a status check', async () => {
    const server = await startServer({ throttleStatus: 403 });
    server.faults.script('jobs.insert', ['throttle']);
    server.faults.script('jobs.get', ['throttle']);
    const executor = await executorFor(server);
    const { rows } = await run(executor, ordersByRegion, { region: 'us', minimum: 0 }, 'rate-limited');
    expect(rows).toEqual([{ id: 2, amount: '7.05' }]);
    expect(server.log.of('jobs.insert').map((c) => c.status)).toEqual([403, 200]);
    expect(server.log.of('jobs.get')[0]?.status).toBe(403);
    expect(server.jobs()).toHaveLength(1);
    expect(new Set(server.log.of('jobs.insert').map((c) => (c.body as { jobReference: { jobId: string } }).jobReference.jobId)).size).toBe(
      1,
    );
  });
});
