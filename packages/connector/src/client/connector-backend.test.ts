/**
 * connectorBackend through tflyte's executor, against our own connector server (serving the Athena
 * plugin on its wire-level test server): a task runs through the connector, and an executor killed
 * with SIGKILL mid-query is replaced by one that re-attaches to the remote job from the persisted
 * resource meta, so the query is submitted once.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openSession, TaskFailedError, t, withRunner } from '@tflyte/core';
import { athenaPlugin, athenaTask } from '@tflyte/plugin-athena';
import { type AthenaTestServer, startAthenaServer } from '@tflyte/plugin-athena/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorConfigError } from '../errors.ts';
import { type ConnectorServer, startConnectorServer } from '../server/connector-server.ts';
import { connectorBackend } from './connector-backend.ts';

const CREDENTIALS = { accessKeyId: 'AKIDCLIENT', secretAccessKey: 'client-secret' };
const NODE = fileURLToPath(new URL('../../../../node_modules/.bin/node', import.meta.url));
const POLL = { initialMs: 20, multiplier: 1, maxMs: 20 };

const orders = athenaTask({
  name: 'orders',
  query: 'SELECT id, customer FROM orders WHERE region = {{ .inputs.region }} ORDER BY id',
  inputs: { region: t.string() },
  database: 'sales',
  outputs: { rows: t.list(t.struct()) },
});

let athena: AthenaTestServer;
let connector: ConnectorServer;
let scratch: string;
const createCount = (): number =>
  Number(
    /^tflyte_connector_requests_total\{task_type="presto",operation="create",outcome="success"\} (\d+)$/m.exec(
      connector.metrics.render(),
    )?.[1] ?? 0,
  );

beforeAll(async () => {
  athena = await startAthenaServer({ workGroups: { primary: { outputLocation: 's3://results/athena/' } }, credentials: CREDENTIALS });
  await athena.sql(`
    CREATE SCHEMA sales;
    CREATE TABLE sales.orders(id INTEGER, customer VARCHAR, region VARCHAR);
    INSERT INTO sales.orders VALUES (1, 'ada', 'eu'), (2, 'grace', 'us'), (3, 'edsger', 'eu');`);
  connector = await startConnectorServer({
    plugins: [athenaPlugin({ region: 'us-east-1', endpoint: athena.endpoint, credentials: CREDENTIALS, poll: POLL })],
    host: '127.0.0.1',
    port: 0,
    metricsPort: false,
    log: () => {},
  });
});
afterAll(async () => {
  await connector?.close({ graceMs: 500 });
  await athena?.close();
});
afterEach(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('connectorBackend', () => {
  it('runs a task through the executor via the connector', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-connector-client-'));
    const creates = createCount();
    const before = athena.executions().length;
    // The local plugin is registered for authoring; the connector runs it.
    const session = await openSession({
      cwd: scratch,
      config: {
        plugins: [athenaPlugin()],
        backends: { presto: connectorBackend({ endpoint: connector.url, taskTypes: ['presto'], poll: POLL }) },
        stateDir: join(scratch, 'state'),
      },
    });
    try {
      const { rows } = await withRunner(session.runner(), () => orders({ region: 'eu' }));
      expect(rows).toEqual([
        { id: 1, customer: 'ada' },
        { id: 3, customer: 'edsger' },
      ]);
    } finally {
      session.close();
    }
    expect(createCount() - creates).toBe(1);
    expect(
      athena
        .executions()
        .slice(before)
        .map((e) => e.executionParameters),
    ).toEqual([["'eu'"]]);
  });

  it('fails at once, naming the fix, when the connector does not serve the task type', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-connector-client-'));
    const session = await openSession({
      cwd: scratch,
      config: {
        plugins: [athenaPlugin()],
        backends: { presto: connectorBackend({ endpoint: connector.url, taskTypes: ['presto'], sync: true }) },
        stateDir: join(scratch, 'state'),
      },
    });
    try {
      const error = await withRunner(session.runner(), () => orders({ region: 'eu' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error).toMatchObject({
        failure: {
          code: 'ConnectorModeMismatch',
          kind: 'system',
          retryable: false,
          message: expect.stringContaining('asynchronously: drop sync: true'),
        },
        attempts: 1,
      });
    } finally {
      session.close();
    }
  });

  it('rejects bad options with the option named', () => {
    expect(() => connectorBackend({ endpoint: 'flyte-connector:8000', taskTypes: ['presto'] })).toThrow(ConnectorConfigError);
    expect(() => connectorBackend({ endpoint: 'http://x:8000', taskTypes: [] })).toThrow(/connector option 'taskTypes' must list/);
    expect(() => connectorBackend({ endpoint: 'http://x:8000', taskTypes: ['presto'], tls: { ca: 'PEM' } })).toThrow(
      "connector option 'tls' is set but endpoint 'http://x:8000' is plaintext: use an https:// endpoint",
    );
  });

  it('re-attaches after the executor is killed with SIGKILL: the query is submitted once', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-connector-restart-'));
    const held = await startAthenaServer({
      workGroups: { primary: { outputLocation: 's3://results/athena/' } },
      runningMs: Number.POSITIVE_INFINITY,
    });
    await held.sql(
      `CREATE SCHEMA sales; CREATE TABLE sales.orders(id INTEGER, customer VARCHAR, region VARCHAR); INSERT INTO sales.orders VALUES (7, 'hedy', 'eu');`,
    );
    const server = await startConnectorServer({
      plugins: [athenaPlugin({ region: 'us-east-1', endpoint: held.endpoint, credentials: CREDENTIALS })],
      host: '127.0.0.1',
      port: 0,
      metricsPort: false,
      log: () => {},
    });
    const src = (path: string): string => JSON.stringify(new URL(path, import.meta.url).href);
    await writeFile(
      join(scratch, 'run.mjs'),
      `import { openSession, t, withRunner } from ${src('../../../core/src/index.ts')};
       import { athenaPlugin, athenaTask } from ${src('../../../plugin-athena/src/index.ts')};
       import { connectorBackend } from ${src('../index.ts')};
       const orders = athenaTask({ name: 'orders', query: 'SELECT id, customer FROM orders WHERE region = {{ .inputs.region }}', inputs: { region: t.string() }, database: 'sales', outputs: { rows: t.list(t.struct()) } });
       const session = await openSession({ cwd: ${JSON.stringify(scratch)}, config: {
         plugins: [athenaPlugin()],
         backends: { presto: connectorBackend({ endpoint: ${JSON.stringify(server.url)}, taskTypes: ['presto'], poll: ${JSON.stringify(POLL)} }) },
         stateDir: ${JSON.stringify(join(scratch, 'state'))} } });
       const result = await withRunner(session.runner({ runId: 'r-connector' }), () => orders({ region: 'eu' }));
       console.log(JSON.stringify(result));
       session.close();`,
    );
    const start = () => {
      const child = spawn(NODE, ['--conditions=@tflyte/source', join(scratch, 'run.mjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const lines: string[] = [];
      createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      return { child, lines, exited, stderr: () => stderr };
    };
    try {
      const first = start();
      // The executor persists the handle before its first status check, which the Athena server sees.
      while (!held.requests.some((r) => r.op === 'GetQueryExecution')) {
        if (first.child.exitCode !== null) throw new Error(`first run exited early: ${first.stderr()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      const [execution] = held.executions();
      expect(held.advance(execution!.queryExecutionId)).toBe(true);

      const second = start();
      const { code } = await second.exited;
      expect(code, second.stderr()).toBe(0);
      expect(JSON.parse(second.lines.at(-1)!)).toEqual({ rows: [{ id: 7, customer: 'hedy' }] });
      expect(held.requests.filter((r) => r.op === 'StartQueryExecution')).toHaveLength(1);
      expect(held.executions()).toHaveLength(1);
    } finally {
      await server.close({ graceMs: 200 });
      await held.close();
    }
  });
});
