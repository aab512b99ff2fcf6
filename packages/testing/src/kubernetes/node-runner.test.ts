import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type V1Container, type V1Pod, Watch } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type KubeTestNode, type KubeTestServer, startKubeApiServer } from './index.ts';

function pod(name: string, containers: V1Container[], extra: Partial<V1Pod['spec']> = {}, meta: V1Pod['metadata'] = {}): V1Pod {
  return { metadata: { name, ...meta }, spec: { restartPolicy: 'Never', ...extra, containers } };
}

function sh(script: string, name = 'main'): V1Container {
  return { name, image: 'busybox:1.36', command: ['sh', '-c', script] };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('the process node', () => {
  let server: KubeTestServer;
  let core: CoreV1Api;
  let node: KubeTestNode;

  beforeEach(async () => {
    server = await startKubeApiServer();
    core = server.kubeConfig().makeApiClient(CoreV1Api);
    node = server.startNode({ runtime: 'process' });
  });
  afterEach(() => server.close());

  async function phaseOf(name: string, namespace = 'run'): Promise<string | undefined> {
    return (await core.readNamespacedPod({ namespace, name })).status?.phase;
  }

  it("runs `sh -c 'echo hi; exit 3'` to Failed with exit code 3, reason Error, and serves its log", async () => {
    await core.createNamespacedPod({ namespace: 'run', body: pod('fails', [sh('echo hi; exit 3')]) });
    await vi.waitFor(async () => expect(await phaseOf('fails')).toBe('Failed'));
    const read = await core.readNamespacedPod({ namespace: 'run', name: 'fails' });
    expect(read.spec?.nodeName).toBe('tflyte-node');
    const terminated = read.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(terminated?.finishedAt).toBeInstanceOf(Date);
    expect(read.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(await core.readNamespacedPodLog({ namespace: 'run', name: 'fails' })).toBe('hi\n');
  });

  it("streams a running container's log with follow=true until the container ends", async () => {
    await core.createNamespacedPod({ namespace: 'run', body: pod('chatty', [sh('echo one; sleep 0.2; echo two')]) });
    await vi.waitFor(async () => expect(await phaseOf('chatty')).toBe('Running'));
    expect(await core.readNamespacedPodLog({ namespace: 'run', name: 'chatty', follow: true })).toBe('one\ntwo\n');
  });

  it('runs a pod to Succeeded through Pending and Running, as a watch sees it', async () => {
    const phases: string[] = [];
    const controller = await new Watch(server.kubeConfig()).watch(
      '/api/v1/namespaces/run/pods',
      { resourceVersion: server.resourceVersion },
      (_type, obj: V1Pod) => {
        const phase = obj.status?.phase ?? '';
        if (phases[phases.length - 1] !== phase) phases.push(phase);
      },
      () => {},
    );
    await core.createNamespacedPod({ namespace: 'run', body: pod('ok', [sh('echo done')]) });
    await vi.waitFor(async () => expect(await phaseOf('ok')).toBe('Succeeded'));
    await vi.waitFor(() => expect(phases).toEqual(['Pending', 'Running', 'Succeeded']));
    controller.abort();

    const status = (await core.readNamespacedPod({ namespace: 'run', name: 'ok' })).status!;
    expect(status.startTime).toBeInstanceOf(Date);
    expect(status.podIP).toBe('127.0.0.1');
    expect(status.qosClass).toBe('BestEffort');
    expect(status.containerStatuses).toEqual([
      expect.objectContaining({
        name: 'main',
        ready: false,
        restartCount: 0,
        state: { terminated: expect.objectContaining({ exitCode: 0, reason: 'Completed' }) },
      }),
    ]);
    expect(status.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['PodReadyToStartContainers', 'False'],
      ['Initialized', 'True'],
      ['Ready', 'False'],
      ['ContainersReady', 'False'],
      ['PodScheduled', 'True'],
    ]);
    const events = await core.listNamespacedEvent({ namespace: 'run', fieldSelector: 'involvedObject.name=ok' });
    expect(events.items.map((e) => e.reason)).toEqual(expect.arrayContaining(['Scheduled', 'Started']));
  });

  it('gives containers their env (with $(VAR) expansion and downward-API fields), args and a working directory in a temp dir', async () => {
    const container: V1Container = {
      name: 'main',
      image: 'busybox',
      command: ['sh', '-c'],
      args: ['echo "$GREETING $(POD_NAME) $POD_NS" > out.txt; pwd >> out.txt; sleep 30'],
      workingDir: '/work',
      env: [
        { name: 'NAME', value: 'world' },
        { name: 'GREETING', value: 'hello $(NAME)' },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ],
    };
    await core.createNamespacedPod({ namespace: 'run', body: pod('env', [container]) });
    await vi.waitFor(() => expect(existsSync(join(node.podDir('run', 'env') ?? '/nonexistent', 'work', 'out.txt'))).toBe(true));
    const dir = node.podDir('run', 'env')!;
    await vi.waitFor(() => expect(readFileSync(join(dir, 'work', 'out.txt'), 'utf8')).toBe(`hello world env run\n${join(dir, 'work')}\n`));
  });

  it('deletes a running pod gracefully: deletionTimestamp first, processes killed, then the pod is gone', async () => {
    await core.createNamespacedPod({ namespace: 'run', body: pod('long', [{ name: 'main', image: 'busybox', command: ['sleep', '30'] }]) });
    await vi.waitFor(async () => expect(await phaseOf('long')).toBe('Running'));
    const containerID = (await core.readNamespacedPod({ namespace: 'run', name: 'long' })).status?.containerStatuses?.[0]?.containerID;
    const pid = Number(containerID?.replace('process://', ''));
    expect(isAlive(pid)).toBe(true);

    const deleting = await core.deleteNamespacedPod({ namespace: 'run', name: 'long' });
    expect(deleting.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    expect(deleting.metadata?.deletionGracePeriodSeconds).toBe(30);
    await vi.waitFor(async () => expect((await core.listNamespacedPod({ namespace: 'run' })).items).toEqual([]));
    expect(isAlive(pid)).toBe(false);
  });

  it('stops the containers of a pod held by a finalizer, records Failed, and keeps the pod until the finalizer goes', async () => {
    const body = pod(
      'held',
      [{ name: 'main', image: 'busybox', command: ['sleep', '30'] }],
      {},
      { finalizers: ['flyte.org/finalizer-k8s'] },
    );
    await core.createNamespacedPod({ namespace: 'run', body });
    await vi.waitFor(async () => expect(await phaseOf('held')).toBe('Running'));
    await core.deleteNamespacedPod({ namespace: 'run', name: 'held' });
    await vi.waitFor(async () => expect(await phaseOf('held')).toBe('Failed'));
    const stopped = await core.readNamespacedPod({ namespace: 'run', name: 'held' });
    expect(stopped.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 143, reason: 'Error' });
    expect(stopped.metadata?.deletionGracePeriodSeconds).toBe(0);
    await core.patchNamespacedPod({ namespace: 'run', name: 'held', body: { metadata: { finalizers: null } } }, merge);
    expect((await core.listNamespacedPod({ namespace: 'run' })).items).toEqual([]);
  });

  it('restarts a failed container under restartPolicy OnFailure, counting restarts', async () => {
    const script = 'if [ -f marker ]; then echo second; exit 0; fi; touch marker; echo first; exit 1';
    await core.createNamespacedPod({ namespace: 'run', body: pod('retry', [sh(script)], { restartPolicy: 'OnFailure' }) });
    await vi.waitFor(async () => expect(await phaseOf('retry')).toBe('Succeeded'));
    const status = (await core.readNamespacedPod({ namespace: 'run', name: 'retry' })).status!.containerStatuses![0]!;
    expect(status.restartCount).toBe(1);
    expect(status.lastState?.terminated?.exitCode).toBe(1);
    expect(await core.readNamespacedPodLog({ namespace: 'run', name: 'retry' })).toBe('second\n');
    expect(await core.readNamespacedPodLog({ namespace: 'run', name: 'retry', previous: true })).toBe('first\n');
  });

  it('runs init containers first and fails the pod when one fails', async () => {
    const ordered = pod('init-ok', [sh('cat init.txt')], { initContainers: [sh('echo from-init > init.txt', 'setup')] });
    await core.createNamespacedPod({ namespace: 'run', body: ordered });
    await vi.waitFor(async () => expect(await phaseOf('init-ok')).toBe('Succeeded'));
    expect(await core.readNamespacedPodLog({ namespace: 'run', name: 'init-ok', container: 'main' })).toBe('from-init\n');

    await core.createNamespacedPod({ namespace: 'run', body: pod('init-bad', [sh('true')], { initContainers: [sh('exit 2', 'setup')] }) });
    await vi.waitFor(async () => expect(await phaseOf('init-bad')).toBe('Failed'));
    const status = (await core.readNamespacedPod({ namespace: 'run', name: 'init-bad' })).status!;
    expect(status.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(2);
    expect(status.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');
  });

  it('reports a command that cannot start as StartError with exit code 128', async () => {
    await core.createNamespacedPod({
      namespace: 'run',
      body: pod('missing', [{ name: 'main', image: 'x', command: ['/no/such/binary'] }]),
    });
    await vi.waitFor(async () => expect(await phaseOf('missing')).toBe('Failed'));
    const terminated = (await core.readNamespacedPod({ namespace: 'run', name: 'missing' })).status?.containerStatuses?.[0]?.state
      ?.terminated;
    expect(terminated).toMatchObject({ exitCode: 128, reason: 'StartError' });
  });

  it('leaves a pod Pending with CreateContainerConfigError when a secret it needs does not exist', async () => {
    const container: V1Container = {
      ...sh('true'),
      env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }],
    };
    await core.createNamespacedPod({ namespace: 'run', body: pod('no-secret', [container]) });
    await vi.waitFor(async () => {
      const status = (await core.readNamespacedPod({ namespace: 'run', name: 'no-secret' })).status!;
      expect(status.phase).toBe('Pending');
      expect(status.containerStatuses?.[0]?.state?.waiting).toEqual({
        reason: 'CreateContainerConfigError',
        message: 'secret "creds" not found',
      });
    });
  });

  it('fails the pod with DeadlineExceeded once activeDeadlineSeconds pass', async () => {
    await core.createNamespacedPod({
      namespace: 'run',
      body: pod('slow', [{ name: 'main', image: 'busybox', command: ['sleep', '30'] }], { activeDeadlineSeconds: 1 }),
    });
    await vi.waitFor(async () => expect(await phaseOf('slow')).toBe('Failed'), { timeout: 10_000 });
    const status = (await core.readNamespacedPod({ namespace: 'run', name: 'slow' })).status!;
    expect(status).toMatchObject({ reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
  });

  it('leaves pods to a podFilter-excluded driver so tests can set their status by hand', async () => {
    await node.stop();
    server.startNode({ podFilter: (p) => p.metadata?.labels?.manual !== 'true' });
    await core.createNamespacedPod({ namespace: 'run', body: pod('manual', [sh('true')], {}, { labels: { manual: 'true' } }) });
    await core.createNamespacedPod({ namespace: 'run', body: pod('auto', [sh('true')]) });
    await vi.waitFor(async () => expect(await phaseOf('auto')).toBe('Succeeded'));
    expect(await phaseOf('manual')).toBe('Pending');
  });
});

describe('the process node with an imageMap', () => {
  it('runs the mapped command prefix for known images and fails unknown ones with ErrImagePull then ImagePullBackOff', async () => {
    const server = await startKubeApiServer({
      node: { imageMap: { 'tools:1': ['sh', '-c'] }, unknownImages: 'pull-error', restartBackoffMs: 10 },
    });
    try {
      const core = server.kubeConfig().makeApiClient(CoreV1Api);
      await core.createNamespacedPod({
        namespace: 'img',
        body: pod('mapped', [{ name: 'main', image: 'tools:1', args: ['echo mapped'] }]),
      });
      await core.createNamespacedPod({ namespace: 'img', body: pod('unknown', [{ name: 'main', image: 'nope:1', command: ['true'] }]) });
      await vi.waitFor(async () =>
        expect((await core.readNamespacedPod({ namespace: 'img', name: 'mapped' })).status?.phase).toBe('Succeeded'),
      );
      expect(await core.readNamespacedPodLog({ namespace: 'img', name: 'mapped' })).toBe('mapped\n');
      await vi.waitFor(async () => {
        const status = (await core.readNamespacedPod({ namespace: 'img', name: 'unknown' })).status!;
        expect(status.phase).toBe('Pending');
        expect(status.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ImagePullBackOff');
      });
    } finally {
      await server.close();
    }
  });
});
