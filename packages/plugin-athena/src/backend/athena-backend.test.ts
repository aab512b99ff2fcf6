// The backend's lifecycle against the wire-level Athena test server (DuckDB), through the real AWS SDK.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { AthenaClient, StopQueryExecutionCommand } from '@aws-sdk/client-athena';
import {
  type AsyncBackend,
  type AttemptContext,
  BackendError,
  fromLiteralMap,
  isSyncBackend,
  systemClock,
  type Task,
  type TaskStatus,
  t,
  toLiteralMap,
  toTaskTemplate,
} from '@tflyte/core';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { type AthenaServerOptions, type AthenaTestServer, startAthenaServer } from '@tflyte/plugin-athena/testing';
import type { WebApiHandle } from '@tflyte/warehouse';
import { afterEach, describe, expect, it } from 'vitest';
import { type AthenaPluginOptions, athenaPlugin } from '../athena-plugin.ts';
import { athenaTask } from '../athena-task.ts';
import type { AthenaHandle } from './athena-backend.ts';
import { clientRequestToken } from './athena-backend.ts';

const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };
const REGION = 'eu-west-1';
const RESULTS = 's3://results-bucket/athena/';

let servers: AthenaTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function setup(serverOptions: AthenaServerOptions = {}, pluginOptions: AthenaPluginOptions = {}) {
  const server = await startAthenaServer({
    queuedMs: 0,
    runningMs: 0,
    workGroups: { primary: {}, analytics: { outputLocation: 's3://wg-bucket/out/' } },
    ...serverOptions,
  });
  servers.push(server);
  await server.sql(`
    CREATE SCHEMA sales;
    CREATE TABLE sales.orders(id INTEGER, region VARCHAR, amount DECIMAL(10,2), placed DATE, paid BOOLEAN);
    INSERT INTO sales.orders VALUES (1, 'eu', 12.50, '2024-03-01', true), (2, 'us', 7.05, '2024-03-02', false), (3, 'eu', 99.99, '2024-03-03', true);`);
  const plugin = athenaPlugin({
    region: REGION,
    endpoint: server.endpoint,
    credentials: CREDENTIALS,
    outputLocation: RESULTS,
    ...pluginOptions,
  });
  const backend = plugin.backend;
  if (isSyncBackend(backend)) throw new Error('the Athena backend is asynchronous');
  return { server, backend };
}

/** The query behind a handle (the web-API helper wraps it, or marks a wait for a quota token). */
function jobOf(handle: WebApiHandle<AthenaHandle>): AthenaHandle {
  if (!('job' in handle)) throw new Error('the attempt is waiting for a quota token');
  return handle.job;
}

function attempt(task: Task, values: Record<string, unknown> = {}, overrides: Partial<AttemptContext> = {}): AttemptContext {
  return {
    template: toTaskTemplate(task, { version: 'v1' }),
    inputs: toLiteralMap(task.inputs, values),
    generatedName: 'run-n0-0',
    idempotencyToken: randomUUID().replaceAll('-', ''),
    attempt: 0,
    inputsUri: 'file:///tmp/tflyte-athena-test/inputs.pb',
    outputPrefix: 'file:///tmp/tflyte-athena-test',
    rawOutputPrefix: 'file:///tmp/tflyte-athena-test/raw',
    interruptible: false,
    signal: new AbortController().signal,
    clock: systemClock,
    ...overrides,
  };
}

const LIVE = new Set<number>([TaskExecution_Phase.QUEUED, TaskExecution_Phase.RUNNING]);

async function settle(
  backend: AsyncBackend<WebApiHandle<AthenaHandle>>,
  handle: WebApiHandle<AthenaHandle>,
  ctx: AttemptContext,
): Promise<TaskStatus> {
  for (;;) {
    const status = await backend.get(handle, ctx);
    if (!LIVE.has(status.phase)) return status;
    await delay(2);
  }
}

async function thrown(promise: Promise<unknown>): Promise<BackendError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof BackendError)) throw new Error(`expected a BackendError, got ${String(error)}`);
  return error;
}

