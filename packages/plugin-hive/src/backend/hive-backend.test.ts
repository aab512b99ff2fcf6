// The Hive backend called as the executor calls it (create / get / delete), through hive-driver,
// against the test HiveServer2: every operation state, cancellation, and faults on the wire.
import { type AsyncBackend, isSyncBackend, Phase, systemClock, type TaskStatus, t, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { createFakeClock, testAttemptContext } from '@tflyte/testing';
import type { WebApiHandle } from '@tflyte/warehouse';
import { afterEach, describe, expect, it } from 'vitest';
import { type HivePluginOptions, hive } from '../hive-plugin.ts';
import { hiveTask } from '../hive-task.ts';
import { type HiveError, type HiveServerOptions, type HiveTestServer, type OperationStateName, startHiveServer } from '../testing/index.ts';
import type { HiveHandle } from './hive-backend.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(options: HiveServerOptions = {}): Promise<HiveTestServer> {
  const server = await startHiveServer(options);
  cleanups.push(() => server.close());
  await server.sql(`CREATE SCHEMA sales; CREATE TABLE sales.orders(id INTEGER, region VARCHAR);
    INSERT INTO sales.orders VALUES (1, 'eu'), (2, 'us'), (3, 'eu');`);
  return server;
}

function backendFor(server: HiveTestServer, options: Partial<HivePluginOptions> = {}): AsyncBackend<WebApiHandle<HiveHandle>> {
  const backend = hive.plugin({
    host: server.host,
    port: server.port,
    transport: server.transport,
    database: 'sales',
    submitRetries: { initialMs: 5, maxMs: 20 },
    ...options,
  } as HivePluginOptions).backend;
  if (isSyncBackend(backend)) throw new Error('the Hive backend is asynchronous');
  return backend as AsyncBackend<WebApiHandle<HiveHandle>>;
}

const byRegion = hiveTask({
  name: 'byRegion',
  query: 'SELECT id FROM orders WHERE region = {{ .inputs.region }} ORDER BY id',
  inputs: { region: t.string() },
  outputs: { rows: t.list(t.struct()) },
});
const attempt = () =>
  testAttemptContext({ template: toTaskTemplate(byRegion, { version: 'v1' }), inputs: toLiteralMap(byRegion.inputs, { region: 'eu' }) });

const phaseOf = (status: TaskStatus) => ({
  phase: status.phase,
  ...(status.failure === undefined ? {} : { kind: status.failure.kind, retryable: status.failure.retryable, code: status.failure.code }),
});

const ERROR_42: HiveError = { sqlState: '42000', errorCode: 10001, message: 'SemanticException Invalid table alias' };
const ERROR_08: HiveError = { sqlState: '08S01', errorCode: 1, message: 'Execution Error, return code 1 from TezTask' };

