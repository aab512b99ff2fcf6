// The backend conformance suite against the Hive backend and the test HiveServer2, on both
// transports. A held operation (runningMs: Infinity) is the long-running job the suite needs;
// jobs are counted where they run: the server's ExecuteStatement operations.
import { toTaskTemplate } from '@tflyte/core';
import { describeBackendConformance } from '@tflyte/testing/conformance';
import { afterAll, beforeAll } from 'vitest';
import type { HivePluginOptions } from '../hive-plugin.ts';
import { hiveTask } from '../hive-task.ts';
import { hiveBackendFor } from '../test-support/reattach-backend.ts';
import { type HiveServerOptions, type HiveTestServer, startHiveServer } from '../testing/index.ts';

const longQuery = hiveTask({ name: 'longQuery', query: 'SELECT 1 AS one' });
const REATTACH_MODULE = new URL('../test-support/reattach-backend.ts', import.meta.url).href;

function conformance(name: string, serverOptions: HiveServerOptions, credentials: Partial<HivePluginOptions>): void {
  let server: HiveTestServer;
  beforeAll(async () => {
    server = await startHiveServer({ ...serverOptions, runningMs: Number.POSITIVE_INFINITY });
  });
  afterAll(() => server?.close());
  const options = (): HivePluginOptions => ({ host: server.host, port: server.port, transport: server.transport, ...credentials });

  describeBackendConformance({
    name,
    backend: () => hiveBackendFor(options()),
    template: toTaskTemplate(longQuery, { version: 'v1' }),
    submittedJobs: () => server.operations().length,
    // The creating process is still alive, so its session is too, whichever the transport.
    reattach: () => ({ module: REATTACH_MODULE, export: 'hiveBackendFor', args: [options() as never] }),
  });
}

conformance('hive (binary transport, NOSASL)', {}, {});
conformance(
  'hive (HTTP transport, PLAIN)',
  { transport: 'http', users: { ana: 'pw' } },
  { auth: { mechanism: 'PLAIN', username: 'ana', password: 'pw' } },
);
