// The backend conformance suite for connectorBackend, against our connector serving the Athena
// plugin on its wire-level test server (queries stay RUNNING until stopped, so every job is live),
// and, with sync: true, a sync plugin. Jobs are counted where they run: the queries on the Athena
// server, the sync plugin's jobs.
import { fileURLToPath } from 'node:url';
import { definePlugin, t, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { athenaPlugin, athenaTask } from '@tflyte/plugin-athena';
import { type AthenaTestServer, startAthenaServer } from '@tflyte/plugin-athena/testing';
import { createInMemorySyncBackend, testLiteralMap, testTaskTemplate } from '@tflyte/testing';
import { describeBackendConformance } from '@tflyte/testing/conformance';
import { afterAll, beforeAll } from 'vitest';
import { type ConnectorServer, startConnectorServer } from '../server/connector-server.ts';
import { connectorBackend } from './connector-backend.ts';

const CREDENTIALS = { accessKeyId: 'AKIDCONFORMANCE', secretAccessKey: 'conformance-secret' };

/** A sync plugin for the sync half of the suite: its jobs complete within ExecuteTaskSync. */
const answering = createInMemorySyncBackend({ name: 'answering', script: [{ phase: 'SUCCEEDED', outputs: testLiteralMap({ y: 42n }) }] });
const answeringPlugin = definePlugin({
  taskType: 'answering',
  taskTypeVersion: 0,
  packageName: '@example/answering',
  coreVersion: '^0.1.0',
  target: 'container',
  backend: () => answering,
});

let athena: AthenaTestServer;
let connector: ConnectorServer;
beforeAll(async () => {
  athena = await startAthenaServer({
    workGroups: { primary: { outputLocation: 's3://results/athena/' } },
    queuedMs: 1,
    runningMs: Number.POSITIVE_INFINITY,
  });
  await athena.sql(
    "CREATE SCHEMA sales; CREATE TABLE sales.orders(id INTEGER, region VARCHAR); INSERT INTO sales.orders VALUES (1, 'eu');",
  );
  connector = await startConnectorServer({
    plugins: [athenaPlugin({ region: 'us-east-1', endpoint: athena.endpoint, credentials: CREDENTIALS }), answeringPlugin.plugin()],
    host: '127.0.0.1',
    port: 0,
    metricsPort: false,
    log: () => {},
  });
});
afterAll(async () => {
  await connector?.close({ graceMs: 200 });
  await athena?.close();
});

const orders = athenaTask({
  name: 'orders',
  query: 'SELECT id FROM orders WHERE region = {{ .inputs.region }}',
  inputs: { region: t.string() },
  database: 'sales',
});
const options = () => ({ endpoint: connector.url, taskTypes: ['presto'] });

describeBackendConformance({
  name: 'connectorBackend (our connector serving Athena)',
  backend: () => connectorBackend(options()),
  template: () => toTaskTemplate(orders, { version: 'v1' }),
  inputs: toLiteralMap(orders.inputs, { region: 'eu' }),
  submittedJobs: () => athena.executions().length,
  reattach: () => ({
    module: fileURLToPath(new URL('./connector-backend.ts', import.meta.url)),
    export: 'connectorBackend',
    args: [options()],
  }),
});

describeBackendConformance({
  name: 'connectorBackend, sync: true (our connector serving a sync plugin)',
  backend: () => connectorBackend({ endpoint: connector.url, taskTypes: ['answering'], sync: true }),
  template: testTaskTemplate({ type: 'answering', name: 'answer', outputs: { y: 'integer' } }),
  submittedJobs: () => answering.jobs.length,
});
