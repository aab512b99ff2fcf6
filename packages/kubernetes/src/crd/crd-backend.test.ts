/**
 * A CRD backend composed only from the exported building blocks — rolePodSpec, podData,
 * podLogLinks, operatorJobPhase and kubernetesResourceBackend — run by the executor against the
 * test API server with the training operator's real PyTorchJob CRD registered (so the server
 * validates what the blocks build). The operator itself is played by the test, through job status.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Backend } from '@tflyte/core';
import { createFakeClock, testLiteralMap } from '@tflyte/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KubeClient } from '../kube/kube-client.ts';
import { rolePodSpec } from '../pod/build-pod.ts';
import { podLogLinks } from '../pod/log-links.ts';
import { podData } from '../pod/pod-data.ts';
import { kubernetesResourceBackend } from '../resource-backend.ts';
import { type PodCluster, startPodCluster } from '../test-fixtures/cluster.ts';
import { containerTemplate } from '../test-fixtures/templates.ts';
import { type OperatorJobView, operatorJobPhase } from './job-conditions.ts';

function schemasDir(): string | undefined {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return resolve(dir, '../shared/schemas');
  }
  return undefined;
}
const CRD = schemasDir() && join(schemasDir()!, 'kubeflow.org_pytorchjobs.yaml');
const haveCrd = CRD !== undefined && existsSync(CRD);

const PYTORCH_JOB = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', plural: 'pytorchjobs' };
const LINKS = [{ name: 'Logs', template: 'https://logs.example/{{ .namespace }}/{{ .podName }}' }];

/** What a PyTorch plugin's backend looks like when built from the blocks: a master and `workers` workers. */
function pytorchJobs(client: KubeClient, namespace: string, workers: number): Backend {
  const data = podData();
  return kubernetesResourceBackend<OperatorJobView>({
    name: 'test-pytorch',
    kind: PYTORCH_JOB,
    client,
    namespace,
    statusChecks: { maxFailures: 1, initialMs: 1000, maxMs: 1000 },
    async build(ctx, target) {
      const locations = data.locations(ctx, target);
      await data.upload(ctx, locations);
      const replica = (role: string, replicas: number, env: Record<string, string> = {}) => {
        const pod = rolePodSpec(ctx, { locations, role, primaryContainerName: 'pytorch', env, resources: { requests: { cpu: '2' } } });
        return { replicas, restartPolicy: 'Never', template: { metadata: pod.metadata, spec: pod.spec } };
      };
      return {
        spec: { pytorchReplicaSpecs: { Master: replica('master', 1), Worker: replica('worker', workers, { _F_WN: target.name }) } },
      };
    },
    phaseOf(job, ctx, now) {
      const name = job.metadata?.name ?? '';
      const pod = (podName: string, label: string) => podLogLinks(LINKS, { podName, namespace, label }, ctx);
      const logs = [
        pod(`${name}-master-0`, 'Master'),
        ...Array.from({ length: workers }, (_, i) => pod(`${name}-worker-${i}`, `Worker ${i}`)),
      ].flat();
      return operatorJobPhase(job, now, { logs });
    },
    finalize: (status, job, ctx) =>
      data.collect(status, ctx, data.locations(ctx, { namespace: job.metadata?.namespace ?? '', name: job.metadata?.name ?? '' })),
  });
}

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString().replace('.000', '');