const ordersByRegion = athenaTask({
  name: 'ordersByRegion',
  query: 'SELECT id, amount FROM orders WHERE region = {{ .inputs.region }} AND amount > {{ .inputs.min }} ORDER BY id',
  inputs: { region: t.string(), min: t.float() },
  database: 'sales',
  outputs: { results: t.dataset({ format: 'csv' }), rows: t.list(t.struct()) },
});

describe('create: StartQueryExecution', () => {
  it('sends the rendered query, its execution parameters, the context and a token derived from the attempt', async () => {
    const { server, backend } = await setup();
    const ctx = attempt(ordersByRegion, { region: 'eu', min: 10 });
    const handle = await backend.create(ctx);

    expect(handle).toEqual({ job: { queryExecutionId: expect.any(String), region: REGION } });
    const start = server.requests.find((r) => r.op === 'StartQueryExecution');
    expect(start?.body).toEqual({
      QueryString: 'SELECT id, amount FROM orders WHERE region = ? AND amount > ? ORDER BY id',
      ExecutionParameters: ["'eu'", '1E1'],
      ClientRequestToken: ctx.idempotencyToken,
      QueryExecutionContext: { Database: 'sales' },
      ResultConfiguration: { OutputLocation: RESULTS },
    });
  });

  it('sends the workgroup and catalog when the task sets them', async () => {
    const { server, backend } = await setup();
    const task = athenaTask({ name: 'inGroup', query: 'SELECT 1', database: 'sales', workgroup: 'analytics', catalog: 'AwsDataCatalog' });
    await backend.create(attempt(task));
    expect(server.requests[0]?.body).toMatchObject({
      WorkGroup: 'analytics',
      QueryExecutionContext: { Database: 'sales', Catalog: 'AwsDataCatalog' },
    });
  });

  it('takes the result location from the task, else the plugin, else an s3:// raw output prefix, else the workgroup', async () => {
    const { server, backend } = await setup();
    const own = athenaTask({ name: 'own', query: 'SELECT 1', database: 'sales', outputLocation: 's3://task-bucket/q/' });
    const plain = athenaTask({ name: 'plain', query: 'SELECT 1', database: 'sales', workgroup: 'analytics' });
    await backend.create(attempt(own));
    await backend.create(attempt(plain));
    const { backend: noDefault } = await setup({}, { outputLocation: undefined });
    const second = servers[1]!;
    await noDefault.create(attempt(plain, {}, { rawOutputPrefix: 's3://raw-bucket/runs/r1/n0/0' }));
    const h = await noDefault.create(attempt(plain));

    const locations = (s: AthenaTestServer) =>
      s.requests
        .filter((r) => r.op === 'StartQueryExecution')
        .map((r) => (r.body as { ResultConfiguration?: { OutputLocation: string } }).ResultConfiguration?.OutputLocation);
    expect(locations(server)).toEqual(['s3://task-bucket/q/', RESULTS]);
    expect(locations(second)).toEqual(['s3://raw-bucket/runs/r1/n0/0/', undefined]);
    expect(second.executions().find((e) => e.queryExecutionId === jobOf(h).queryExecutionId)?.outputLocation).toBe(
      `s3://wg-bucket/out/${jobOf(h).queryExecutionId}.csv`,
    );
  });

  it('is idempotent: the same attempt started twice (a re-attach after a crash) is one query, run once', async () => {
    const { server, backend } = await setup();
    const ctx = attempt(ordersByRegion, { region: 'eu', min: 0 });
    const first = await backend.create(ctx);
    const again = await backend.create({ ...ctx, inputs: toLiteralMap(ordersByRegion.inputs, { region: 'eu', min: 0 }) });
    expect(again).toEqual(first);
    await settle(backend, first, ctx);
    expect(server.executions()).toHaveLength(1);
    expect(server.executions()[0]?.runs).toBe(1);
  });

  it('stays one query when the connection drops after Athena accepted the request (the SDK retries with the same token)', async () => {
    const { server, backend } = await setup();
    server.faults.script('StartQueryExecution', ['lost-response']);
    const ctx = attempt(ordersByRegion, { region: 'us', min: 0 });
    const handle = await backend.create(ctx);
    await settle(backend, handle, ctx);
    expect(server.requests.filter((r) => r.op === 'StartQueryExecution')).toHaveLength(2);
    expect(server.executions()).toHaveLength(1);
    expect(server.executions()[0]?.runs).toBe(1);
  });

  it('uses the executor’s token when Athena accepts it, and a stable hash otherwise', () => {
    const token = 'a'.repeat(64);
    expect(clientRequestToken(token)).toBe(token);
    expect(clientRequestToken('short')).toBe(clientRequestToken('short'));
    expect(clientRequestToken('short')).toMatch(/^[0-9a-f]{64}$/);
    expect(clientRequestToken('x'.repeat(129))).toHaveLength(64);
  });

  it('refuses an input value that is not safe to send, before calling Athena', async () => {
    const { server, backend } = await setup();
    const task = athenaTask({
      name: 'byTable',
      query: 'SELECT * FROM {{ .inputs.table | identifier }}',
      inputs: { table: t.string() },
      database: 'sales',
    });
    const error = await thrown(backend.create(attempt(task, { table: 'orders; DROP TABLE orders' })));
    expect(error).toMatchObject({ failure: { kind: 'user', retryable: false, code: 'InvalidQueryInput' } });
    expect(error.message).toMatch(/input 'table' \("orders; DROP TABLE orders"\) is not an identifier/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('get: GetQueryExecution through the state table', () => {
  it('QUEUED → QUEUED, RUNNING → RUNNING, SUCCEEDED → SUCCEEDED with outputs, each with the console link', async () => {
    const { server, backend } = await setup({ queuedMs: Number.POSITIVE_INFINITY, runningMs: Number.POSITIVE_INFINITY });
    const ctx = attempt(ordersByRegion, { region: 'eu', min: 10 });
    const handle = await backend.create(ctx);
    const link = [
      {
        name: 'Athena Query Console',
        uri: `https://${REGION}.console.aws.amazon.com/athena/home?region=${REGION}#/query-editor/history/${jobOf(handle).queryExecutionId}`,
      },
    ];

    expect(await backend.get(handle, ctx)).toEqual({
      phase: TaskExecution_Phase.QUEUED,
      message: `Athena query ${jobOf(handle).queryExecutionId} is queued`,
      logs: link,
    });
    server.advance(jobOf(handle).queryExecutionId);
    expect(await backend.get(handle, ctx)).toEqual({
      phase: TaskExecution_Phase.RUNNING,
      message: `Athena query ${jobOf(handle).queryExecutionId} is running`,
      logs: link,
    });
    server.advance(jobOf(handle).queryExecutionId);
    const done = await settle(backend, handle, ctx);
    expect(done).toMatchObject({ phase: TaskExecution_Phase.SUCCEEDED, logs: link });
    const outputs = fromLiteralMap(ordersByRegion.outputs.types, done.outputs!);
    expect(outputs).toEqual({
      results: { uri: `${RESULTS}${jobOf(handle).queryExecutionId}.csv`, format: 'csv' },
      rows: [
        { id: 1, amount: '12.50' },
        { id: 3, amount: '99.99' },
      ],
    });
  });

  it.each([
    { category: 1, retryable: undefined, phase: TaskExecution_Phase.RETRYABLE_FAILED, failure: { kind: 'system', retryable: true } },
    { category: 2, retryable: undefined, phase: TaskExecution_Phase.FAILED, failure: { kind: 'user', retryable: false } },
    { category: 3, retryable: true, phase: TaskExecution_Phase.RETRYABLE_FAILED, failure: { kind: 'user', retryable: true } },
    { category: 3, retryable: false, phase: TaskExecution_Phase.FAILED, failure: { kind: 'user', retryable: false } },
  ] as const)(
    'FAILED with AthenaError category $category (Retryable $retryable) → $failure.kind, retryable $failure.retryable',
    async ({ category, retryable, phase, failure }) => {
      const { backend } = await setup({
        onQuery: () => ({
          fail: { reason: 'GENERIC_INTERNAL_ERROR: the node was lost', category, ...(retryable === undefined ? {} : { retryable }) },
        }),
      });
      const ctx = attempt(ordersByRegion, { region: 'eu', min: 0 });
      const handle = await backend.create(ctx);
      const status = await settle(backend, handle, ctx);
      const message = `Athena query ${jobOf(handle).queryExecutionId} failed: GENERIC_INTERNAL_ERROR: the node was lost`;
      expect(status).toMatchObject({ phase, message, failure: { ...failure, code: 'GENERIC_INTERNAL_ERROR', message } });
      expect(status.logs).toHaveLength(1);
    },
  );

  it('FAILED by the query itself (a missing table) is a permanent user failure carrying Athena’s reason', async () => {
    const { backend } = await setup();
    const task = athenaTask({ name: 'missing', query: 'SELECT * FROM nowhere', database: 'sales' });
    const ctx = attempt(task);
    const status = await settle(backend, await backend.create(ctx), ctx);
    expect(status.phase).toBe(TaskExecution_Phase.FAILED);
    expect(status.failure).toMatchObject({ kind: 'user', retryable: false, code: 'TABLE_NOT_FOUND' });
    expect(status.message).toMatch(/failed: TABLE_NOT_FOUND: .*Table 'awsdatacatalog.sales.nowhere' does not exist/);
  });

  it('CANCELLED by someone else → FAILED, permanent, so tflyte does not run a stopped query again', async () => {
    const { server, backend } = await setup({ runningMs: Number.POSITIVE_INFINITY });
    const ctx = attempt(ordersByRegion, { region: 'eu', min: 0 });
    const handle = await backend.create(ctx);
    const other = new AthenaClient({ region: REGION, endpoint: server.endpoint, credentials: CREDENTIALS });
    await other.send(new StopQueryExecutionCommand({ QueryExecutionId: jobOf(handle).queryExecutionId }));
    other.destroy();
    const status = await backend.get(handle, ctx);
    expect(status).toMatchObject({
      phase: TaskExecution_Phase.FAILED,
      failure: { kind: 'user', retryable: false, code: 'QueryCancelled' },
      message: `Athena query ${jobOf(handle).queryExecutionId} was cancelled outside tflyte: Query was cancelled by user`,
    });
  });

  it('fails a succeeded query whose rows exceed maxRows instead of returning part of them', async () => {
    const { backend } = await setup();
    const task = athenaTask({
      name: 'big',
      query: 'SELECT * FROM range(5)',
      database: 'sales',
      outputs: { rows: t.list(t.struct()) },
      maxRows: 4,
    });
    const ctx = attempt(task);
    const handle = await backend.create(ctx);
    expect(await settle(backend, handle, ctx)).toMatchObject({
      phase: TaskExecution_Phase.FAILED,
      failure: {
        kind: 'user',
        retryable: false,
        code: 'TooManyRows',
        message: expect.stringMatching(/more than 4 rows; raise the task's maxRows/),
      },
    });
  });

  it('reads rows across result pages and types them by the result metadata', async () => {
    const { backend } = await setup();
    const task = athenaTask({
      name: 'typed',
      query: `SELECT range AS i, range::DOUBLE / 2 AS d, 9007199254740993 AS big, 'nan'::DOUBLE AS n, range % 2 = 0 AS even,
                     CAST(range AS DECIMAL(10,2)) AS dec, DATE '2024-01-01' + range::INT AS day, NULL AS nothing, 'x' || range AS s
              FROM range(2500) ORDER BY range`,
      database: 'sales',
      outputs: { rows: t.list(t.struct()) },
    });
    const ctx = attempt(task);
    const status = await settle(backend, await backend.create(ctx), ctx);
    const { rows } = fromLiteralMap(task.outputs.types, status.outputs!) as { rows: Record<string, unknown>[] };
    expect(rows).toHaveLength(2500);
    expect(rows[0]).toEqual({
      i: 0,
      d: 0,
      big: '9007199254740993',
      n: 'NaN',
      even: true,
      dec: '0.00',
      day: '2024-01-01',
      nothing: null,
      s: 'x0',
    });
    expect(rows[2499]).toMatchObject({ i: 2499, d: 1249.5, even: false, s: 'x2499' });
  });

  it('refuses rows whose column names collide, naming the column', async () => {
    const { backend } = await setup();
    const task = athenaTask({ name: 'dupes', query: 'SELECT 1 AS a, 2 AS a', database: 'sales', outputs: { rows: t.list(t.struct()) } });
    const ctx = attempt(task);
    expect(await settle(backend, await backend.create(ctx), ctx)).toMatchObject({
      phase: TaskExecution_Phase.FAILED,
      failure: { code: 'InvalidRows', message: expect.stringMatching(/two columns named 'a'/) },
    });
  });

  it('returns no outputs for a statement declared with outputs: {}', async () => {
    const { server, backend } = await setup();
    const task = athenaTask({
      name: 'insert',
      query: "INSERT INTO orders VALUES (4, 'ap', 1.00, DATE '2024-03-04', false)",
      database: 'sales',
      outputs: {},
    });
    const ctx = attempt(task);
    const status = await settle(backend, await backend.create(ctx), ctx);
    expect(status.phase).toBe(TaskExecution_Phase.SUCCEEDED);
    expect(status.outputs?.literals).toEqual({});
    expect(await server.sql('SELECT count(*)::INT AS n FROM sales.orders')).toEqual([{ n: 4 }]);
  });
});

describe('delete: StopQueryExecution', () => {
  it('stops a running query before its SQL runs', async () => {
    const { server, backend } = await setup({ runningMs: Number.POSITIVE_INFINITY });
    const ctx = attempt(ordersByRegion, { region: 'eu', min: 0 });
    const handle = await backend.create(ctx);
    await backend.delete(handle, ctx);
    expect(server.executions()[0]).toMatchObject({ state: 'CANCELLED', runs: 0 });
  });

  it('counts a finished query and an unknown one as done', async () => {
    const { server, backend } = await setup();
    const ctx = attempt(ordersByRegion, { region: 'eu', min: 0 });
    const handle = await backend.create(ctx);
    await settle(backend, handle, ctx);
    await backend.delete(handle, ctx);
    await backend.delete({ job: { queryExecutionId: randomUUID(), region: REGION } }, ctx);
    expect(server.executions()[0]?.state).toBe('SUCCEEDED');
  });
});

describe('SDK errors as BackendErrors', () => {
  const failing = { clientConfig: { maxAttempts: 1 } };

  it.each([
    ['throttle', 'ThrottlingException'],
    ['server-error', 'InternalServerException'],
    ['connection-reset', 'ECONNRESET'],
  ] as const)('%s is a retryable system error (%s)', async (fault, code) => {
    const { server, backend } = await setup({}, failing);
    server.faults.script('GetQueryExecution', [fault]);
    const ctx = attempt(ordersByRegion, { region: 'eu', min: 0 });
    const handle = await backend.create(ctx);
    const error = await thrown(backend.get(handle, ctx));
    expect(error).toMatchObject({ failure: { kind: 'system', retryable: true, code } });
    expect(error.message).toMatch(/^Athena GetQueryExecution failed: /);
  });

  it('retries transient faults inside the SDK first, so a single throttle is invisible', async () => {
    const { server, backend } = await setup();
    server.faults.script('GetQueryExecution', ['throttle']);
    const ctx = attempt(ordersByRegion, { region: 'eu', min: 0 });
    const status = await settle(backend, await backend.create(ctx), ctx);
    expect(status.phase).toBe(TaskExecution_Phase.SUCCEEDED);
    expect(server.faults.injected).toEqual([{ op: 'GetQueryExecution', kind: 'throttle' }]);
  });

  it('an invalid request (an unknown workgroup) is a permanent user error with Athena’s message', async () => {
    const { backend } = await setup({}, failing);
    const task = athenaTask({ name: 'lost', query: 'SELECT 1', database: 'sales', workgroup: 'nope' });
    const error = await thrown(backend.create(attempt(task)));
    expect(error).toMatchObject({ failure: { kind: 'user', retryable: false, code: 'InvalidRequestException' } });
    expect(error.message).toBe('Athena StartQueryExecution failed: InvalidRequestException: WorkGroup nope is not found.');
  });

  it('rejected credentials are a permanent user error that says what to check', async () => {
    const { backend } = await setup({ credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'other' } }, failing);
    const error = await thrown(backend.create(attempt(ordersByRegion, { region: 'eu', min: 0 })));
    expect(error).toMatchObject({ failure: { kind: 'user', retryable: false, code: 'UnrecognizedClientException' } });
    expect(error.message).toMatch(/check the AWS credentials/);
  });
});