describe('operation states as task statuses, read with GetOperationStatus', () => {
  it.each<[OperationStateName, HiveError | undefined, ReturnType<typeof phaseOf>]>([
    ['INITIALIZED', undefined, { phase: Phase.QUEUED }],
    ['PENDING', undefined, { phase: Phase.QUEUED }],
    ['RUNNING', undefined, { phase: Phase.RUNNING }],
    ['FINISHED', undefined, { phase: Phase.SUCCEEDED }],
    ['ERROR', ERROR_42, { phase: Phase.FAILED, kind: 'user', retryable: false, code: 'SQLSTATE_42000' }],
    ['ERROR', ERROR_08, { phase: Phase.RETRYABLE_FAILED, kind: 'system', retryable: true, code: 'SQLSTATE_08S01' }],
    [
      'ERROR',
      { sqlState: '', errorCode: 0, message: 'no state' },
      { phase: Phase.RETRYABLE_FAILED, kind: 'system', retryable: true, code: 'HiveQueryFailed' },
    ],
    ['TIMEDOUT', undefined, { phase: Phase.RETRYABLE_FAILED, kind: 'user', retryable: true, code: 'HiveQueryTimedOut' }],
    ['CANCELED', undefined, { phase: Phase.FAILED, kind: 'user', retryable: false, code: 'HiveQueryCancelled' }],
    ['CLOSED', undefined, { phase: Phase.RETRYABLE_FAILED, kind: 'system', retryable: true, code: 'HiveOperationClosed' }],
    ['UNKNOWN', undefined, { phase: Phase.FAILED, kind: 'system', retryable: false, code: 'UnknownOperationState' }],
  ])('%s %j → %j', async (state, error, expected) => {
    const server = await startServer({ runningMs: Number.POSITIVE_INFINITY });
    const backend = backendFor(server);
    const ctx = attempt();
    const handle = await backend.create(ctx);
    server.forceState(server.operations()[0]!.id, state, error);
    expect(phaseOf(await backend.get(handle, ctx))).toEqual(expected);
    await backend.delete(handle, ctx);
  });

  it('an operation the server no longer knows (its session closed) → SYSTEM, retryable HiveSessionLost', async () => {
    const server = await startServer({ runningMs: Number.POSITIVE_INFINITY });
    const backend = backendFor(server);
    const ctx = attempt();
    const handle = await backend.create(ctx);
    // The executor's process ends, and its connection with it; a restarted one reads the handle.
    server.disconnectAll();
    const status = await backendFor(server).get(handle, ctx);
    expect(phaseOf(status)).toEqual({ phase: Phase.RETRYABLE_FAILED, kind: 'system', retryable: true, code: 'HiveSessionLost' });
    expect(status.failure?.message).toMatch(/close\.session\.on\.disconnect/);
  });

  it('a finished operation gives the rows, paged by FetchResults', async () => {
    const server = await startServer();
    const backend = backendFor(server, { fetchSize: 1 });
    const ctx = attempt();
    const handle = await backend.create(ctx);
    let status = await backend.get(handle, ctx);
    while (status.phase !== Phase.SUCCEEDED) status = await backend.get(handle, ctx);
    expect(Object.keys(status.outputs?.literals ?? {})).toEqual(['rows']);
    // Two rows one per page, then the page that says there are no more.
    expect(server.log.count('FetchResults')).toBe(2);
    await backend.finalize?.(handle, ctx);
    expect(server.operations()[0]).toMatchObject({ state: 'CLOSED', closed: true });
    expect(server.sessions().every((s) => s.closed)).toBe(true);
  });
});

describe('cancellation', () => {
  it('delete sends CancelOperation, then closes the operation and the session; the statement never runs', async () => {
    const server = await startServer({ runningMs: Number.POSITIVE_INFINITY });
    const backend = backendFor(server);
    const ctx = attempt();
    const handle = await backend.create(ctx);
    // Live: pending or running, depending on how soon the server moved it on.
    expect([Phase.QUEUED, Phase.RUNNING]).toContain((await backend.get(handle, ctx)).phase);
    await backend.delete(handle, ctx);
    expect(server.log.succeeded('CancelOperation')).toBe(1);
    expect(server.log.succeeded('CloseOperation')).toBe(1);
    expect(server.log.succeeded('CloseSession')).toBe(1);
    expect(server.operations()).toMatchObject([{ state: 'CANCELED', cancelled: true, closed: true, runs: 0 }]);
    expect(server.sessions().every((s) => s.closed)).toBe(true);
    // Deleting again (a restarted executor cleaning up) succeeds against handles the server forgot.
    await backend.delete(handle, ctx);
    expect(server.log.count('CancelOperation')).toBe(2);
  });
});

