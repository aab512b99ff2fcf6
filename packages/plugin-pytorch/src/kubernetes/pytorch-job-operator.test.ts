// PyTorchJobs end to end on the test cluster: the kit's training-operator emulation admits the job
// (the server validates it against kubeflow's CRD), creates the master and worker pods with the
// operator's env contract, the test node runs them as real torch ranks (gloo on 127.0.0.1), and the
// operator rolls the pods' phases up into the job's conditions, which the backend follows.
// Needs /usr/bin/python3 with torch (tools/ci/install-pytorch.sh).
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createExecutor,
  createRegistry,
  type ExecutorEvent,
  fromLiteralMap,
  openStateStore,
  t,
  toLiteralMap,
  toTaskTemplate,
} from '@tflyte/core';
import {
  hostMountedImage,
  type KubeTestServer,
  startKubeApiServer,
  startTrainingOperator,
  type TrainingOperator,
} from '@tflyte/testing/kubernetes';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pytorchPlugin, pytorchTask } from '../index.ts';
import { haveTorch, PYTHON } from '../test-fixtures/torch.ts';

const REPO = resolve(import.meta.dirname, '../../../..');
const CRD = resolve(REPO, '../shared/schemas/kubeflow.org_pytorchjobs.yaml');
const RANKS = fileURLToPath(new URL('../test-fixtures/ranks.py', import.meta.url));
const IMAGE = 'ghcr.io/acme/torch:1';
const NS = 'training';
const JOB = (name: string) => ({ group: 'kubeflow.org', resource: 'pytorchjobs', namespace: NS, name });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function trainingCluster() {
  const server: KubeTestServer = await startKubeApiServer({ crds: [readFileSync(CRD, 'utf8')] });
  cleanups.push(() => server.close());
  const node = server.startNode({
    imageMap: { [IMAGE]: hostMountedImage(server, { namespace: NS, cwd: REPO, executables: { python3: PYTHON } }) },
  });
  cleanups.push(() => node.stop());
  const operator: TrainingOperator = await startTrainingOperator(server, { namespace: NS, env: { OMP_NUM_THREADS: '1' } });
  cleanups.push(() => operator.stop());
  const dir = await mkdtemp(join(tmpdir(), 'tflyte-pytorch-operator-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const store = openStateStore(dir);
  cleanups.push(() => store.close());
  const plugin = pytorchPlugin({ kubernetes: { kubeConfig: server.kubeConfig(), namespace: NS } });
  const executor = createExecutor({ registry: createRegistry({ plugins: [plugin] }), store, stateDir: dir, systemRetries: 0 });
  const events: ExecutorEvent[] = [];
  executor.on((event) => events.push(event));
  const jobPosts = () => server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pytorchjobs')).length;
  return { server, operator, executor, events, jobPosts };
}

describe.skipIf(!haveTorch || !existsSync(CRD))('PyTorchJobs run by the training-operator emulation with real torch ranks', () => {
  it('a master and two workers all-reduce as three ranks; rank 0 writes typed outputs; the job and its pods are deleted', {
    timeout: 180_000,
  }, async () => {
    const c = await trainingCluster();
    const task = pytorchTask({
      name: 'allreduce',
      image: IMAGE,
      command: ['python3', RANKS, 'allreduce', '/var/outputs'],
      outputs: { total: t.float(), world: t.int(), addr: t.string() },
      workers: { replicas: 2 },
    });
    const outputs = await c.executor.run(toTaskTemplate(task, { version: 'v1' }), toLiteralMap({}, {}));
    expect(fromLiteralMap(task.outputs.types, outputs)).toMatchObject({
      total: 6,
      world: 3,
      addr: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
    const name = c.operator.jobs[0]!;
    expect(c.operator.jobs).toHaveLength(1);
    expect(c.jobPosts()).toBe(1);
    expect(c.operator.pods).toEqual([`${name}-master-0`, `${name}-worker-0`, `${name}-worker-1`]);
    const phases = c.events.flatMap((e) => (e.type === 'status-changed' ? [e.phaseName] : []));
    expect(phases).toContain('RUNNING');
    expect(phases.at(-1)).toBe('SUCCEEDED');
    await vi.waitFor(() => expect(c.server.getObject(JOB(name))).toBeUndefined(), { timeout: 15_000 });
    await vi.waitFor(
      () =>
        expect(c.operator.pods.map((pod) => c.server.getObject({ resource: 'pods', namespace: NS, name: pod }))).toEqual([
          undefined,
          undefined,
          undefined,
        ]),
      { timeout: 15_000 },
    );
  });

  it("a failing worker fails the job: the operator's Failed condition is the attempt's retryable USER DownstreamSystemError", {
    timeout: 180_000,
  }, async () => {
    const c = await trainingCluster();
    const task = pytorchTask({ name: 'failing', image: IMAGE, command: ['python3', RANKS, 'fail', '1', '3'], workers: { replicas: 1 } });
    const error = await c.executor.run(toTaskTemplate(task, { version: 'v1' }), toLiteralMap({}, {})).catch((e: unknown) => e);
    expect(error).toMatchObject({
      failure: {
        kind: 'user',
        retryable: true,
        code: 'DownstreamSystemError',
        message: expect.stringMatching(/PyTorchJobFailed - PyTorchJob .* is failed because 1 Worker replica\(s\) failed/),
      },
    });
    expect(c.jobPosts()).toBe(1);
  });
});
