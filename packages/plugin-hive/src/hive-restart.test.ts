// A restarted executor and a cancelled run, through the shared executor on one state directory,
// counted on the test HiveServer2: re-attach where the server keeps sessions, resubmit once where
// it cannot, and CancelOperation when the run is cancelled.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type AsyncBackend,
  CancelledError,
  createExecutor,
  createRegistry,
  type ExecutorEvent,
  fromLiteralMap,
  isSyncBackend,
  openStateStore,
  t,
  toLiteralMap,
  toTaskTemplate,
} from '@tflyte/core';
import type { WebApiHandle } from '@tflyte/warehouse';
import { afterEach, describe, expect, it } from 'vitest';
import type { HiveHandle } from './backend/hive-backend.ts';
import { type HivePluginOptions, hivePlugin } from './hive-plugin.ts';
import { hiveTask } from './hive-task.ts';
import { type HiveServerOptions, type HiveTestServer, startHiveServer } from './testing/index.ts';

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

const plugin = (server: HiveTestServer) =>
  hivePlugin({
    host: server.host,
    port: server.port,
    transport: server.transport,
    database: 'sales',
    poll: { initialMs: 5, multiplier: 1.5, maxMs: 20 },
    ...(server.transport === 'http' ? { auth: { mechanism: 'PLAIN', username: 'ana', password: 'pw' } } : {}),
  } as HivePluginOptions);

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tflyte-hive-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** An executor on `dir`; a new one on the same directory is the executor after a restart. */
function executorOn(dir: string, server: HiveTestServer, backend?: AsyncBackend<WebApiHandle<HiveHandle>>) {
  const store = openStateStore(dir);
  cleanups.push(() => store.close());
  const events: ExecutorEvent[] = [];
  const executor = createExecutor({
    registry: createRegistry({ plugins: [plugin(server)] }),
    store,
    stateDir: dir,
    ...(backend === undefined ? {} : { backends: { hive: backend } }),
  });
  executor.on((e) => events.push(e));
  return { executor, store, events };
}

/** An executor that stores the handle and then dies before its first status check. */
function dyingBackend(server: HiveTestServer): AsyncBackend<WebApiHandle<HiveHandle>> {
  const real = plugin(server).backend;
  if (isSyncBackend(real)) throw new Error('the Hive backend is asynchronous');
  // Neither a status check nor a watch ever answers: the executor never learns anything after the handle.
  return { ...(real as AsyncBackend<WebApiHandle<HiveHandle>>), get: () => new Promise<never>(() => {}), watch: () => {} };
}

const byRegion = hiveTask({
  name: 'byRegion',
  query: 'SELECT id FROM orders WHERE region = {{ .inputs.region }} ORDER BY id',
  inputs: { region: t.string() },
  outputs: { rows: t.list(t.struct()) },
});
const template = toTaskTemplate(byRegion, { version: 'v1' });
const inputs = toLiteralMap(byRegion.inputs, { region: 'eu' });
const key = { runId: 'restart', nodeId: 'n0', attempt: 0 };

async function untilRunning(store: ReturnType<typeof openStateStore>): Promise<void> {
  while (store.getAttempt(key)?.status !== 'running') await delay(2);
}

