// The backend conformance suite for both PyTorch backends: PyTorchJobs against the Kubernetes test
// API server with kubeflow's CRD and no operator (so each job stays live until it is deleted), and
// real local ranks (gloo on 127.0.0.1, skipped without Debian's torch).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { toTaskTemplate } from '@tflyte/core';
import { describeBackendConformance } from '@tflyte/testing/conformance';
import { type KubeTestServer, startKubeApiServer } from '@tflyte/testing/kubernetes';
import { afterAll, beforeAll } from 'vitest';
import { pytorchPlugin, pytorchTask } from './index.ts';
import { pytorchJobBackendFor } from './test-fixtures/reattach-backend.ts';
import { haveTorch, PYTHON } from './test-fixtures/torch.ts';

const CRD = resolve(import.meta.dirname, '../../../../shared/schemas/kubeflow.org_pytorchjobs.yaml');
const RANKS = fileURLToPath(new URL('./test-fixtures/ranks.py', import.meta.url));
const NAMESPACE = 'training';

let server: KubeTestServer;
beforeAll(async () => {
  server = await startKubeApiServer({ crds: [readFileSync(CRD, 'utf8')] });
});
afterAll(() => server?.close());

const where = () => ({ url: server.url, token: server.token, namespace: NAMESPACE });
const seen = new Set<string>();
/** PyTorchJobs that have existed, by uid, as far as this and earlier calls saw them (a create that met AlreadyExists adds none). */
async function jobsCreated(): Promise<number> {
  const custom = server.kubeConfig().makeApiClient(CustomObjectsApi);
  const list = (await custom.listNamespacedCustomObject({
    group: 'kubeflow.org',
    version: 'v1',
    plural: 'pytorchjobs',
    namespace: NAMESPACE,
  })) as { items: { metadata: { uid: string } }[] };
  for (const job of list.items) seen.add(job.metadata.uid);
  return seen.size;
}

const training = pytorchTask({
  name: 'training',
  image: 'ghcr.io/acme/torch:1',
  command: ['python3', '/app/train.py'],
  workers: { replicas: 2 },
  version: 'v1',
});

describeBackendConformance({
  name: 'PyTorchJob backend',
  backend: () => pytorchJobBackendFor(where()),
  template: () => toTaskTemplate(training),
  submittedJobs: jobsCreated,
  reattach: () => ({
    module: fileURLToPath(new URL('./test-fixtures/reattach-backend.ts', import.meta.url)),
    export: 'pytorchJobBackendFor',
    args: [where()],
  }),
});

const quick = pytorchTask({
  name: 'quick',
  image: 'ghcr.io/acme/torch:1',
  command: ['python3', RANKS, 'allreduce', '/var/outputs'],
  workers: { replicas: 1 },
  version: 'v1',
});

describeBackendConformance({
  name: 'local ranks backend',
  backend: () => pytorchPlugin({ local: { executables: { python3: PYTHON }, env: { OMP_NUM_THREADS: '1' } } }).backend,
  template: () => toTaskTemplate(quick),
  skip: haveTorch ? false : `${PYTHON} cannot import torch`,
  timeoutMs: 120_000,
});
