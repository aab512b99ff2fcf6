// The backend conformance suite for the Snowflake backend, through snowflake-sdk against the test server.
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { t, toTaskTemplate } from '@tflyte/core';
import { describeBackendConformance } from '@tflyte/testing/conformance';
import { afterAll, beforeAll } from 'vitest';
import { snowflakeBackend, snowflakeTask } from '../index.ts';
import { type SnowflakeTestServer, startSnowflakeServer } from '../testing/index.ts';

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
let server: SnowflakeTestServer;
const backends: ReturnType<typeof snowflakeBackend>[] = [];
beforeAll(async () => {
  // The conformance query runs until it is cancelled.
  server = await startSnowflakeServer({
    users: { ada: { publicKey: keys.publicKey } },
    onQuery: (q) => (/conformance/.test(q.sqlText) ? { runningMs: Number.POSITIVE_INFINITY } : undefined),
  });
});
afterAll(async () => {
  await Promise.all(backends.map((b) => b.connections.close()));
  await server?.close();
});

const held = snowflakeTask({
  name: 'held',
  account: 'tflyte',
  user: 'ada',
  database: 'SALES',
  schema: 'PUBLIC',
  warehouse: 'WH',
  query: "SELECT 'conformance' AS s",
  outputs: { rows: t.list(t.struct()) },
});
const options = () => ({ accessUrl: server.endpoint, privateKey: keys.privateKey });

describeBackendConformance({
  name: 'snowflake',
  backend: () => {
    const backend = snowflakeBackend(options());
    backends.push(backend);
    return backend;
  },
  template: toTaskTemplate(held, { version: 'v1' }),
  submittedJobs: () => server.executions(/conformance/).length,
  // A fresh process logs in with a session of its own and follows the query by id.
  reattach: () => ({ module: fileURLToPath(new URL('../index.ts', import.meta.url)), export: 'snowflakeBackend', args: [options()] }),
});
