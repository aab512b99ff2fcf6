// Athena tasks run end to end by the shared executor, against the wire-level test server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type AsyncBackend,
  type Backend,
  CancelledError,
  createExecutor,
  createRegistry,
  type ExecutorEvent,
  executorRunner,
  isSyncBackend,
  openStateStore,
  type StateStore,
  TaskFailedError,
  t,
  toLiteralMap,
  toTaskTemplate,
  withRunner,
} from '@tflyte/core';
import { type AthenaServerOptions, type AthenaTestServer, startAthenaServer } from '@tflyte/plugin-athena/testing';
import type { WebApiHandle } from '@tflyte/warehouse';
import { afterEach, describe, expect, it } from 'vitest';
import { type AthenaPluginOptions, athenaPlugin } from './athena-plugin.ts';
import { athenaTask } from './athena-task.ts';
import type { AthenaHandle } from './backend/athena-backend.ts';

const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };
/** Small poll intervals on the real clock keep the tests quick; nothing asserts on timing. */
const FAST_POLL = { initialMs: 5, multiplier: 1.5, maxMs: 20 };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(options: AthenaServerOptions = {}): Promise<AthenaTestServer> {
  const server = await startAthenaServer({
    queuedMs: 2,
    runningMs: 2,
    workGroups: { primary: { outputLocation: 's3://results/athena/' } },
    ...options,
  });
  cleanups.push(() => server.close());
  await server.sql(`
    CREATE SCHEMA sales;
    CREATE TABLE sales.orders(id INTEGER, region VARCHAR, amount DECIMAL(10,2));
    INSERT INTO sales.orders VALUES (1, 'eu', 12.50), (2, 'us', 7.05), (3, 'eu', 99.99), (4, 'ap', 3.00);`);
  return server;
}

const plugin = (server: AthenaTestServer, options: AthenaPluginOptions = {}) =>
  athenaPlugin({ region: 'us-east-1', endpoint: server.endpoint, credentials: CREDENTIALS, poll: FAST_POLL, ...options });

function asyncBackend(server: AthenaTestServer): AsyncBackend<WebApiHandle<AthenaHandle>> {
  const backend = plugin(server).backend;
  if (isSyncBackend(backend)) throw new Error('the Athena backend is asynchronous');
  return backend;
}

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tflyte-athena-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** An executor over `dir` (a new one on the same directory is the executor after a restart). */
function executorOn(dir: string, options: { plugin: ReturnType<typeof athenaPlugin>; backend?: Backend; systemRetries?: number }) {
  const store: StateStore = openStateStore(dir);
  cleanups.push(() => store.close());
  const events: ExecutorEvent[] = [];
  const executor = createExecutor({
    registry: createRegistry({ plugins: [options.plugin] }),
    store,
    stateDir: dir,
    ...(options.backend === undefined ? {} : { backends: { presto: options.backend } }),
    ...(options.systemRetries === undefined ? {} : { systemRetries: options.systemRetries }),
  });
  executor.on((e) => events.push(e));
  return { executor, store, events };
}

const ordersByRegion = athenaTask({
  name: 'ordersByRegion',
  query: 'SELECT id, amount FROM orders WHERE region = {{ .inputs.region }} ORDER BY id',
  inputs: { region: t.string() },
  database: 'sales',
  outputs: { results: t.dataset({ format: 'csv' }), rows: t.list(t.struct()) },
});

