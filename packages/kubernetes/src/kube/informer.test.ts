/**
 * The shared informer against the test API server with the real client: one list and one watch per
 * namespace for every subscriber, resuming from the last resourceVersion after a dropped connection,
 * re-listing after 410 Gone, and telling "deleted" from "not seen yet".
 */
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { type KubeTestServer, startKubeApiServer } from '@tflyte/testing/kubernetes';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKubeClient, type KubeClient } from './kube-client.ts';
import type { KubeObject } from './kube-object.ts';
import { POD_KIND } from './resource-kind.ts';

const NS = 'inform';
const pod = (name: string): V1Pod => ({ metadata: { name }, spec: { containers: [{ name: 'main', image: 'busybox' }] } });

/** What a subscriber saw: phases of the object, or `gone`. */
function recorder() {
  const seen: string[] = [];
  return {
    seen,
    listener: (o: KubeObject | undefined) =>
      seen.push(o === undefined ? 'gone' : String((o.status as { phase?: string } | undefined)?.phase)),
  };
}

let server: KubeTestServer;
let client: KubeClient;
let core: CoreV1Api;
beforeEach(async () => {
  server = await startKubeApiServer();
  client = createKubeClient({ kubeConfig: server.kubeConfig(), informer: { backoff: { initialMs: 10, maxMs: 50 } } });
  core = server.kubeConfig().makeApiClient(CoreV1Api);
});
afterEach(async () => {
  client.close();
  await server.close();
});

describe('SharedInformer', () => {
  it('serves every subscriber of a namespace from one list and one watch', async () => {
    for (const name of ['a', 'b', 'c']) await core.createNamespacedPod({ namespace: NS, body: pod(name) });
    const informer = client.informer(POD_KIND, NS);
    const subscribers = ['a', 'b', 'c'].map((name) => ({ name, ...recorder() }));
    const unsubscribe = subscribers.map((s) => informer.subscribe(s.name, s.listener));
    await vi.waitFor(() => expect(subscribers.map((s) => s.seen)).toEqual([['Pending'], ['Pending'], ['Pending']]));
    await vi.waitFor(() => expect(server.openWatches).toBe(1));

    server.setPodStatus(NS, 'b', { phase: 'Running' });
    await core.deleteNamespacedPod({ namespace: NS, name: 'c' });
    await vi.waitFor(() => expect(subscribers.map((s) => s.seen)).toEqual([['Pending'], ['Pending', 'Running'], ['Pending', 'gone']]));
    expect(server.requestCounts).toMatchObject({ list: 1, watch: 1 });
    expect(informer.stats).toEqual({ lists: 1, watches: 1 });

    for (const stop of unsubscribe) stop();
    expect(informer.running).toBe(false);
    await vi.waitFor(() => expect(server.openWatches).toBe(0));
  });

  it('resumes a dropped watch from its last resourceVersion: no new list, nothing missed', async () => {
    await core.createNamespacedPod({ namespace: NS, body: pod('a') });
    const informer = client.informer(POD_KIND, NS);
    const a = recorder();
    informer.subscribe('a', a.listener);
    await vi.waitFor(() => expect(server.openWatches).toBe(1));

    expect(server.dropWatches('reset')).toBe(1);
    server.setPodStatus(NS, 'a', { phase: 'Running' });
    server.setPodStatus(NS, 'a', { phase: 'Succeeded' });
    await vi.waitFor(() => expect(a.seen).toEqual(['Pending', 'Running', 'Succeeded']));
    expect(server.requestCounts.list).toBe(1);
    expect(server.requestCounts.watch).toBe(2);
  });

  it('keeps retrying with backoff while the watch cannot be opened, then carries on', async () => {
    await core.createNamespacedPod({ namespace: NS, body: pod('a') });
    const informer = client.informer(POD_KIND, NS);
    const a = recorder();
    informer.subscribe('a', a.listener);
    await vi.waitFor(() => expect(server.openWatches).toBe(1));

    server.injectFault({ method: 'GET', path: `/api/v1/namespaces/${NS}/pods`, code: 503, times: 3 });
    server.dropWatches('reset');
    await vi.waitFor(() => expect(server.openWatches).toBe(1));
    server.setPodStatus(NS, 'a', { phase: 'Running' });
    await vi.waitFor(() => expect(a.seen).toEqual(['Pending', 'Running']));
    expect(server.requestCounts.watch).toBe(5);
  });

  it('re-lists after 410 Gone and reports objects deleted while it was away', async () => {
    for (const name of ['a', 'b']) await core.createNamespacedPod({ namespace: NS, body: pod(name) });
    const informer = client.informer(POD_KIND, NS);
    const a = recorder();
    const b = recorder();
    informer.subscribe('a', a.listener);
    informer.subscribe('b', b.listener);
    await vi.waitFor(() => expect([a.seen, b.seen]).toEqual([['Pending'], ['Pending']]));
    await vi.waitFor(() => expect(server.openWatches).toBe(1));

    // While the watch cannot reconnect, b goes and the history it would resume from is compacted away.
    server.injectFault({ method: 'GET', path: `/api/v1/namespaces/${NS}/pods`, code: 503, times: 1_000_000 });
    server.dropWatches('reset');
    await vi.waitFor(() => expect(server.requestCounts.watch).toBeGreaterThan(2));
    await core.deleteNamespacedPod({ namespace: NS, name: 'b' });
    server.setPodStatus(NS, 'a', { phase: 'Running' });
    server.compact();
    server.clearFaults();

    await vi.waitFor(() =>
      expect([a.seen, b.seen]).toEqual([
        ['Pending', 'Running'],
        ['Pending', 'gone'],
      ]),
    );
    expect(server.requestCounts.list).toBe(2);
  });

  it('asks the server once about an object it has not seen, when nothing says it existed', async () => {
    await core.createNamespacedPod({ namespace: NS, body: pod('other') });
    const informer = client.informer(POD_KIND, NS);
    informer.subscribe('other', () => {});
    await vi.waitFor(() => expect(server.openWatches).toBe(1));
    const ghost = recorder();
    informer.subscribe('ghost', ghost.listener);
    await vi.waitFor(() => expect(ghost.seen).toEqual(['gone']));
    expect(server.requestCounts.get).toBe(1);
  });

  it('waits for an object created at a known resourceVersion instead of calling it gone', async () => {
    await core.createNamespacedPod({ namespace: NS, body: pod('other') });
    const informer = client.informer(POD_KIND, NS);
    informer.subscribe('other', () => {});
    await vi.waitFor(() => expect(server.openWatches).toBe(1));
    const created = await core.createNamespacedPod({ namespace: NS, body: pod('fresh') });
    const fresh = recorder();
    informer.subscribe('fresh', fresh.listener, { knownResourceVersion: created.metadata!.resourceVersion! });
    await vi.waitFor(() => expect(fresh.seen).toEqual(['Pending']));
    expect(server.requestCounts.get ?? 0).toBe(0);
  });

  it('starts over with a fresh list after its last subscriber left', async () => {
    await core.createNamespacedPod({ namespace: NS, body: pod('a') });
    const informer = client.informer(POD_KIND, NS);
    const first = recorder();
    const stop = informer.subscribe('a', first.listener);
    await vi.waitFor(() => expect(first.seen).toEqual(['Pending']));
    stop();
    server.setPodStatus(NS, 'a', { phase: 'Running' });
    const second = recorder();
    informer.subscribe('a', second.listener);
    await vi.waitFor(() => expect(second.seen).toEqual(['Running']));
    expect(first.seen).toEqual(['Pending']);
    expect(server.requestCounts.list).toBe(2);
  });
});
