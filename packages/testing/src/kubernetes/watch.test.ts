import { CoreV1Api, CustomObjectsApi, ListWatch, PatchStrategy, setHeaderOptions, type V1Pod, Watch } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type KubeTestServer, startKubeApiServer } from './index.ts';

interface Seen {
  type: string;
  name: string | undefined;
  resourceVersion: string | undefined;
  object: Record<string, unknown>;
}

/** A real client Watch that records events and how the stream ended. */
async function watch(server: KubeTestServer, path: string, query: Record<string, string | boolean | undefined> = {}) {
  const events: Seen[] = [];
  let ended: { error: unknown } | undefined;
  const controller = await new Watch(server.kubeConfig()).watch(
    path,
    query,
    (type, object: { metadata?: { name?: string; resourceVersion?: string } }) => {
      events.push({
        type,
        name: object.metadata?.name,
        resourceVersion: object.metadata?.resourceVersion,
        object: object as Record<string, unknown>,
      });
    },
    (error: unknown) => {
      ended = { error };
    },
  );
  return {
    events,
    ended: () => ended,
    types: () => events.map((e) => `${e.type} ${e.name ?? ''}`.trim()),
    stop: () => controller.abort(),
  };
}

function pod(name: string, labels: Record<string, string> = {}): V1Pod {
  return { metadata: { name, labels }, spec: { containers: [{ name: 'main', image: 'busybox', command: ['true'] }] } };
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('watch through the real client Watch', () => {
  let server: KubeTestServer;
  let core: CoreV1Api;

  beforeEach(async () => {
    server = await startKubeApiServer();
    core = server.kubeConfig().makeApiClient(CoreV1Api);
  });
  afterEach(() => server.close());

  it('streams ADDED, MODIFIED and DELETED for the watched namespace only', async () => {
    const start = server.resourceVersion;
    const w = await watch(server, '/api/v1/namespaces/w/pods', { resourceVersion: start });
    await core.createNamespacedPod({ namespace: 'w', body: pod('a') });
    await core.createNamespacedPod({ namespace: 'elsewhere', body: pod('b') });
    await core.patchNamespacedPod({ namespace: 'w', name: 'a', body: { metadata: { labels: { x: '1' } } } }, merge);
    const deleted = await core.deleteNamespacedPod({ namespace: 'w', name: 'a' });
    await vi.waitFor(() => expect(w.types()).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']));
    expect(w.events[2]!.object.kind).toBe('Pod');
    // The deleted object carries the deletion's resourceVersion, in the response and in the DELETED event.
    expect(w.events[2]!.resourceVersion).toBe(deleted.metadata?.resourceVersion);
    const revisions = w.events.map((e) => Number(e.resourceVersion));
    expect([...revisions].sort((x, y) => x - y)).toEqual(revisions);
    w.stop();
  });

  it('starts with the current state as ADDED events when no resourceVersion is given', async () => {
    await core.createNamespacedPod({ namespace: 'w', body: pod('existing') });
    const w = await watch(server, '/api/v1/namespaces/w/pods');
    await vi.waitFor(() => expect(w.types()).toEqual(['ADDED existing']));
    await core.createNamespacedPod({ namespace: 'w', body: pod('new') });
    await vi.waitFor(() => expect(w.types()).toEqual(['ADDED existing', 'ADDED new']));
    w.stop();
  });

  it('resumes from a resourceVersion, replaying only what happened after it', async () => {
    await core.createNamespacedPod({ namespace: 'w', body: pod('before') });
    const list = await core.listNamespacedPod({ namespace: 'w' });
    await core.createNamespacedPod({ namespace: 'w', body: pod('after-1') });
    await core.deleteNamespacedPod({ namespace: 'w', name: 'before' });
    const w = await watch(server, '/api/v1/namespaces/w/pods', { resourceVersion: list.metadata?.resourceVersion });
    await vi.waitFor(() => expect(w.types()).toEqual(['ADDED after-1', 'DELETED before']));
    w.stop();
  });

  it('answers a resourceVersion older than the history with an ERROR event carrying 410 Expired, then ends', async () => {
    const old = server.resourceVersion;
    await core.createNamespacedPod({ namespace: 'w', body: pod('a') });
    server.compact();
    const w = await watch(server, '/api/v1/namespaces/w/pods', { resourceVersion: old });
    await vi.waitFor(() => expect(w.ended()).toEqual({ error: null }));
    expect(w.events).toHaveLength(1);
    expect(w.events[0]!.type).toBe('ERROR');
    expect(w.events[0]!.object).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `too old resource version: ${old} (${server.resourceVersion})`,
      reason: 'Expired',
      code: 410,
    });
  });

  it('expires resourceVersions that fell out of a bounded history window too', async () => {
    await server.close();
    server = await startKubeApiServer({ historySize: 2 });
    core = server.kubeConfig().makeApiClient(CoreV1Api);
    const old = server.resourceVersion;
    for (const n of ['a', 'b', 'c']) await core.createNamespacedPod({ namespace: 'w', body: pod(n) });
    const w = await watch(server, '/api/v1/namespaces/w/pods', { resourceVersion: old });
    await vi.waitFor(() => expect(w.events.map((e) => e.object.code)).toEqual([410]));
  });

  it('reports selector transitions: leaving the selection is DELETED, entering it is ADDED', async () => {
    const w = await watch(server, '/api/v1/namespaces/w/pods', { resourceVersion: server.resourceVersion, labelSelector: 'team=a' });
    await core.createNamespacedPod({ namespace: 'w', body: pod('p', { team: 'a' }) });
    await core.patchNamespacedPod({ namespace: 'w', name: 'p', body: { metadata: { labels: { team: 'b' } } } }, merge);
    await core.patchNamespacedPod({ namespace: 'w', name: 'p', body: { metadata: { labels: { team: 'a' } } } }, merge);
    await vi.waitFor(() => expect(w.types()).toEqual(['ADDED p', 'DELETED p', 'ADDED p']));
    w.stop();
  });

  it('watches a single object by field selector, as the client does for one pod', async () => {
    const w = await watch(server, '/api/v1/namespaces/w/pods', {
      resourceVersion: server.resourceVersion,
      fieldSelector: 'metadata.name=p1',
    });
    await core.createNamespacedPod({ namespace: 'w', body: pod('p0') });
    await core.createNamespacedPod({ namespace: 'w', body: pod('p1') });
    server.setPodStatus('w', 'p1', { phase: 'Running' });
    await vi.waitFor(() => expect(w.types()).toEqual(['ADDED p1', 'MODIFIED p1']));
    expect((w.events[1]!.object.status as { phase: string }).phase).toBe('Running');
    w.stop();
  });

  it('sends BOOKMARK events with the current resourceVersion to watches that allow them', async () => {
    const w = await watch(server, '/api/v1/namespaces/w/pods', { resourceVersion: server.resourceVersion, allowWatchBookmarks: true });
    await vi.waitFor(() => expect(server.openWatches).toBe(1));
    await core.createNamespacedPod({ namespace: 'other', body: pod('x') });
    server.sendBookmarks();
    await vi.waitFor(() => expect(w.types()).toEqual(['BOOKMARK']));
    expect(w.events[0]!.resourceVersion).toBe(server.resourceVersion);
    w.stop();
  });

  it('marks the end of the initial state with a bookmark when asked for sendInitialEvents', async () => {
    await core.createNamespacedPod({ namespace: 'w', body: pod('existing') });
    const w = await watch(server, '/api/v1/namespaces/w/pods', {
      sendInitialEvents: true,
      allowWatchBookmarks: true,
      resourceVersionMatch: 'NotOlderThan',
    });
    await vi.waitFor(() => expect(w.types()).toEqual(['ADDED existing', 'BOOKMARK']));
    expect((w.events[1]!.object.metadata as { annotations: unknown }).annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    w.stop();
  });

  it('ends every watch on dropWatches(), cleanly or as a connection reset', async () => {
    const clean = await watch(server, '/api/v1/namespaces/w/pods', { resourceVersion: server.resourceVersion });
    await vi.waitFor(() => expect(server.openWatches).toBe(1));
    expect(server.dropWatches()).toBe(1);
    await vi.waitFor(() => expect(clean.ended()).toEqual({ error: null }));

    const reset = await watch(server, '/api/v1/namespaces/w/pods', { resourceVersion: server.resourceVersion });
    await vi.waitFor(() => expect(server.openWatches).toBe(1));
    server.dropWatches('reset');
    await vi.waitFor(() => expect(reset.ended()?.error).toBeInstanceOf(Error));
    await vi.waitFor(() => expect(server.openWatches).toBe(0));
  });

  it('ends a watch after timeoutSeconds', async () => {
    const w = await watch(server, '/api/v1/namespaces/w/pods', { resourceVersion: server.resourceVersion, timeoutSeconds: '1' });
    await vi.waitFor(() => expect(w.ended()).toEqual({ error: null }), { timeout: 5000 });
  });

  it('watches custom resources too', async () => {
    server.registerCrd({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    });
    const w = await watch(server, '/apis/example.com/v1/namespaces/w/widgets', { resourceVersion: server.resourceVersion });
    const custom = server.kubeConfig().makeApiClient(CustomObjectsApi);
    const widget = { group: 'example.com', version: 'v1', plural: 'widgets', namespace: 'w' };
    await custom.createNamespacedCustomObject({
      ...widget,
      body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' } },
    });
    await custom.patchNamespacedCustomObjectStatus({ ...widget, name: 'w1', body: { status: { ready: true } } }, merge);
    await vi.waitFor(() => expect(w.types()).toEqual(['ADDED w1', 'MODIFIED w1']));
    expect(w.events[1]!.object.status).toEqual({ ready: true });
    w.stop();
  });

  it('keeps a client ListWatch informer correct across compaction and a dropped watch (410 → re-list)', async () => {
    await core.createNamespacedPod({ namespace: 'inf', body: pod('first') });
    const informer = new ListWatch<V1Pod>(
      '/api/v1/namespaces/inf/pods',
      new Watch(server.kubeConfig()),
      () => core.listNamespacedPod({ namespace: 'inf' }),
      false,
      undefined,
      undefined,
      { delayFn: async () => {} },
    );
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    await vi.waitFor(() => expect(server.openWatches).toBe(1));

    await core.createNamespacedPod({ namespace: 'inf', body: pod('second') });
    await vi.waitFor(() =>
      expect(
        informer
          .list('inf')
          .map((p) => p.metadata?.name)
          .sort(),
      ).toEqual(['first', 'second']),
    );

    // The watch drops and, before the informer is back, a pod changes and history is compacted: resuming
    // from its last resourceVersion gets 410, so it must re-list to see the change.
    server.dropWatches();
    server.setPodStatus('inf', 'first', { phase: 'Failed' });
    server.compact();
    await vi.waitFor(() => expect(informer.get('first', 'inf')?.status?.phase).toBe('Failed'));
    await vi.waitFor(() => expect(server.openWatches).toBe(1));
    await core.createNamespacedPod({ namespace: 'inf', body: pod('third') });
    await vi.waitFor(() =>
      expect(
        informer
          .list('inf')
          .map((p) => p.metadata?.name)
          .sort(),
      ).toEqual(['first', 'second', 'third']),
    );
    expect(errors).toEqual([]);
    expect(
      server.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/namespaces/inf/pods' && !r.query.includes('watch')).length,
    ).toBe(2);
    await informer.stop();
  });
});
