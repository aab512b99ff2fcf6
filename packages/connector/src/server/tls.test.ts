/**
 * The connector over TLS: a server certificate from a throw-away CA (made with openssl at test
 * time), called by the independent grpc-js client and by connectorBackend through the executor,
 * both trusting that CA; a plaintext client and a client that does not trust the CA are refused
 * before any call reaches a plugin (counted on the Athena test server and the connector's metrics).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession, TaskFailedError, t, withRunner } from '@tflyte/core';
import { athenaPlugin, athenaTask } from '@tflyte/plugin-athena';
import { type AthenaTestServer, startAthenaServer } from '@tflyte/plugin-athena/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorBackend } from '../client/connector-backend.ts';
import { createTaskRequest, rowsOf } from '../testing/athena-requests.ts';
import { flyteidlClients, grpc } from '../testing/flyteidl-grpc-client.ts';
import { makeTestCertificates, type TestCertificates } from '../testing/test-certificates.ts';
import { type ConnectorServer, startConnectorServer } from './connector-server.ts';

const CREDENTIALS = { accessKeyId: 'AKIDTLS', secretAccessKey: 'tls-secret' };
const POLL = { initialMs: 20, multiplier: 1, maxMs: 20 };

const orders = athenaTask({
  name: 'orders',
  query: 'SELECT id, customer FROM orders WHERE region = {{ .inputs.region }} ORDER BY id',
  inputs: { region: t.string() },
  database: 'sales',
  outputs: { rows: t.list(t.struct()) },
});

let certs: TestCertificates;
let athena: AthenaTestServer;
let connector: ConnectorServer;
let target: string;

/** CreateTask calls the connector's plugin code answered: a refused handshake never counts. */
const creates = (): number =>
  [
    ...connector.metrics
      .render()
      .matchAll(/^tflyte_connector_requests_total\{task_type="[^"]*",operation="create",outcome="\w+"\} (\d+)$/gm),
  ]
    .map((m) => Number(m[1]))
    .reduce((a, b) => a + b, 0);

beforeAll(async () => {
  certs = makeTestCertificates();
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
    tls: { cert: certs.cert, key: certs.key },
    log: () => {},
  });
  target = connector.url.replace('https://', '');
});
afterAll(async () => {
  await connector?.close({ graceMs: 500 });
  await athena?.close();
  certs?.remove();
});

describe('the connector over TLS', () => {
  it('serves https, and the grpc-js client trusting the CA runs a query end to end', async () => {
    expect(connector.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const c = flyteidlClients(target, certs.ca);
    try {
      const before = athena.executions().length;
      const { resourceMeta } = (await c.call(c.async, 'createTask', createTaskRequest('exec-tls'))) as { resourceMeta: Buffer };
      let resource: Record<string, unknown>;
      do {
        ({ resource } = (await c.call(c.async, 'getTask', { resourceMeta, taskCategory: { name: 'presto', version: 0 } })) as {
          resource: Record<string, unknown>;
        });
      } while (!['SUCCEEDED', 'FAILED', 'RETRYABLE_FAILED'].includes(resource['phase'] as string));
      expect(resource['phase']).toBe('SUCCEEDED');
      expect(rowsOf(resource)).toEqual([
        { id: 1, customer: 'ada' },
        { id: 3, customer: 'edsger' },
      ]);
      expect(athena.executions().length - before).toBe(1);
    } finally {
      c.close();
    }
  });

  it('connectorBackend with tls.ca runs a task through the executor over https', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'tflyte-connector-tls-client-'));
    const before = athena.executions().length;
    const session = await openSession({
      cwd: scratch,
      config: {
        plugins: [athenaPlugin()],
        backends: { presto: connectorBackend({ endpoint: connector.url, taskTypes: ['presto'], tls: { ca: certs.ca }, poll: POLL }) },
        stateDir: join(scratch, 'state'),
      },
    });
    try {
      expect(await withRunner(session.runner(), () => orders({ region: 'us' }))).toEqual({ rows: [{ id: 2, customer: 'grace' }] });
    } finally {
      session.close();
      await rm(scratch, { recursive: true, force: true });
    }
    expect(
      athena
        .executions()
        .slice(before)
        .map((e) => e.executionParameters),
    ).toEqual([["'us'"]]);
  });

  it('refuses a plaintext client: the call never reaches the plugin', async () => {
    const before = { creates: creates(), queries: athena.executions().length };
    const plain = flyteidlClients(target);
    try {
      const error = await plain.call(plain.async, 'createTask', createTaskRequest('exec-plain'), 5000).catch((e: grpc.ServiceError) => e);
      expect(error).toMatchObject({ code: grpc.status.UNAVAILABLE });
    } finally {
      plain.close();
    }
    expect({ creates: creates(), queries: athena.executions().length }).toEqual(before);
  });

  it('a client that does not trust the CA refuses the server, naming the certificate problem', async () => {
    const before = { creates: creates(), queries: athena.executions().length };
    const untrusting = flyteidlClients(target, 'system-roots');
    try {
      const error = await untrusting
        .call(untrusting.async, 'createTask', createTaskRequest('exec-untrusted'), 5000)
        .catch((e: grpc.ServiceError) => e);
      expect(error).toMatchObject({ code: grpc.status.UNAVAILABLE, details: expect.stringMatching(/certificate/i) });
    } finally {
      untrusting.close();
    }

    const scratch = await mkdtemp(join(tmpdir(), 'tflyte-connector-tls-untrusted-'));
    const session = await openSession({
      cwd: scratch,
      config: {
        plugins: [athenaPlugin()],
        backends: { presto: connectorBackend({ endpoint: connector.url, taskTypes: ['presto'], poll: POLL }) },
        stateDir: join(scratch, 'state'),
      },
    });
    try {
      const error = await withRunner(session.runner(), () => orders({ region: 'eu' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskFailedError);
      // Permanent: no retry makes the certificate trusted, so the attempt ends at once with the fix.
      expect(error).toMatchObject({
        failure: {
          code: 'ConnectorCertificateUntrusted',
          kind: 'system',
          retryable: false,
          message: expect.stringContaining('UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
        },
        attempts: 1,
      });
      expect((error as TaskFailedError).failure.message).toContain('pass the CA that signed it as tls.ca to connectorBackend');
    } finally {
      session.close();
      await rm(scratch, { recursive: true, force: true });
    }
    expect({ creates: creates(), queries: athena.executions().length }).toEqual(before);
  });
});