describe('faults on the wire', () => {
  it('a connection reset before ExecuteStatement runs is retried within create: one statement', async () => {
    const server = await startServer();
    server.faults.script('ExecuteStatement', ['connection-reset']);
    const backend = backendFor(server, { callTimeoutMs: 5_000 });
    const ctx = { ...attempt(), clock: systemClock };
    const handle = await backend.create(ctx);
    expect('job' in handle).toBe(true);
    expect(server.log.count('ExecuteStatement')).toBe(2);
    expect(server.operations()).toHaveLength(1);
    await backend.delete(handle, ctx);
  });

  it('a lost ExecuteStatement answer on the binary transport: the dropped connection closes the orphan with its session, and the retry runs the statement once', async () => {
    const server = await startServer({ pendingMs: 50 });
    server.faults.script('ExecuteStatement', ['lost-response']);
    const backend = backendFor(server);
    const ctx = { ...attempt(), clock: systemClock };
    const handle = await backend.create(ctx);
    let status = await backend.get(handle, ctx);
    while (status.phase !== Phase.SUCCEEDED) status = await backend.get(handle, ctx);
    const operations = server.operations();
    expect(operations).toHaveLength(2);
    expect(operations.map((o) => [o.state, o.runs])).toEqual([
      ['CANCELED', 0],
      ['FINISHED', 1],
    ]);
  });

  it('a connection reset on a status check fails that check only over HTTP, where sessions outlive connections', async () => {
    const server = await startServer({ transport: 'http' });
    server.faults.script('GetOperationStatus', ['connection-reset']);
    const backend = backendFor(server, { auth: { mechanism: 'PLAIN', username: 'ana', password: 'pw' } });
    const ctx = { ...attempt(), clock: systemClock };
    const handle = await backend.create(ctx);
    await expect(backend.get(handle, ctx)).rejects.toMatchObject({
      failure: { kind: 'system', retryable: true, code: 'HiveTransportError' },
    });
    let status = await backend.get(handle, ctx);
    while (status.phase !== Phase.SUCCEEDED) status = await backend.get(handle, ctx);
    expect(server.operations()).toMatchObject([{ state: 'FINISHED', runs: 1 }]);
  });

  it('a call HiveServer2 never answers fails after callTimeoutMs on the attempt clock, and the next one reconnects', async () => {
    const server = await startServer({ runningMs: Number.POSITIVE_INFINITY });
    const backend = backendFor(server, { callTimeoutMs: 30_000 });
    const clock = createFakeClock({ now: 0 });
    const ctx = { ...attempt(), clock };
    const handle = await backend.create(ctx);
    server.faults.script('GetOperationStatus', ['hang']);
    const hung = backend.get(handle, ctx).then(
      () => 'answered',
      (error: unknown) => error,
    );
    while (server.log.count('GetOperationStatus') === 0) await new Promise((resolve) => setImmediate(resolve));
    await clock.advance(30_000);
    expect(await hung).toMatchObject({
      failure: { kind: 'system', retryable: true, code: 'HiveTransportError', message: expect.stringMatching(/no answer within 30000 ms/) },
    });
    // The timed-out connection was dropped; over binary its session went with it, so a restarted check sees the handle lost.
    expect(phaseOf(await backend.get(handle, ctx))).toMatchObject({ code: 'HiveSessionLost' });
  });

  it("throttling and server errors come back as error statuses: SYSTEM and retryable, never the user's", async () => {
    const server = await startServer({ runningMs: Number.POSITIVE_INFINITY });
    const backend = backendFor(server);
    const ctx = attempt();
    const handle = await backend.create(ctx);
    server.faults.script('GetOperationStatus', ['throttle', 'server-error']);
    await expect(backend.get(handle, ctx)).rejects.toMatchObject({ failure: { kind: 'system', retryable: true, code: 'SQLSTATE_08004' } });
    await expect(backend.get(handle, ctx)).rejects.toMatchObject({ failure: { kind: 'system', retryable: true, code: 'SQLSTATE_08S01' } });
    expect((await backend.get(handle, ctx)).phase).toBe(Phase.RUNNING);
    await backend.delete(handle, ctx);
  });
});
