// PyTorchJobs against the Kubernetes test API server with the real kubeflow CRD: manifests validate
// strictly, and a task runs end to end through the executor while the test plays the operator.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CustomObjectsApi } from '@kubernetes/client-node';
import {
  type AttemptContext,
  CancelledError,
  createExecutor,
  createRegistry,
  type ExecutorEvent,
  fromLiteralMap,
  openStateStore,
  systemClock,
  t,
  toLiteralMap,
  toTaskTemplate,
} from '@tflyte/core';
import { createFakeClock, createTestExecutor } from '@tflyte/testing';
import { type KubeTestServer, startKubeApiServer } from '@tflyte/testing/kubernetes';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type PyTorchJobView, pytorchJobBackend, pytorchPlugin, pytorchTask } from '../index.ts';

function schemasDir(): string | undefined {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return resolve(dir, '../shared/schemas');
  }
  return undefined;
}
const CRD = schemasDir() && join(schemasDir()!, 'kubeflow.org_pytorchjobs.yaml');
const haveCrd = CRD !== undefined && existsSync(CRD);
if (!haveCrd) console.warn('skipping the PyTorchJob tests: kubeflow.org_pytorchjobs.yaml not found');

const NS = 'training';
const JOBS = { group: 'kubeflow.org', version: 'v1', plural: 'pytorchjobs' };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(): Promise<KubeTestServer> {
  const s = await startKubeApiServer({ crds: [readFileSync(CRD!, 'utf8')] });
  cleanups.push(() => s.close());
  return s;
}

async function attemptDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tflyte-pytorch-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function attempt(task: Parameters<typeof toTaskTemplate>[0], dir: string, interruptible = false): AttemptContext {
  const prefix = pathToFileURL(dir).href;
  return {
    template: toTaskTemplate(task, { version: 'v1' }),
    inputs: toLiteralMap({}, {}),
    generatedName: 'run1-n0-0',
    idempotencyToken: 'run1-n0-0',
    attempt: 0,
    inputsUri: `${prefix}/inputs.pb`,
    outputPrefix: prefix,
    rawOutputPrefix: `${prefix}/raw`,
    interruptible,
    signal: new AbortController().signal,
    clock: systemClock,
  };
}

const image = 'ghcr.io/acme/torch:2';
const command = ['python3', '/app/train.py'];
const variants = {
  'master and workers with replica overrides and a run policy': pytorchTask({
    name: 'full',
    image,
    command,
    requests: { cpu: 1, mem: '1Gi', gpu: 1 },
    limits: { cpu: 2, mem: '2Gi', gpu: 1 },
    accelerator: { device: 'nvidia-tesla-t4' },
    sharedMemory: true,
    outputs: { loss: t.float() },
    master: { restartPolicy: 'OnFailure' },
    workers: { replicas: 2, image: 'ghcr.io/acme/worker:2', resources: { requests: { cpu: 4, mem: '8Gi' } }, restartPolicy: 'Always' },
    runPolicy: { cleanPodPolicy: 'Running', ttlSecondsAfterFinished: 60, activeDeadlineSeconds: 3600, backoffLimit: 3 },
  }),
  'no workers': pytorchTask({ name: 'solo', image, command, workers: { replicas: 0 } }),
  elastic: pytorchTask({ name: 'elastic', image, command, elastic: { minReplicas: 1, maxReplicas: 3, maxRestarts: 2 } }),
};

/** The job the backend would create for the task's attempt, as `tflyte render` prints it. */
async function manifest(
  s: KubeTestServer,
  task: Parameters<typeof toTaskTemplate>[0],
  options: { distributedErrorAggregation?: boolean } = {},
): Promise<PyTorchJobView> {
  const backend = pytorchJobBackend({ kubeConfig: s.kubeConfig(), namespace: NS, ...options });
  return (await backend.render(attempt(task, await attemptDir()))) as PyTorchJobView;
}

