// Hive tasks run end to end by the shared executor, through hive-driver, against the test HiveServer2.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutor, createRegistry, executorRunner, openStateStore, TaskFailedError, t, withRunner } from '@tflyte/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type HivePluginOptions, hivePlugin } from './hive-plugin.ts';
import { hiveTask } from './hive-task.ts';
import { type HiveServerOptions, type HiveTestServer, startHiveServer } from './testing/index.ts';

const FAST_POLL = { initialMs: 5, multiplier: 1.5, maxMs: 20 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(options: HiveServerOptions = {}): Promise<HiveTestServer> {
  const server = await startHiveServer({ pendingMs: 2, runningMs: 2, ...options });
  cleanups.push(() => server.close());
  await server.sql(`CREATE SCHEMA sales; CREATE TABLE sales.orders(id INTEGER, region VARCHAR, amount DECIMAL(10,2));
    INSERT INTO sales.orders VALUES (1, 'eu', 12.50), (2, 'us', 7.05), (3, 'eu', 99.99), (4, 'ap', 3.00);`);
  return server;
}

async function executor(server: HiveTestServer, options: Partial<HivePluginOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'tflyte-hive-'));
  const store = openStateStore(dir);
  cleanups.push(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const plugin = hivePlugin({
    host: server.host,
    port: server.port,
    transport: server.transport,
    poll: FAST_POLL,
    database: 'sales',
    ...options,
  } as HivePluginOptions);
  return createExecutor({ registry: createRegistry({ plugins: [plugin] }), store, stateDir: dir });
}

const byRegion = hiveTask({
  name: 'byRegion',
  query: 'SELECT id, amount FROM orders WHERE region = {{ .inputs.region }} ORDER BY id',
  inputs: { region: t.string() },
  outputs: { rows: t.list(t.struct()) },
});