describe('athena tasks through the executor', () => {
  it('runs a typed call end to end: the result file as a dataset and the rows', async () => {
    const server = await startServer();
    const { executor, events } = executorOn(await stateDir(), { plugin: plugin(server) });
    const { results, rows } = await withRunner(executorRunner(executor, { runId: 'r1' }), () => ordersByRegion({ region: 'eu' }));

    const [execution] = server.executions();
    expect(results).toEqual({ uri: execution?.outputLocation, format: 'csv' });
    expect(results.uri).toMatch(/^s3:\/\/results\/athena\/[0-9a-f-]+\.csv$/);
    expect(rows).toEqual([
      { id: 1, amount: '12.50' },
      { id: 3, amount: '99.99' },
    ]);
    const statuses = events.filter((e) => e.type === 'status-changed');
    expect(statuses.at(-1)).toMatchObject({
      phaseName: 'SUCCEEDED',
      logs: [{ name: 'Athena Query Console', uri: expect.stringContaining(execution!.queryExecutionId) }],
    });
  });

  it('creates the query once when the executor dies inside create and a new one resumes the run', async () => {
    const server = await startServer();
    const dir = await stateDir();
    const real = asyncBackend(server);
    // The query reaches Athena, but this executor dies before create returns (so before the handle is stored).
    const dying: AsyncBackend<WebApiHandle<AthenaHandle>> = {
      ...real,
      create: async (ctx) => {
        await real.create(ctx);
        return new Promise<never>(() => {});
      },
    };
    const template = toTaskTemplate(ordersByRegion, { version: 'v1' });
    const inputs = toLiteralMap(ordersByRegion.inputs, { region: 'us' });
    const first = executorOn(dir, { plugin: plugin(server), backend: dying });
    void first.executor.run(template, inputs, { runId: 'crash', nodeId: 'n0' });
    while (server.executions().length === 0) await delay(2);
    expect(first.store.getAttempt({ runId: 'crash', nodeId: 'n0', attempt: 0 })?.status).toBe('creating');

    const second = executorOn(dir, { plugin: plugin(server) });
    const outputs = await second.executor.run(template, inputs, { runId: 'crash', nodeId: 'n0' });

    expect(Object.keys(outputs.literals)).toEqual(['results', 'rows']);
    expect(server.executions()).toHaveLength(1);
    expect(server.executions()[0]?.runs).toBe(1);
    const tokens = server.requests
      .filter((r) => r.op === 'StartQueryExecution')
      .map((r) => (r.body as { ClientRequestToken: string }).ClientRequestToken);
    expect(tokens).toHaveLength(2);
    expect(new Set(tokens).size).toBe(1);
    expect(second.events.filter((e) => e.type === 'attempt-created')).toMatchObject([
      { attempt: 0, handle: { job: { queryExecutionId: server.executions()[0]?.queryExecutionId } } },
    ]);
  });

  it('re-attaches to a running query after a restart without starting it again', async () => {
    const server = await startServer({ runningMs: Number.POSITIVE_INFINITY });
    const dir = await stateDir();
    const real = asyncBackend(server);
    // This executor stores the handle, then dies before its first status check (no get or watch ever answers).
    const dying: AsyncBackend<WebApiHandle<AthenaHandle>> = { ...real, get: () => new Promise<never>(() => {}), watch: () => {} };
    const template = toTaskTemplate(ordersByRegion, { version: 'v1' });
    const inputs = toLiteralMap(ordersByRegion.inputs, { region: 'eu' });
    const first = executorOn(dir, { plugin: plugin(server), backend: dying });
    void first.executor.run(template, inputs, { runId: 'restart' });
    while (first.store.getAttempt({ runId: 'restart', nodeId: 'n0', attempt: 0 })?.status !== 'running') await delay(2);

    const second = executorOn(dir, { plugin: plugin(server) });
    const run = second.executor.run(template, inputs, { runId: 'restart' });
    while (server.executions()[0]?.state !== 'RUNNING') await delay(2);
    server.advance(server.executions()[0]!.queryExecutionId);
    await run;
    expect(second.events.filter((e) => e.type === 'attempt-reattached')).toHaveLength(1);
    expect(server.requests.filter((r) => r.op === 'StartQueryExecution')).toHaveLength(1);
    expect(server.executions()[0]?.runs).toBe(1);
  });

  it('stops the query when the run is cancelled', async () => {
    const server = await startServer({ runningMs: Number.POSITIVE_INFINITY });
    const { executor } = executorOn(await stateDir(), { plugin: plugin(server) });
    const abort = new AbortController();
    const run = executor.run(toTaskTemplate(ordersByRegion, { version: 'v1' }), toLiteralMap(ordersByRegion.inputs, { region: 'eu' }), {
      signal: abort.signal,
    });
    while (server.executions()[0]?.state !== 'RUNNING') await delay(2);
    abort.abort();
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(server.executions()).toMatchObject([{ state: 'CANCELLED', runs: 0 }]);
    expect(server.requests.filter((r) => r.op === 'StopQueryExecution')).toHaveLength(1);
  });

  it('completes with correct results while 20% of Athena requests fail with throttling, 500s and dropped connections', async () => {
    const perKind = 1 - 0.8 ** (1 / 4);
    const server = await startServer({
      faults: {
        seed: 7,
        rules: (['throttle', 'server-error', 'connection-reset', 'lost-response'] as const).map((kind) => ({ kind, probability: perKind })),
      },
    });
    const { executor } = executorOn(await stateDir(), { plugin: plugin(server) });
    const regions = ['eu', 'us', 'ap', 'eu', 'us', 'ap', 'eu', 'us'];
    const results = await withRunner(executorRunner(executor, { runId: 'faults' }), () =>
      Promise.all(regions.map((region) => ordersByRegion({ region }))),
    );

    const expected: Record<string, unknown[]> = {
      eu: [
        { id: 1, amount: '12.50' },
        { id: 3, amount: '99.99' },
      ],
      us: [{ id: 2, amount: '7.05' }],
      ap: [{ id: 4, amount: '3.00' }],
    };
    expect(results.map((r) => r.rows)).toEqual(regions.map((region) => expected[region]));
    // Counted on the server: one query per call, each run once, whatever the retried submissions.
    expect(server.executions()).toHaveLength(regions.length);
    expect(server.executions().map((e) => e.runs)).toEqual(regions.map(() => 1));
    const injected = server.faults.injected.length;
    expect(injected).toBeGreaterThan(0);
    expect(injected / server.requests.length).toBeGreaterThan(0.1);
  });

  it('executes exactly 10 queries for 10 runs, with correct rows, while 30% of every Athena call fails', async () => {
    // Each kind at the same rate, 30% in all, on every operation: throttles, 500s, resets before and
    // after the request was handled. Counted on the server: one query per run, each run once.
    const perKind = 1 - 0.7 ** (1 / 4);
    const server = await startServer({
      faults: {
        seed: 30,
        rules: (['throttle', 'server-error', 'connection-reset', 'lost-response'] as const).map((kind) => ({ kind, probability: perKind })),
      },
    });
    const { executor } = executorOn(await stateDir(), { plugin: plugin(server) });
    const regions = ['eu', 'us', 'ap', 'eu', 'us', 'ap', 'eu', 'us', 'ap', 'eu'];
    const results = await withRunner(executorRunner(executor, { runId: 'faults30' }), () =>
      Promise.all(regions.map((region) => ordersByRegion({ region }))),
    );

    const expected: Record<string, unknown[]> = {
      eu: [
        { id: 1, amount: '12.50' },
        { id: 3, amount: '99.99' },
      ],
      us: [{ id: 2, amount: '7.05' }],
      ap: [{ id: 4, amount: '3.00' }],
    };
    expect(results.map((r) => r.rows)).toEqual(regions.map((region) => expected[region]));
    expect(server.executions()).toHaveLength(10);
    expect(server.executions().every((e) => e.runs === 1 && e.state === 'SUCCEEDED')).toBe(true);
    expect(server.requests.filter((r) => r.op === 'StopQueryExecution')).toHaveLength(0);
    const faultsByOp = new Set(server.faults.injected.map((f) => f.op));
    expect(faultsByOp).toEqual(new Set(['StartQueryExecution', 'GetQueryExecution', 'GetQueryResults']));
    expect(server.faults.injected.length / server.requests.length).toBeGreaterThan(0.2);
  });

  it('polls a query that runs for a minute 29 times in that minute with the default (warehouse) schedule', async () => {
    const server = await startServer({ runningMs: Number.POSITIVE_INFINITY });
    // Virtual time: every executor sleep returns at once and moves the clock; the query ends after 60 s of it.
    let now = 0;
    let callsInFirstMinute: number | undefined;
    const gets = () => server.requests.filter((r) => r.op === 'GetQueryExecution').length;
    const clock = {
      now: () => now,
      sleep: async (ms: number, signal?: AbortSignal) => {
        if (signal?.aborted === true) throw signal.reason;
        now += ms;
        if (now >= 60_000) {
          callsInFirstMinute ??= gets();
          const execution = server.executions()[0];
          if (execution?.state === 'RUNNING') server.advance(execution.queryExecutionId);
        }
        await delay(1);
      },
    };
    const dir = await stateDir();
    const store = openStateStore(dir);
    cleanups.push(() => store.close());
    const executor = createExecutor({
      registry: createRegistry({ plugins: [plugin(server, { poll: undefined })] }),
      store,
      stateDir: dir,
      clock,
    });
    await executor.run(toTaskTemplate(ordersByRegion, { version: 'v1' }), toLiteralMap(ordersByRegion.inputs, { region: 'eu' }));
    // Polls at 0, 1, …, 10 s (11), then each after 10% of the elapsed time: 11, 12.1, … 10·1.1^18 = 55.6 s (18).
    expect(callsInFirstMinute).toBe(29);
  });

  it('fails for good on a query error, without spending the task’s retries', async () => {
    const server = await startServer();
    const { executor } = executorOn(await stateDir(), { plugin: plugin(server) });
    const broken = athenaTask({ name: 'broken', query: 'SELECT * FROM nowhere', database: 'sales', retries: 2 });
    const error = await withRunner(executorRunner(executor), () => broken({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ failure: { kind: 'user', code: 'TABLE_NOT_FOUND', retryable: false }, attempts: 1 });
    expect(server.executions()).toHaveLength(1);
  });
});