describe.skipIf(!haveCrd)('PyTorchJob manifests', () => {
  it.each(Object.entries(variants))('%s: valid against the CRD with strict field validation', async (_label, task) => {
    const s = await server();
    const job = await manifest(s, task);
    expect(job.metadata).toMatchObject({ name: 'run1-n0-0', namespace: NS, labels: { 'app.kubernetes.io/managed-by': 'tflyte' } });
    const custom = s.kubeConfig().makeApiClient(CustomObjectsApi);
    const created = (await custom.createNamespacedCustomObject({
      ...JOBS,
      namespace: NS,
      body: job,
      fieldValidation: 'Strict',
    })) as PyTorchJobView;
    // The server adds defaults (runPolicy.suspend); everything written is kept, nothing pruned.
    expect(created.spec).toMatchObject(job.spec!);
  });

  it("is built as Flyte's kfoperators plugin builds it", async () => {
    const job = await manifest(await server(), variants['master and workers with replica overrides and a run policy']);
    const { Master, Worker } = job.spec!.pytorchReplicaSpecs!;
    expect(Master).toMatchObject({ replicas: 1, restartPolicy: 'OnFailure' });
    expect(Worker).toMatchObject({ replicas: 2, restartPolicy: 'Always' });
    const master = Master!.template.spec.containers[0]!;
    const worker = Worker!.template.spec.containers[0]!;
    expect([master.name, worker.name]).toEqual(['pytorch', 'pytorch']);
    expect(master.image).toBe(image);
    expect(worker.image).toBe('ghcr.io/acme/worker:2');
    expect(master.resources).toMatchObject({ limits: { cpu: '2', memory: '2Gi', 'nvidia.com/gpu': '1' } });
    expect(worker.resources).toEqual({ requests: { cpu: '4', memory: '8Gi' }, limits: { cpu: '4', memory: '8Gi' } });
    // GPU placement and shared memory on every replica
    for (const spec of [Master!.template.spec, Worker!.template.spec]) {
      expect(JSON.stringify(spec.affinity)).toContain('nvidia-tesla-t4');
      expect(JSON.stringify(spec.volumes)).toContain('Memory');
    }
    expect(job.spec!.runPolicy).toEqual({
      cleanPodPolicy: 'Running',
      ttlSecondsAfterFinished: 60,
      activeDeadlineSeconds: 3600,
      backoffLimit: 3,
    });
  });

  it("gives every replica its pod's name as _F_WN, and _F_DES=Earliest with distributed error aggregation", async () => {
    const s = await server();
    const envOf = (job: PyTorchJobView) =>
      Object.values(job.spec!.pytorchReplicaSpecs!).map((r) =>
        (r!.template.spec.containers[0]!.env ?? []).filter((e) => e.name.startsWith('_F_')),
      );
    const workerName = { name: '_F_WN', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };
    expect(envOf(await manifest(s, variants['no workers']))).toEqual([[workerName]]);
    expect(
      envOf(
        await manifest(s, variants['master and workers with replica overrides and a run policy'], { distributedErrorAggregation: true }),
      ),
    ).toEqual([
      [workerName, { name: '_F_DES', value: 'Earliest' }],
      [workerName, { name: '_F_DES', value: 'Earliest' }],
    ]);
  });

  it('an elastic job has no master and an elasticPolicy', async () => {
    const job = await manifest(await server(), variants.elastic);
    expect(job.spec!.pytorchReplicaSpecs!.Master).toBeUndefined();
    expect(job.spec!.pytorchReplicaSpecs!.Worker!.replicas).toBe(3);
    expect(job.spec!.elasticPolicy).toEqual({ minReplicas: 1, maxReplicas: 3, rdzvBackend: 'c10d', nProcPerNode: 1, maxRestarts: 2 });
  });
});