describe('a restarted executor', () => {
  it.each<[string, HiveServerOptions]>([
    ['HTTP transport', { transport: 'http', users: { ana: 'pw' } }],
    ['binary transport with close.session.on.disconnect off', { closeSessionOnDisconnect: false }],
  ])('re-attaches by the stored handles (%s): one statement, run once', async (_, options) => {
    const server = await startServer({ ...options, runningMs: Number.POSITIVE_INFINITY });
    const dir = await stateDir();
    const first = executorOn(dir, server, dyingBackend(server));
    void first.executor.run(template, inputs, { runId: 'restart' });
    await untilRunning(first.store);
    server.disconnectAll();

    const second = executorOn(dir, server);
    const run = second.executor.run(template, inputs, { runId: 'restart' });
    while (server.operations()[0]?.state !== 'RUNNING') await delay(2);
    server.advance(server.operations()[0]!.id);
    expect(fromLiteralMap(byRegion.outputs.types, await run)).toEqual({ rows: [{ id: 1 }, { id: 3 }] });

    expect(second.events.filter((e) => e.type === 'attempt-reattached')).toHaveLength(1);
    expect(server.log.count('ExecuteStatement')).toBe(1);
    expect(server.operations()).toMatchObject([{ state: 'CLOSED', runs: 1, closed: true }]);
  });

  it('on the binary transport, where the session ended with the connection, resubmits once and says so', async () => {
    const server = await startServer({ runningMs: Number.POSITIVE_INFINITY });
    const dir = await stateDir();
    const first = executorOn(dir, server, dyingBackend(server));
    void first.executor.run(template, inputs, { runId: 'restart' });
    await untilRunning(first.store);
    // The first executor's process ends: its connection closes, and HiveServer2 closes its session.
    server.disconnectAll();

    const second = executorOn(dir, server);
    const run = second.executor.run(template, inputs, { runId: 'restart' });
    while (server.operations()[1]?.state !== 'RUNNING') await delay(2);
    server.advance(server.operations()[1]!.id);
    expect(fromLiteralMap(byRegion.outputs.types, await run)).toEqual({ rows: [{ id: 1 }, { id: 3 }] });

    expect(second.events.filter((e) => e.type === 'attempt-failed')).toMatchObject([
      {
        attempt: 0,
        kind: 'system',
        retryable: true,
        code: 'HiveSessionLost',
        message: expect.stringMatching(/the next attempt submits the query again/),
      },
    ]);
    expect(second.events.filter((e) => e.type === 'attempt-created').map((e) => (e as { attempt: number }).attempt)).toEqual([1]);
    // The first statement was cancelled with its session before it ran; the second ran once.
    expect(server.operations().map((o) => [o.state, o.runs])).toEqual([
      ['CANCELED', 0],
      ['CLOSED', 1],
    ]);
  });
});

describe('an executor that dies inside create, after ExecuteStatement and before the handle is stored', () => {
  it('on the binary transport: the orphan ends with its session before it runs, the next executor submits again, and the statement runs once', async () => {
    // HiveServer2 has no idempotency token and no way to find an operation by its tag, so the
    // restarted executor cannot find the first statement; closing the session on disconnect stops it.
    const server = await startServer({ pendingMs: Number.POSITIVE_INFINITY });
    const dir = await stateDir();
    const real = plugin(server).backend as AsyncBackend<WebApiHandle<HiveHandle>>;
    const dying: AsyncBackend<WebApiHandle<HiveHandle>> = {
      ...real,
      create: async (ctx) => {
        await real.create(ctx);
        return new Promise<never>(() => {});
      },
    };
    const first = executorOn(dir, server, dying);
    void first.executor.run(template, inputs, { runId: 'restart' });
    while (server.operations().length === 0) await delay(2);
    expect(first.store.getAttempt(key)?.status).toBe('creating');
    server.disconnectAll();

    const second = executorOn(dir, server);
    const run = second.executor.run(template, inputs, { runId: 'restart' });
    while (server.operations()[1]?.state !== 'PENDING') await delay(2);
    server.advance(server.operations()[1]!.id);
    expect(fromLiteralMap(byRegion.outputs.types, await run)).toEqual({ rows: [{ id: 1 }, { id: 3 }] });
    expect(server.operations().map((o) => [o.state, o.runs, o.confOverlay['hive.query.tag']])).toEqual([
      ['CANCELED', 0, expect.any(String)],
      ['CLOSED', 1, server.operations()[0]!.confOverlay['hive.query.tag']],
    ]);
  });
});

describe('a cancelled run', () => {
  it('cancels the running statement on HiveServer2 and closes what it opened', async () => {
    const server = await startServer({ runningMs: Number.POSITIVE_INFINITY });
    const { executor } = executorOn(await stateDir(), server);
    const abort = new AbortController();
    const run = executor.run(template, inputs, { signal: abort.signal });
    while (server.operations()[0]?.state !== 'RUNNING') await delay(2);
    abort.abort();
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(server.log.succeeded('CancelOperation')).toBe(1);
    expect(server.operations()).toMatchObject([{ state: 'CANCELED', cancelled: true, closed: true, runs: 0 }]);
    expect(server.sessions().every((s) => s.closed)).toBe(true);
  });
});
