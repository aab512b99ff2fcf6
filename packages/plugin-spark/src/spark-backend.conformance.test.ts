// The backend conformance suite for both Spark backends: SparkApplications against the Kubernetes
// test API server with the real CRD and no operator (so each application stays live until it is
// deleted), and local spark-submit runs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toTaskTemplate } from '@tflyte/core';
import { describeBackendConformance } from '@tflyte/testing/conformance';
import { afterAll, beforeAll } from 'vitest';
import { sparkPlugin, sparkTask } from './index.ts';
import { type SparkCluster, startSparkCluster } from './test-support/cluster.ts';
import { sparkBackendFor } from './test-support/reattach-backend.ts';
import { longJob } from './test-support/tasks.ts';

let cluster: SparkCluster;
beforeAll(async () => {
  cluster = await startSparkCluster({ operator: false });
});
afterAll(() => cluster?.close());

const where = () => ({ url: cluster.server.url, token: cluster.server.token, namespace: cluster.namespace });

describeBackendConformance({
  name: 'SparkApplication backend',
  backend: () => sparkBackendFor(where()),
  template: () => toTaskTemplate(longJob),
  submittedJobs: () => cluster.applicationsCreated(),
  reattach: () => ({
    module: fileURLToPath(new URL('./test-support/reattach-backend.ts', import.meta.url)),
    export: 'sparkBackendFor',
    args: [where()],
  }),
});

// Local runs: a sync backend, with the recording stand-in for spark-submit.
const FAKE = fileURLToPath(new URL('./test-support/fake-spark-submit.mjs', import.meta.url));
let bin: string;
beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'tflyte-spark-conformance-'));
  await writeFile(join(bin, 'spark-submit'), `#!/bin/sh\nexec "${process.execPath}" "${FAKE}" "$@"\n`, { mode: 0o755 });
});
afterAll(() => rm(bin, { recursive: true, force: true }));

const quickJob = sparkTask({
  name: 'quickJob',
  application: { type: 'python', mainApplicationFile: 'local:///opt/app/no-outputs.py' },
  image: 'spark:3.5.0',
  version: 'v1',
});

describeBackendConformance({
  name: 'local spark-submit backend',
  backend: () => sparkPlugin({ mode: 'local', local: { sparkSubmit: join(bin, 'spark-submit'), threads: 1 } }).backend,
  template: () => toTaskTemplate(quickJob),
});