describe.skipIf(!haveCrd)('a PyTorch task through the executor on the test cluster', () => {
  const task = pytorchTask({
    name: 'train',
    image,
    command,
    args: ['--lr', '{{.inputs.lr}}'],
    inputs: { lr: t.float() },
    outputs: { loss: t.float() },
    workers: { replicas: 2 },
  });

  async function cluster() {
    const s = await server();
    const plugin = pytorchPlugin({
      kubernetes: {
        kubeConfig: s.kubeConfig(),
        namespace: NS,
        logLinks: [{ name: 'Logs', template: 'https://logs/{{ .namespace }}/{{ .podName }}' }],
      },
    });
    // The real clock: the job's creation time is the server's, and the operator timeout must not fire
    // while the test plays the operator (the fake-clock test below lets it fire).
    const dir = await attemptDir();
    const store = openStateStore(dir);
    cleanups.push(() => store.close());
    const executor = createExecutor({ registry: createRegistry({ plugins: [plugin] }), store, stateDir: dir, systemRetries: 0 });
    const events: ExecutorEvent[] = [];
    executor.on((event) => events.push(event));
    const test = {
      executor,
      events,
      eventTypes: () => events.map((e) => (e.type === 'status-changed' ? `${e.type}:${e.phaseName}` : e.type)),
    };
    const created = async (): Promise<PyTorchJobView> => {
      let job: PyTorchJobView | undefined;
      await vi.waitFor(
        () => {
          const name = test.events.find((e) => e.type === 'attempt-created')?.generatedName;
          job =
            name === undefined
              ? undefined
              : (s.getObject({ group: 'kubeflow.org', resource: 'pytorchjobs', namespace: NS, name }) as PyTorchJobView | undefined);
          expect(job).toBeDefined();
        },
        { timeout: 15_000, interval: 20 },
      );
      return job!;
    };
    return { s, test, created };
  }

  it('runs with the operator conditions driven, reads rank 0 outputs, and deletes the job', async () => {
    const { s, test, created } = await cluster();
    const run = test.executor.run(toTaskTemplate(task, { version: 'v1' }), toLiteralMap(task.inputs, { lr: 0.5 }));
    const job = await created();
    const name = job.metadata!.name!;
    const ref = { group: 'kubeflow.org', resource: 'pytorchjobs', namespace: NS, name };
    const master = job.spec!.pytorchReplicaSpecs!.Master!.template.spec;
    expect((master.containers[0] as { args?: string[] }).args).toEqual(['--lr', '0.5']);

    const now = () => new Date().toISOString();
    s.setStatus(ref, { startTime: now(), conditions: [{ type: 'Created', status: 'True', lastTransitionTime: now() }] });
    s.setStatus(ref, {
      startTime: now(),
      conditions: [
        { type: 'Created', status: 'True', lastTransitionTime: '2020-01-01T00:00:00Z' },
        { type: 'Running', status: 'True', lastTransitionTime: now() },
      ],
    });
    await vi.waitFor(() => expect(test.eventTypes()).toContain('status-changed:RUNNING'), { timeout: 15_000 });
    const runningLogs = test.events.find((e) => e.type === 'status-changed' && e.phaseName === 'RUNNING') as {
      logs?: { name: string; uri: string }[];
    };
    expect(runningLogs.logs).toEqual([
      { name: 'Logs (master-0)', uri: `https://logs/${NS}/${name}-master-0` },
      { name: 'Logs (worker-0)', uri: `https://logs/${NS}/${name}-worker-0` },
      { name: 'Logs (worker-1)', uri: `https://logs/${NS}/${name}-worker-1` },
    ]);

    // Rank 0 writes its output where the master's outputs volume is mounted from.
    const volume = (master.volumes as { name: string; hostPath?: { path: string } }[]).find((v) => v.name === 'tflyte-outputs');
    await writeFile(join(volume!.hostPath!.path, 'loss'), '0.125\n');
    s.setStatus(ref, {
      startTime: now(),
      conditions: [
        { type: 'Running', status: 'False', lastTransitionTime: now() },
        { type: 'Succeeded', status: 'True', lastTransitionTime: new Date(Date.now() + 1000).toISOString() },
      ],
    });
    const outputs = await run;
    expect(fromLiteralMap(task.outputs.types, outputs)).toEqual({ loss: 0.125 });
    expect(s.requests.filter((r) => r.method === 'POST' && r.path.includes('pytorchjobs'))).toHaveLength(1);
    await vi.waitFor(() => expect(s.getObject(ref)).toBeUndefined(), { timeout: 15_000 });
  });

  it('a Failed condition fails the attempt as a retryable USER error', async () => {
    const { s, test, created } = await cluster();
    const run = test.executor.run(toTaskTemplate(task, { version: 'v1' }), toLiteralMap(task.inputs, { lr: 0.1 })).catch((e: unknown) => e);
    const job = await created();
    s.setStatus(
      { group: 'kubeflow.org', resource: 'pytorchjobs', namespace: NS, name: job.metadata!.name! },
      {
        startTime: new Date().toISOString(),
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'PyTorchJobFailed',
            message: 'worker-1 exited with code 1',
            lastTransitionTime: new Date().toISOString(),
          },
        ],
      },
    );
    expect(await run).toMatchObject({
      failure: { kind: 'user', code: 'DownstreamSystemError', message: 'Job failed: PyTorchJobFailed - worker-1 exited with code 1' },
    });
  });

  it('cancelling the run deletes the job', async () => {
    const { s, test, created } = await cluster();
    const controller = new AbortController();
    const run = test.executor
      .run(toTaskTemplate(task, { version: 'v1' }), toLiteralMap(task.inputs, { lr: 0.1 }), { signal: controller.signal })
      .catch((e: unknown) => e);
    const job = await created();
    controller.abort();
    expect(await run).toBeInstanceOf(CancelledError);
    await vi.waitFor(
      () =>
        expect(s.getObject({ group: 'kubeflow.org', resource: 'pytorchjobs', namespace: NS, name: job.metadata!.name! })).toBeUndefined(),
      { timeout: 15_000 },
    );
  });

  it('a job the operator never starts: its status is unreadable past the operator timeout, read again under the status-check bound, then StatusCheckFailed (on the fake clock)', async () => {
    const s = await server();
    const plugin = pytorchPlugin({ kubernetes: { kubeConfig: s.kubeConfig(), namespace: NS } });
    const test = await createTestExecutor({
      registry: createRegistry({ plugins: [plugin] }),
      systemRetries: 0,
      clock: createFakeClock({ now: Date.now(), autoAdvance: true }),
    });
    cleanups.push(() => test.close());
    const error = await test.executor
      .run(toTaskTemplate(task, { version: 'v1' }), toLiteralMap(task.inputs, { lr: 0.1 }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      failure: { kind: 'system', retryable: true, code: 'StatusCheckFailed', message: expect.stringMatching(/has not started PyTorchJob/) },
    });
    expect(s.requests.filter((r) => r.method === 'POST' && r.path.includes('pytorchjobs'))).toHaveLength(1);
  });
});