describe('hive tasks through the executor', () => {
  it('runs a typed call asynchronously and returns typed rows; nothing is left open', async () => {
    const server = await startServer();
    const run = await executor(server);
    const { rows } = await withRunner(executorRunner(run, { runId: 'r1' }), () => byRegion({ region: 'eu' }));
    expect(rows).toEqual([
      { id: 1, amount: '12.50' },
      { id: 3, amount: '99.99' },
    ]);
    const [operation] = server.operations();
    expect(operation).toMatchObject({
      runAsync: true,
      statement: "SELECT id, amount FROM orders WHERE region = 'eu' ORDER BY id",
      closed: true,
    });
    expect(server.sessions().every((s) => s.closed)).toBe(true);
  });

  it("a failed statement is the user's: SQLSTATE 42 fails without retries", async () => {
    const server = await startServer();
    const run = await executor(server);
    const broken = hiveTask({ name: 'broken', query: 'SELECT nope FROM orders', retries: 2 });
    const error = await withRunner(executorRunner(run, { runId: 'r2' }), () => broken({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ failure: { kind: 'user', retryable: false, code: expect.stringMatching(/^SQLSTATE_42/) } });
    expect(server.operations()).toHaveLength(1);
    // The failure carries the query's own log, read with FetchResults(fetchType=1) as beeline does.
    expect((error as TaskFailedError).failure.message).toMatch(
      /Hive query log \(last \d+ lines\):\nCompiling command\(queryId=[0-9a-f]+\): SELECT nope FROM orders\nFAILED: Binder Error/,
    );
  });

  it.each(["'; DROP TABLE orders; --", "\\'; DROP TABLE orders; --", 'x\\', "it's", '"dq"', 'line\nbreak --', '\u0000nul'])(
    'an injection string stays a value: %j',
    async (value) => {
      const server = await startServer();
      await server.sql(
        `INSERT INTO sales.orders VALUES (9, ${`'${value.replaceAll("'", "''").replaceAll('\u0000', "' || chr(0) || '")}'`}, 1.00)`,
      );
      const run = await executor(server);
      const { rows } = await withRunner(executorRunner(run, { runId: 'inj' }), () => byRegion({ region: value }));
      expect(rows).toEqual([{ id: 9, amount: '1.00' }]);
      expect(await server.sql('SELECT count(*)::INT AS n FROM sales.orders')).toEqual([{ n: 5 }]);
    },
  );

  it('a negative number stays a number: 1-{{ .inputs.n }} with n = -1 is 1-(-1), never a -- comment', async () => {
    const server = await startServer();
    const run = await executor(server);
    const minus = hiveTask({
      name: 'minus',
      query: 'SELECT 1-{{ .inputs.n }} AS v',
      inputs: { n: t.int() },
      outputs: { rows: t.list(t.struct()) },
    });
    const { rows } = await withRunner(executorRunner(run, { runId: 'neg' }), () => minus({ n: -1 }));
    expect(rows).toEqual([{ v: 2 }]);
    expect(server.operations()[0]?.statement).toBe('SELECT 1-(-1) AS v');
  });

  it('works over the HTTP transport with PLAIN credentials', async () => {
    const server = await startServer({ transport: 'http', users: { ana: 'pw' } });
    const run = await executor(server, { auth: { mechanism: 'LDAP', username: 'ana', password: 'pw' } });
    const { rows } = await withRunner(executorRunner(run, { runId: 'http' }), () => byRegion({ region: 'us' }));
    expect(rows).toEqual([{ id: 2, amount: '7.05' }]);
  });
});

/**
 * A successful check reads the status, the schema and a page: at 20% per call half of such checks
 * fail, so five in a row (the default tolerance) would fail some attempt now and then. The checks
 * are retried without ever resubmitting; a wider tolerance keeps the count of statements exact.
 */
const TOLERANT = { maxFailures: 30, initialMs: 5, maxMs: 20 };

describe('faults', () => {
  it('with 20% of status and fetch calls failing, 10 runs give correct rows and run exactly 10 statements', async () => {
    const server = await startServer({
      faults: {
        seed: 7,
        rules: [{ kind: 'server-error', ops: ['GetOperationStatus', 'FetchResults', 'GetResultSetMetadata'], probability: 0.2 }],
      },
    });
    const run = await executor(server, { statusChecks: TOLERANT });
    for (let i = 0; i < 10; i++) {
      const { rows } = await withRunner(executorRunner(run, { runId: `f${i}` }), () => byRegion({ region: 'eu' }));
      expect(rows).toEqual([
        { id: 1, amount: '12.50' },
        { id: 3, amount: '99.99' },
      ]);
    }
    expect(server.faults.injected.length).toBeGreaterThan(0);
    expect(server.operations()).toHaveLength(10);
  });

  it('over HTTP, with 20% of every call failing (error statuses, throttling, dropped connections, lost answers), 10 runs give correct rows and run exactly 10 statements', async () => {
    const every = [
      'OpenSession',
      'ExecuteStatement',
      'GetOperationStatus',
      'GetResultSetMetadata',
      'FetchResults',
      'CancelOperation',
      'CloseOperation',
      'CloseSession',
    ] as const;
    // A lost ExecuteStatement answer would start a second statement (HiveServer2 has no idempotency token), so answers are lost only after other calls.
    const afterSubmit = every.filter((op) => op !== 'ExecuteStatement' && op !== 'OpenSession');
    const perKind = 1 - 0.8 ** (1 / 4);
    const server = await startServer({
      transport: 'http',
      users: { ana: 'pw' },
      faults: {
        seed: 11,
        rules: [
          { kind: 'server-error', ops: every, probability: perKind },
          { kind: 'throttle', ops: every, probability: perKind },
          { kind: 'connection-reset', ops: every, probability: perKind },
          { kind: 'lost-response', ops: afterSubmit, probability: perKind },
        ],
      },
    });
    const run = await executor(server, {
      auth: { mechanism: 'PLAIN', username: 'ana', password: 'pw' },
      statusChecks: TOLERANT,
      submitRetries: { initialMs: 5, maxMs: 20 },
    });
    for (let i = 0; i < 10; i++) {
      const { rows } = await withRunner(executorRunner(run, { runId: `h${i}` }), () => byRegion({ region: 'eu' }));
      expect(rows).toEqual([
        { id: 1, amount: '12.50' },
        { id: 3, amount: '99.99' },
      ]);
    }
    const kinds = new Set(server.faults.injected.map((f) => f.kind));
    expect([...kinds].sort()).toEqual(['connection-reset', 'lost-response', 'server-error', 'throttle']);
    expect(server.faults.injected.length / server.log.count()).toBeGreaterThan(0.1);
    expect(server.operations()).toHaveLength(10);
    expect(server.operations().every((o) => o.runs === 1)).toBe(true);
  });

  it('on the binary transport, a dropped connection ends the session: the attempt is resubmitted, once per drop, and the rows are still correct', async () => {
    const server = await startServer();
    // One drop while following the first statement, one while reading the second's rows.
    server.faults.script('GetOperationStatus', ['connection-reset']);
    server.faults.script('FetchResults', ['connection-reset']);
    const run = await executor(server, { statusChecks: { initialMs: 5, maxMs: 20 }, submitRetries: { initialMs: 5, maxMs: 20 } });
    const { rows } = await withRunner(executorRunner(run, { runId: 'drops' }), () => byRegion({ region: 'eu' }));
    expect(rows).toEqual([
      { id: 1, amount: '12.50' },
      { id: 3, amount: '99.99' },
    ]);
    expect(server.faults.injected).toHaveLength(2);
    expect(server.operations()).toHaveLength(3);
    expect(server.operations().at(-1)).toMatchObject({ state: 'CLOSED', runs: 1 });
  });
});
