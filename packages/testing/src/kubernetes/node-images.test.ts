/**
 * How the test node stands in for images: an ImageConfig (entrypoint, working directory, env) in
 * process mode, and an injected container launcher for everything the image map does not name.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ContainerLaunch, type ContainerLauncher, type KubeTestServer, startKubeApiServer } from './index.ts';

let server: KubeTestServer | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await server?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
  server = undefined;
  scratch = undefined;
});

const phase = async (core: CoreV1Api, name: string) => (await core.readNamespacedPod({ namespace: 'img', name })).status?.phase;

describe('an ImageConfig in the image map', () => {
  it('runs the entrypoint when the container sets no command, in the image’s working directory, with its env', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-image-'));
    server = await startKubeApiServer({
      node: { imageMap: { 'app:1': { entrypoint: ['sh', '-c'], workingDir: scratch, env: { GREETING: 'hi', MODE: 'image' } } } },
    });
    const core = server.kubeConfig().makeApiClient(CoreV1Api);
    const body: V1Pod = {
      metadata: { name: 'entry' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          { name: 'main', image: 'app:1', args: ['echo "$GREETING $MODE $(pwd)" > out.txt'], env: [{ name: 'MODE', value: 'pod' }] },
        ],
      },
    };
    await core.createNamespacedPod({ namespace: 'img', body });
    await vi.waitFor(async () => expect(await phase(core, 'entry')).toBe('Succeeded'));
    expect(await readFile(join(scratch, 'out.txt'), 'utf8')).toBe(`hi pod ${scratch}\n`);
  });
});

describe('container mode (an injected launcher)', () => {
  /** A launcher that records what it is asked to run and exits as the container's EXIT env says. */
  function recordingLauncher() {
    const launches: ContainerLaunch[] = [];
    const terminated: string[] = [];
    const launcher: ContainerLauncher = {
      launch(container, onOutput) {
        launches.push(container);
        onOutput(`running ${container.image}\n`);
        let finish: (code: number) => void = () => {};
        const exited = new Promise<{ exitCode: number }>((resolve) => (finish = (exitCode) => resolve({ exitCode })));
        const exit = container.env.EXIT;
        if (exit !== undefined) setImmediate(() => finish(Number(exit)));
        return {
          id: `fake://${container.podName}-${container.containerName}`,
          exited,
          terminate: () => {
            terminated.push(container.containerName);
            finish(143);
          },
          kill: () => finish(137),
        };
      },
    };
    return { launcher, launches, terminated };
  }

  it('hands unmapped images to the launcher with the pod env only and its volumes as host directories', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-launch-'));
    const { launcher, launches } = recordingLauncher();
    server = await startKubeApiServer({ node: { containerLauncher: launcher } });
    const core = server.kubeConfig().makeApiClient(CoreV1Api);
    const body: V1Pod = {
      metadata: { name: 'two' },
      spec: {
        restartPolicy: 'Never',
        volumes: [
          { name: 'shared', emptyDir: {} },
          { name: 'host', hostPath: { path: join(scratch, 'made'), type: 'DirectoryOrCreate' } },
        ],
        containers: [
          {
            name: 'a',
            image: 'tool:1',
            command: ['run'],
            args: ['$(WHO)'],
            workingDir: '/w',
            env: [
              { name: 'WHO', value: 'me' },
              { name: 'EXIT', value: '0' },
            ],
            volumeMounts: [
              { name: 'shared', mountPath: '/data' },
              { name: 'host', mountPath: '/host', readOnly: true },
            ],
          },
          { name: 'b', image: 'tool:1', env: [{ name: 'EXIT', value: '0' }], volumeMounts: [{ name: 'shared', mountPath: '/other' }] },
        ],
      },
    };
    await core.createNamespacedPod({ namespace: 'img', body });
    await vi.waitFor(async () => expect(await phase(core, 'two')).toBe('Succeeded'));
    const [a, b] = [launches.find((l) => l.containerName === 'a')!, launches.find((l) => l.containerName === 'b')!];
    expect(a).toMatchObject({ namespace: 'img', podName: 'two', image: 'tool:1', command: ['run'], args: ['me'], workingDir: '/w' });
    expect(a.env).toEqual({
      HOSTNAME: 'two',
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: expect.any(String),
      WHO: 'me',
      EXIT: '0',
    });
    expect(b.command).toBeUndefined();
    expect(a.mounts[1]).toEqual({ hostPath: join(scratch, 'made'), containerPath: '/host', readOnly: true });
    expect(existsSync(join(scratch, 'made'))).toBe(true);
    // One emptyDir, one host directory, whichever container mounts it.
    expect(a.mounts[0]!.hostPath).toBe(b.mounts[0]!.hostPath);
    const status = (await core.readNamespacedPod({ namespace: 'img', name: 'two' })).status!;
    expect(status.containerStatuses?.find((c) => c.name === 'a')).toMatchObject({
      containerID: 'fake://two-a',
      state: { terminated: { exitCode: 0, reason: 'Completed' } },
    });
    expect(await core.readNamespacedPodLog({ namespace: 'img', name: 'two', container: 'a' })).toBe('running tool:1\n');
  });

  it('stops launched containers when their pod is deleted, and refuses volumes it cannot mount', async () => {
    const { launcher, terminated } = recordingLauncher();
    server = await startKubeApiServer({ node: { containerLauncher: launcher } });
    const core = server.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedPod({
      namespace: 'img',
      body: { metadata: { name: 'long' }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'tool:1' }] } },
    });
    await vi.waitFor(async () => expect(await phase(core, 'long')).toBe('Running'));
    await core.deleteNamespacedPod({ namespace: 'img', name: 'long' });
    await vi.waitFor(async () => expect((await core.listNamespacedPod({ namespace: 'img' })).items).toEqual([]));
    expect(terminated).toEqual(['main']);

    const secretPod: V1Pod = {
      metadata: { name: 'secret' },
      spec: {
        restartPolicy: 'Never',
        volumes: [{ name: 's', secret: { secretName: 'creds' } }],
        containers: [{ name: 'main', image: 'tool:1', volumeMounts: [{ name: 's', mountPath: '/s' }] }],
      },
    };
    await core.createNamespacedPod({ namespace: 'img', body: secretPod });
    await vi.waitFor(async () => {
      const waiting = (await core.readNamespacedPod({ namespace: 'img', name: 'secret' })).status?.containerStatuses?.[0]?.state?.waiting;
      expect(waiting).toMatchObject({ reason: 'CreateContainerConfigError', message: expect.stringMatching(/volume "s"/) });
    });
  });
});

describe('request counts', () => {
  it('counts every request by Kubernetes verb', async () => {
    server = await startKubeApiServer();
    const core = server.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedPod({
      namespace: 'img',
      body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'main', image: 'busybox' }] } },
    });
    await core.readNamespacedPod({ namespace: 'img', name: 'p' });
    await core.listNamespacedPod({ namespace: 'img' });
    await core.deleteNamespacedPod({ namespace: 'img', name: 'p' });
    expect(server.requestCounts).toEqual({ create: 1, get: 1, list: 1, delete: 1 });
  });
});
