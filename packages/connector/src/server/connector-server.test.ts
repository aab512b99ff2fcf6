/**
 * The connector server on 127.0.0.1 over real HTTP/2, called as propeller calls it — by an
 * independent gRPC client built from flyteidl's .proto files — serving the Athena plugin against
 * its wire-level test server (real @aws-sdk/client-athena, DuckDB behind it).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { athenaPlugin } from '@tflyte/plugin-athena';
import { type AthenaTestServer, startAthenaServer } from '@tflyte/plugin-athena/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTaskRequest, executionMetadata, prestoTemplate, rowsOf } from '../testing/athena-requests.ts';
import { type FlyteidlClients, flyteidlClients, grpc } from '../testing/flyteidl-grpc-client.ts';
import { type ConnectorServer, startConnectorServer } from './connector-server.ts';
import type { LogEntry } from './log.ts';

const CREDENTIALS = { accessKeyId: 'AKIDCONNECTOR', secretAccessKey: 'connector-secret-key' };
const NODE = fileURLToPath(new URL('../../../../node_modules/.bin/node', import.meta.url));

type Plain = Record<string, unknown>;

let athena: AthenaTestServer;
let connector: ConnectorServer;
let clients: FlyteidlClients;
const logs: LogEntry[] = [];

const plugin = (): ReturnType<typeof athenaPlugin> =>
  athenaPlugin({ region: 'us-east-1', endpoint: athena.endpoint, credentials: CREDENTIALS });
const target = (server: ConnectorServer): string => server.url.replace(/^https?:\/\//, '');

async function getUntilTerminal(meta: Buffer, client = clients): Promise<Plain> {
  for (;;) {
    const { resource } = (await client.call(client.async, 'getTask', {
      resourceMeta: meta,
      taskCategory: { name: 'presto', version: 0 },
      outputPrefix: 's3://x',
    })) as { resource: Plain };
    if (['SUCCEEDED', 'FAILED', 'RETRYABLE_FAILED', 'ABORTED'].includes(resource['phase'] as string)) return resource;
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  athena = await startAthenaServer({ workGroups: { primary: { outputLocation: 's3://results/athena/' } }, credentials: CREDENTIALS });
  await athena.sql(`
    CREATE SCHEMA sales;
    CREATE TABLE sales.orders(id INTEGER, customer VARCHAR, region VARCHAR);
    INSERT INTO sales.orders VALUES (1, 'ada', 'eu'), (2, 'grace', 'us'), (3, 'edsger', 'eu');`);
  connector = await startConnectorServer({ plugins: [plugin()], host: '127.0.0.1', port: 0, metricsPort: 0, log: (e) => logs.push(e) });
  clients = flyteidlClients(target(connector));
});
afterAll(async () => {
  clients?.close();
  await connector?.close({ graceMs: 1000 });
  await athena?.close();
});

describe('the Athena plugin served as a Flyte connector', () => {
  it('lists the presto category as propeller discovers it (async, version 0)', async () => {
    const { agents } = await clients.call(clients.metadata, 'listAgents', {});
    expect(agents).toEqual([
      {
        name: '@tflyte/plugin-athena',
        isSync: false,
        supportedTaskTypes: ['presto'],
        supportedTaskCategories: [{ name: 'presto', version: 0 }],
      },
    ]);
    const { agent } = await clients.call(clients.metadata, 'getAgent', { name: '@tflyte/plugin-athena' });
    expect(agent).toMatchObject({ name: '@tflyte/plugin-athena', isSync: false });
  });

  it('creates the query, reports it until SUCCEEDED, and returns the outputs inline', async () => {
    const before = athena.executions().length;
    const { resourceMeta } = (await clients.call(clients.async, 'createTask', createTaskRequest('exec-ok'))) as { resourceMeta: Buffer };
    const resource = await getUntilTerminal(resourceMeta);
    expect(resource).toMatchObject({ phase: 'SUCCEEDED', state: 'SUCCEEDED' });
    expect(rowsOf(resource)).toEqual([
      { id: 1, customer: 'ada' },
      { id: 3, customer: 'edsger' },
    ]);
    const [execution] = athena.executions().slice(before);
    expect(execution).toMatchObject({ database: 'sales', executionParameters: ["'eu'"], runs: 1 });
    const results = (resource['outputs'] as { literals: Record<string, Plain> }).literals['results'] as Plain;
    expect(results).toMatchObject({ scalar: { structuredDataset: { uri: execution?.outputLocation } } });
    expect((resource['logLinks'] as Plain[])[0]).toMatchObject({
      name: 'Athena Query Console',
      uri: expect.stringContaining(execution!.queryExecutionId),
    });
    expect(resource['customInfo']).toMatchObject({
      fields: { backend: { stringValue: 'athena' }, generatedName: { stringValue: 'exec-ok-n0-0' } },
    });
  });

  it('is idempotent: propeller re-sending CreateTask for the same attempt starts no second query', async () => {
    const before = athena.executions().length;
    const first = (await clients.call(clients.async, 'createTask', createTaskRequest('exec-twice'))) as { resourceMeta: Buffer };
    const second = (await clients.call(clients.async, 'createTask', createTaskRequest('exec-twice'))) as { resourceMeta: Buffer };
    expect(athena.executions().length - before).toBe(1);
    expect(JSON.parse(second.resourceMeta.toString()).handle).toEqual(JSON.parse(first.resourceMeta.toString()).handle);
    // The next retry attempt is a new query.
    await clients.call(
      clients.async,
      'createTask',
      createTaskRequest('exec-twice', 'eu', { metadata: executionMetadata('exec-twice', 'n0', 1) }),
    );
    expect(athena.executions().length - before).toBe(2);
  });

  it('DeleteTask stops the query', async () => {
    const hold = await startAthenaServer({
      workGroups: { primary: { outputLocation: 's3://results/athena/' } },
      queuedMs: Number.POSITIVE_INFINITY,
    });
    const server = await startConnectorServer({
      plugins: [athenaPlugin({ region: 'us-east-1', endpoint: hold.endpoint, credentials: CREDENTIALS })],
      host: '127.0.0.1',
      port: 0,
      metricsPort: false,
      log: () => {},
    });
    const c = flyteidlClients(target(server));
    try {
      const { resourceMeta } = (await c.call(c.async, 'createTask', createTaskRequest('exec-delete'))) as { resourceMeta: Buffer };
      const { resource } = (await c.call(c.async, 'getTask', { resourceMeta, taskCategory: { name: 'presto', version: 0 } })) as {
        resource: Plain;
      };
      expect(resource['phase']).toBe('QUEUED');
      await c.call(c.async, 'deleteTask', { resourceMeta, taskCategory: { name: 'presto', version: 0 } });
      expect(hold.executions()[0]).toMatchObject({ state: 'CANCELLED', runs: 0 });
      // Deleting again is fine: the job is already stopped.
      await c.call(c.async, 'deleteTask', { resourceMeta, taskCategory: { name: 'presto', version: 0 } });
      expect(hold.requests.filter((r) => r.op === 'StopQueryExecution')).toHaveLength(2);
    } finally {
      c.close();
      await server.close({ graceMs: 100 });
      await hold.close();
    }
  });

  it('a second connector process answers GetTask for a job the first created (the connector is stateless)', async () => {
    const first = await startConnectorServer({ plugins: [plugin()], host: '127.0.0.1', port: 0, metricsPort: false, log: () => {} });
    const c1 = flyteidlClients(target(first));
    const { resourceMeta } = (await c1.call(c1.async, 'createTask', createTaskRequest('exec-replica', 'us'))) as { resourceMeta: Buffer };
    c1.close();
    await first.close({ graceMs: 100 });

    const script = `
      import { athenaPlugin } from '@tflyte/plugin-athena';
      import { startConnectorServer } from ${JSON.stringify(new URL('./connector-server.ts', import.meta.url).href)};
      const server = await startConnectorServer({
        plugins: [athenaPlugin({ region: 'us-east-1', endpoint: process.env.ATHENA, credentials: ${JSON.stringify(CREDENTIALS)} })],
        host: '127.0.0.1', port: 0, metricsPort: false, log: () => {},
      });
      console.log(JSON.stringify({ url: server.url }));
      process.on('SIGTERM', () => server.close({ graceMs: 1000 }).then(() => process.exit(0)));`;
    const child = spawn(NODE, ['--conditions=@tflyte/source', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, ATHENA: athena.endpoint },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`connector process exited with ${code}`)));
      });
      const second = flyteidlClients((JSON.parse(line) as { url: string }).url.replace('http://', ''));
      try {
        const resource = await getUntilTerminal(resourceMeta, second);
        expect(resource['phase']).toBe('SUCCEEDED');
        expect(rowsOf(resource)).toEqual([{ id: 2, customer: 'grace' }]);
      } finally {
        second.close();
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('a query that cannot run fails permanently, so propeller does not retry it', async () => {
    const before = athena.executions().length;
    const { resourceMeta } = (await clients.call(
      clients.async,
      'createTask',
      createTaskRequest('exec-bad', 'eu', { template: prestoTemplate('SELECT 1', '') }),
    )) as {
      resourceMeta: Buffer;
    };
    const resource = await getUntilTerminal(resourceMeta);
    expect(resource).toMatchObject({
      phase: 'FAILED',
      state: 'PERMANENT_FAILURE',
      agentError: { code: 'InvalidTaskTemplate', kind: 'NON_RECOVERABLE', origin: 'USER' },
    });
    expect(resource['message']).toContain('an Athena query needs a database');
    expect(athena.executions().length).toBe(before);
  });

  it('answers NOT_FOUND for a category it does not serve and INVALID_ARGUMENT for a bad request, without stack traces', async () => {
    const spark = { ...prestoTemplate(), type: 'spark' };
    const notFound = await clients
      .call(clients.async, 'createTask', createTaskRequest('exec-nf', 'eu', { template: spark }))
      .catch((e: grpc.ServiceError) => e);
    expect(notFound).toMatchObject({
      code: grpc.status.NOT_FOUND,
      details: expect.stringContaining('Cannot find connector for task category: spark_v0; this connector serves presto_v0'),
    });
    const v1 = await clients
      .call(clients.async, 'createTask', createTaskRequest('exec-nf', 'eu', { template: { ...prestoTemplate(), taskTypeVersion: 1 } }))
      .catch((e: grpc.ServiceError) => e);
    expect(v1).toMatchObject({ code: grpc.status.NOT_FOUND });

    const noTemplate = await clients
      .call(clients.async, 'createTask', { ...createTaskRequest('exec-bad-req'), template: null })
      .catch((e: grpc.ServiceError) => e);
    expect(noTemplate).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'CreateTaskRequest.template is required: send the TaskTemplate to run',
    });
    const noMetadata = await clients
      .call(clients.async, 'createTask', { ...createTaskRequest('exec-bad-req'), taskExecutionMetadata: null })
      .catch((e: grpc.ServiceError) => e);
    expect(noMetadata).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('CreateTaskRequest.task_execution_metadata.task_execution_id must name'),
    });
    const badMeta = await clients
      .call(clients.async, 'getTask', { resourceMeta: Buffer.from('{"jobId": 1}'), taskCategory: { name: 'presto', version: 0 } })
      .catch((e: grpc.ServiceError) => e);
    expect(badMeta).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'resource_meta was not written by a tflyte connector' });
    const metrics = await clients
      .call(clients.async, 'getTaskMetrics', { resourceMeta: Buffer.from('x') })
      .catch((e: grpc.ServiceError) => e);
    expect(metrics).toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    for (const error of [notFound, noTemplate, badMeta] as grpc.ServiceError[]) expect(error.details).not.toMatch(/\n\s+at /);
  });

  it('reports SERVING on the standard health service', async () => {
    expect(await clients.call(clients.health, 'check', { service: '' })).toEqual({ status: 'SERVING' });
    expect(await clients.call(clients.health, 'check', { service: 'flyteidl.service.AsyncAgentService' })).toEqual({ status: 'SERVING' });
    const unknown = await clients.call(clients.health, 'check', { service: 'nope' }).catch((e: grpc.ServiceError) => e);
    expect(unknown).toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('counts requests per task type and operation in Prometheus metrics', async () => {
    const text = await (await fetch(connector.metricsUrl!)).text();
    const count = (labels: string): number =>
      Number(new RegExp(`^tflyte_connector_requests_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 'NaN');
    expect(count('task_type="presto",operation="create",outcome="success"')).toBeGreaterThanOrEqual(4);
    expect(count('task_type="spark",operation="create",outcome="failure"')).toBe(1);
    expect(text).toMatch(/^tflyte_connector_request_duration_seconds_count\{task_type="presto",operation="get"\} \d+$/m);
    expect(text).toMatch(/^tflyte_connector_creates_in_flight\{task_type="presto"\} 0$/m);
    // The process's own figures, as Prometheus client libraries name them.
    expect(Number(/^process_resident_memory_bytes (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(Number(/^process_cpu_seconds_total ([\d.]+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(Number(/^nodejs_heap_size_used_bytes (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
  });

  it('logs structured entries without the secrets a request carries', async () => {
    const secret = 'hunter2-do-not-log';
    await clients.call(
      clients.async,
      'createTask',
      createTaskRequest('exec-secret', secret, {
        metadata: executionMetadata('exec-secret', 'n0', 0, { environmentVariables: { API_TOKEN: secret } }),
      }),
    );
    const entry = logs.find((e) => e.operation === 'create' && e.generatedName === 'exec-secret-n0-0');
    expect(entry).toMatchObject({ level: 'info', taskType: 'presto', grpcCode: 'OK' });
    expect(JSON.stringify(logs)).not.toContain(secret);
  });
});