let cluster: PodCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe.skipIf(!haveCrd)('a PyTorchJob backend built from the building blocks', () => {
  const start = (options: Parameters<typeof startPodCluster>[0] = {}) =>
    startPodCluster({
      server: { crds: [readFileSync(CRD!, 'utf8')] },
      backends: (client, namespace) => ({ pytorch: pytorchJobs(client, namespace, 2) }),
      ...options,
    });
  const job = (c: PodCluster, name: string) => ({ group: 'kubeflow.org', resource: 'pytorchjobs', namespace: c.namespace, name });

  it('creates a job the operator schema accepts, follows its newest True condition with links to every pod by name, and deletes it afterwards', async () => {
    cluster = await start();
    const c = cluster;
    const run = c.executor.run(containerTemplate({ type: 'pytorch', limits: { cpu: '4' } }), testLiteralMap({}), { runId: 'train' });
    const name = await c.createdPod();
    const created = c.server.getObject(job(c, name)) as {
      spec: {
        pytorchReplicaSpecs: Record<
          string,
          {
            replicas: number;
            template: {
              metadata: { labels: Record<string, string> };
              spec: { containers: { name: string; env: { name: string; value: string }[]; resources: unknown }[] };
            };
          }
        >;
      };
    };
    const { Master, Worker } = created.spec.pytorchReplicaSpecs;
    expect(Master!.template.metadata.labels).toMatchObject({ 'tflyte.io/role': 'master', 'tflyte.io/attempt': '0' });
    expect(Worker!.replicas).toBe(2);
    const [worker] = Worker!.template.spec.containers;
    expect(worker!.name).toBe('pytorch');
    expect(worker!.env).toEqual(
      expect.arrayContaining([
        { name: '_F_WN', value: name },
        { name: 'FLYTE_ATTEMPT_NUMBER', value: '0' },
      ]),
    );
    // The role's request replaces the task's; its limit is completed from the request.
    expect(worker!.resources).toEqual({ requests: { cpu: '2', memory: '1024Mi' }, limits: { cpu: '2', memory: '1024Mi' } });

    c.server.setStatus(job(c, name), {
      startTime: at(1),
      conditions: [
        { type: 'Created', status: 'True', reason: 'PyTorchJobCreated', lastTransitionTime: at(0) },
        { type: 'Running', status: 'True', reason: 'PyTorchJobRunning', lastTransitionTime: at(1) },
      ],
    });
    const running = await c.waitForEvent((e) => e.type === 'status-changed' && e.phaseName === 'RUNNING');
    expect(running.type === 'status-changed' && running.logs.map((l) => l.name)).toEqual([
      'Logs (Master)',
      'Logs (Worker 0)',
      'Logs (Worker 1)',
    ]);
    expect(running.type === 'status-changed' && running.logs[2]!.uri).toBe(`https://logs.example/${c.namespace}/${name}-worker-1`);

    c.server.setStatus(job(c, name), {
      startTime: at(1),
      conditions: [
        { type: 'Created', status: 'True', lastTransitionTime: at(0) },
        { type: 'Running', status: 'False', lastTransitionTime: at(9) },
        { type: 'Succeeded', status: 'True', reason: 'PyTorchJobSucceeded', lastTransitionTime: at(9) },
      ],
    });
    await expect(run).resolves.toBeDefined();
    await vi.waitFor(() => expect(c.server.getObject(job(c, name))).toBeUndefined());
  });

  it("fails the attempt as the operator's retryable USER DownstreamSystemError when the job's newest True condition is Failed", async () => {
    cluster = await start();
    const c = cluster;
    const run = c.executor.run(containerTemplate({ type: 'pytorch' }), testLiteralMap({}), { runId: 'oom' });
    const name = await c.createdPod();
    c.server.setStatus(job(c, name), {
      startTime: at(1),
      conditions: [
        { type: 'Running', status: 'False', lastTransitionTime: at(5) },
        { type: 'Failed', status: 'True', reason: 'PyTorchJobFailed', message: 'worker-1 exited with code 137', lastTransitionTime: at(5) },
      ],
    });
    await expect(run).rejects.toMatchObject({
      failure: {
        kind: 'user',
        retryable: true,
        code: 'DownstreamSystemError',
        message: 'Job failed: PyTorchJobFailed - worker-1 exited with code 137',
      },
    });
  });

  it("treats an operator that never starts the job as unreadable status: past the start timeout on the executor's clock the attempt fails as StatusCheckFailed", async () => {
    const clock = createFakeClock({ now: Date.now() });
    cluster = await start({ executor: { clock } });
    const c = cluster;
    const run = c.executor.run(containerTemplate({ type: 'pytorch' }), testLiteralMap({}), { runId: 'nooperator' });
    const outcome = run.then(
      () => undefined,
      (error: unknown) => error,
    );
    await c.createdPod();
    await c.waitForEvent((e) => e.type === 'status-changed' && e.phaseName === 'QUEUED');
    let error: unknown;
    await vi.waitFor(
      async () => {
        await clock.advance(30_000);
        error = await Promise.race([outcome, new Promise((r) => setTimeout(r, 5, 'pending'))]);
        expect(error).not.toBe('pending');
      },
      { timeout: 10_000, interval: 10 },
    );
    expect(error).toMatchObject({
      failure: { kind: 'system', retryable: true, code: 'StatusCheckFailed', message: expect.stringMatching(/has not started PyTorchJob/) },
    });
    expect(c.events.some((e) => e.type === 'status-check-failed')).toBe(true);
  });
});
