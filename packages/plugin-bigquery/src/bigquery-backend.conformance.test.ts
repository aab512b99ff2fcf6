// The backend conformance suite for the BigQuery backend, through the real @google-cloud/bigquery
// against the wire-level test server; jobs stay RUNNING until cancelled, so every job is live.
import { fileURLToPath } from 'node:url';
import { t, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { describeBackendConformance } from '@tflyte/testing/conformance';
import { afterAll, beforeAll } from 'vitest';
import { type BigQueryPluginOptions, bigqueryBackend } from './backend/bigquery-backend.ts';
import { bigqueryTask } from './bigquery-task.ts';
import { type BigQueryTestServer, startBigQueryServer } from './testing/index.ts';

let server: BigQueryTestServer;
beforeAll(async () => {
  // The re-attach child inherits it: no probing for a GCE metadata server.
  process.env.METADATA_SERVER_DETECTION = 'none';
  server = await startBigQueryServer({ queuedMs: 1, runningMs: Number.POSITIVE_INFINITY });
  await server.sql("CREATE SCHEMA sales; CREATE TABLE sales.orders(id BIGINT, region VARCHAR); INSERT INTO sales.orders VALUES (1, 'eu');");
});
afterAll(() => server?.close());

const orders = bigqueryTask({
  name: 'orders',
  query: 'SELECT id FROM sales.orders WHERE region = {{ .inputs.region }}',
  inputs: { region: t.string() },
  projectId: 'my-project',
  location: 'EU',
});
const options = () =>
  ({
    apiEndpoint: server.endpoint,
    clientOptions: { retryOptions: { maxRetryDelay: 0.01, maxRetries: 3 } },
  }) satisfies BigQueryPluginOptions;

describeBackendConformance({
  name: 'BigQuery backend',
  backend: () => bigqueryBackend(options()),
  template: () => toTaskTemplate(orders, { version: 'v1' }),
  inputs: toLiteralMap(orders.inputs, { region: 'eu' }),
  submittedJobs: () => server.jobs().length,
  reattach: () => ({
    module: fileURLToPath(new URL('./backend/bigquery-backend.ts', import.meta.url)),
    export: 'bigqueryBackend',
    args: [options()],
  }),
});
