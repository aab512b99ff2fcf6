/**
 * Cluster PodTemplates as the base of task pods (a task's podTemplateName, the backend's
 * defaultPodTemplateName), read through the real client from the test API server.
 */
import type { V1Container, V1PodTemplate } from '@kubernetes/client-node';
import { testLiteralMap } from '@tflyte/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type PodCluster, startPodCluster } from '../test-fixtures/cluster.ts';
import { containerTemplate } from '../test-fixtures/templates.ts';

const succeeded = (main: string) => ({
  phase: 'Succeeded',
  containerStatuses: [
    {
      name: main,
      ready: false,
      restartCount: 0,
      image: 'busybox',
      imageID: '',
      state: { terminated: { exitCode: 0, reason: 'Completed' } },
    },
  ],
});

function podTemplate(
  name: string,
  spec: { containers: V1Container[]; [field: string]: unknown },
  labels: Record<string, string> = {},
): V1PodTemplate {
  return { metadata: { name }, template: { metadata: { labels, annotations: { 'from-template': name } }, spec } };
}

const GPU_TEMPLATE = podTemplate(
  'gpu-template',
  {
    containers: [
      {
        name: 'default',
        image: 'docker.io/rwgrim/docker-noop',
        env: [
          { name: 'FROM_DEFAULT', value: '1' },
          { name: 'SHARED', value: 'template' },
        ],
      },
      { name: 'primary', image: 'docker.io/rwgrim/docker-noop', securityContext: { runAsNonRoot: true } },
    ],
    nodeSelector: { pool: 'gpu' },
    tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
    priorityClassName: 'batch',
  },
  { team: 'ml', 'tflyte.io/task-name': 'overwritten' },
);

let cluster: PodCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** Runs the task until its pod exists, returns the pod as created, and lets the attempt succeed. */
async function podOf(c: PodCluster, template: ReturnType<typeof containerTemplate>, runId: string) {
  const run = c.executor.run(template, testLiteralMap({}), { runId });
  const name = `${runId}-n0-0`;
  let pod: Awaited<ReturnType<typeof c.core.readNamespacedPod>> | undefined;
  await vi.waitFor(async () => {
    pod = await c.core.readNamespacedPod({ namespace: c.namespace, name });
  });
  c.server.setPodStatus(c.namespace, name, succeeded(name));
  await run;
  return pod!;
}

describe('a task naming a cluster PodTemplate (podTemplateName)', () => {
  it('builds the pod on the template: `default` under every container, `primary` under the primary, the task on top', async () => {
    cluster = await startPodCluster();
    await cluster.core.createNamespacedPodTemplate({ namespace: cluster.namespace, body: GPU_TEMPLATE });
    const pod = await podOf(
      cluster,
      containerTemplate({ podTemplateName: 'gpu-template', env: { SHARED: 'task' }, labels: { team: 'data' } }),
      'named',
    );

    const main = pod.spec!.containers[0]!;
    expect(pod.spec!.containers).toHaveLength(1);
    expect(main.name).toBe('named-n0-0');
    expect(main.image).toBe('busybox');
    expect(main.env).toContainEqual({ name: 'FROM_DEFAULT', value: '1' });
    expect(main.env).toContainEqual({ name: 'SHARED', value: 'task' });
    expect(main.securityContext).toEqual({ runAsNonRoot: true });
    expect(pod.spec).toMatchObject({ nodeSelector: { pool: 'gpu' }, priorityClassName: 'batch', restartPolicy: 'Never' });
    expect(pod.spec!.tolerations).toContainEqual({ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' });
    // Template metadata is the base too; the task's labels and tflyte's own win.
    expect(pod.metadata?.labels).toMatchObject({ team: 'data', 'tflyte.io/task-name': 'test.task' });
    expect(pod.metadata?.annotations).toMatchObject({ 'from-template': 'gpu-template' });
  });

  it('fails permanently, as a user error naming the template and namespace, when the template does not exist; no pod is created', async () => {
    cluster = await startPodCluster();
    const run = cluster.executor.run(containerTemplate({ podTemplateName: 'nowhere', retries: 2 }), testLiteralMap({}), {
      runId: 'missing',
    });
    await expect(run).rejects.toMatchObject({
      failure: { kind: 'user', code: 'BadTaskSpecification' },
      attempts: 1,
      message: expect.stringContaining(`PodTemplate 'nowhere'`),
    });
    await expect(run).rejects.toMatchObject({ message: expect.stringContaining(`namespace '${cluster.namespace}'`) });
    expect(cluster.server.requestCounts.create ?? 0).toBe(0);
  });

  it('reads each template once for the backend’s lifetime, but looks again for one that was missing', async () => {
    cluster = await startPodCluster();
    const { core, namespace } = cluster;
    const templateReads = () => cluster!.server.requests.filter((r) => r.method === 'GET' && r.path.includes('/podtemplates/')).length;

    await expect(
      cluster.executor.run(containerTemplate({ podTemplateName: 'late' }), testLiteralMap({}), { runId: 'early' }),
    ).rejects.toMatchObject({ failure: { code: 'BadTaskSpecification' } });
    await core.createNamespacedPodTemplate({
      namespace,
      body: podTemplate('late', { containers: [{ name: 'default', image: 'noop', env: [{ name: 'LATE', value: 'yes' }] }] }),
    });

    const first = await podOf(cluster, containerTemplate({ podTemplateName: 'late' }), 'late1');
    const second = await podOf(cluster, containerTemplate({ podTemplateName: 'late' }), 'late2');
    expect(first.spec!.containers[0]!.env).toContainEqual({ name: 'LATE', value: 'yes' });
    expect(second.spec!.containers[0]!.env).toContainEqual({ name: 'LATE', value: 'yes' });
    expect(templateReads()).toBe(2);
  });
});

describe('defaultPodTemplateName', () => {
  it('is the base of tasks that name no template, and the task’s own podTemplateName wins over it', async () => {
    cluster = await startPodCluster({ pod: { defaultPodTemplateName: 'flyte-template' } });
    await cluster.core.createNamespacedPodTemplate({
      namespace: cluster.namespace,
      body: podTemplate('flyte-template', { containers: [{ name: 'default', image: 'noop' }], priorityClassName: 'default-class' }),
    });
    await cluster.core.createNamespacedPodTemplate({ namespace: cluster.namespace, body: GPU_TEMPLATE });
    expect((await podOf(cluster, containerTemplate(), 'plain')).spec?.priorityClassName).toBe('default-class');
    expect((await podOf(cluster, containerTemplate({ podTemplateName: 'gpu-template' }), 'gpu')).spec?.priorityClassName).toBe('batch');
  });

  it('falls back to the inline podTemplate option when the named default does not exist', async () => {
    cluster = await startPodCluster({
      pod: { defaultPodTemplateName: 'absent', podTemplate: { spec: { containers: [], priorityClassName: 'inline' } } },
    });
    expect((await podOf(cluster, containerTemplate(), 'inline')).spec?.priorityClassName).toBe('inline');
  });
});
