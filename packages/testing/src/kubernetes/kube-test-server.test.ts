import { CoreV1Api, type V1Pod, Watch } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import { startKubeApiServer } from './index.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleeper: V1Pod = {
  metadata: { name: 'sleeper' },
  spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['sleep', '30'] }] },
};

describe('startKubeApiServer', () => {
  it('close() kills running processes, ends watches and leaves no sockets, servers or child processes open', async () => {
    const handleTypes = new Set(['TCPServerWrap', 'TCPSocketWrap', 'ProcessWrap', 'PipeWrap']);
    const count = () => process.getActiveResourcesInfo().filter((t) => handleTypes.has(t)).length;
    const before = count();

    const server = await startKubeApiServer({ node: true });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const core = server.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: 'bye', body: sleeper });
    await vi.waitFor(async () =>
      expect((await core.readNamespacedPod({ namespace: 'bye', name: 'sleeper' })).status?.phase).toBe('Running'),
    );
    const containerID = (await core.readNamespacedPod({ namespace: 'bye', name: 'sleeper' })).status?.containerStatuses?.[0]?.containerID;
    const pid = Number(containerID?.replace('process://', ''));
    let watchEnded = false;
    await new Watch(server.kubeConfig()).watch(
      '/api/v1/pods',
      {},
      () => {},
      () => {
        watchEnded = true;
      },
    );
    await vi.waitFor(() => expect(server.openWatches).toBe(1));
    expect(count()).toBeGreaterThan(before);

    await server.close();
    expect(isAlive(pid)).toBe(false);
    await vi.waitFor(() => expect(watchEnded).toBe(true));
    await vi.waitFor(() => expect(count()).toBe(before));
  });

  it('setPodStatus drives any phase a kubelet could report, and watchers see it', async () => {
    const server = await startKubeApiServer();
    try {
      const core = server.kubeConfig().makeApiClient(CoreV1Api);
      await core.createNamespacedPod({ namespace: 'table', body: sleeper });
      const seen: string[] = [];
      const controller = await new Watch(server.kubeConfig()).watch(
        '/api/v1/namespaces/table/pods',
        { resourceVersion: server.resourceVersion },
        (type, obj: V1Pod) => {
          const status = obj.status;
          const waiting = status?.containerStatuses?.[0]?.state?.waiting?.reason;
          const terminated = status?.containerStatuses?.[0]?.state?.terminated?.reason;
          const unschedulable = status?.conditions?.find((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable');
          seen.push(`${type} ${status?.phase} ${waiting ?? terminated ?? unschedulable?.reason ?? status?.reason ?? ''}`.trim());
        },
        () => {},
      );

      server.setPodStatus('table', 'sleeper', {
        phase: 'Pending',
        conditions: [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' },
        ],
      });
      server.setPodStatus('table', 'sleeper', {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'main',
            ready: false,
            restartCount: 0,
            image: 'busybox',
            imageID: '',
            state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "busybox"' } },
          },
        ],
      });
      server.setPodStatus('table', 'sleeper', {
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'main',
            ready: false,
            restartCount: 0,
            image: 'busybox',
            imageID: '',
            state: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
          },
        ],
      });
      server.setPodStatus('table', 'sleeper', { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' });

      await vi.waitFor(() =>
        expect(seen).toEqual([
          'MODIFIED Pending Unschedulable',
          'MODIFIED Pending ImagePullBackOff',
          'MODIFIED Failed OOMKilled',
          'MODIFIED Failed Evicted',
        ]),
      );
      controller.abort();
      const read = await core.readNamespacedPod({ namespace: 'table', name: 'sleeper' });
      expect(read.status).toMatchObject({ phase: 'Failed', reason: 'Evicted' });
      expect(server.getObject({ resource: 'pods', namespace: 'table', name: 'sleeper' })?.metadata?.resourceVersion).toBe(
        read.metadata?.resourceVersion,
      );
      expect(() => server.setPodStatus('table', 'ghost', { phase: 'Running' })).toThrow(/pods "ghost" not found/);
    } finally {
      await server.close();
    }
  });
});
