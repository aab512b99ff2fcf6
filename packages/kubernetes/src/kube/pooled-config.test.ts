/**
 * Connection reuse, counted on the server's side: a TCP relay in front of the test API server counts
 * the connections the real client opens. @kubernetes/client-node alone opens one per request; a
 * KubeClient's requests, watches and the API clients made from its kubeConfig share one pool.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { type KubeTestServer, startKubeApiServer } from '@tflyte/testing/kubernetes';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKubeClient, type KubeClient } from './kube-client.ts';
import { POD_KIND } from './resource-kind.ts';

const NS = 'pooled';

/** Relays to the API server and counts connections: accepted in all, and open now. */
async function countingRelay(
  target: string,
): Promise<{ url: string; accepted: () => number; open: () => number; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  let accepted = 0;
  const sockets = new Set<Socket>();
  const relay: Server = createServer((downstream) => {
    accepted++;
    sockets.add(downstream);
    const upstream = tcpConnect(Number(port), hostname);
    downstream.pipe(upstream).pipe(downstream);
    const end = () => {
      sockets.delete(downstream);
      downstream.destroy();
      upstream.destroy();
    };
    for (const socket of [downstream, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`,
    accepted: () => accepted,
    open: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

function kubeConfigFor(url: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'relay', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'c', cluster: 'relay', user: 'u', namespace: NS }],
    currentContext: 'c',
  });
  return kc;
}

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS },
  spec: { containers: [{ name: 'main', image: 'busybox' }] },
});

let server: KubeTestServer;
let relay: Awaited<ReturnType<typeof countingRelay>>;
let client: KubeClient;
beforeEach(async () => {
  server = await startKubeApiServer();
  relay = await countingRelay(server.url);
});
afterEach(async () => {
  client?.close();
  await relay.close();
  await server.close();
});

describe('a KubeClient reuses its connections', () => {
  it('serves 60 requests, 10 at a time, over at most two connections per slot', async () => {
    client = createKubeClient({ kubeConfig: kubeConfigFor(relay.url, server.token), maxConcurrentRequests: 10 });
    const names = Array.from({ length: 20 }, (_, i) => `p${i}`);
    await Promise.all(names.map((name) => client.create(POD_KIND, pod(name))));
    const read = await Promise.all(names.map((name) => client.get(POD_KIND, NS, name)));
    expect(read.map((p) => p?.metadata?.name)).toEqual(names);
    expect(await Promise.all(names.map((name) => client.delete(POD_KIND, NS, name)))).toEqual(names.map(() => true));

    expect(server.requestCounts).toMatchObject({ create: 20, get: 20, delete: 20 });
    // undici hands a socket back a moment after its response resolves, so a request that takes the
    // freed slot at once may open another: at most two per slot, not one per request.
    expect(relay.accepted()).toBeLessThanOrEqual(20);
  });

  it('the same requests through the library without a KubeClient open a connection each', async () => {
    client = createKubeClient({ kubeConfig: kubeConfigFor(relay.url, server.token) });
    const core = kubeConfigFor(relay.url, server.token).makeApiClient(CoreV1Api);
    for (let i = 0; i < 5; i++) await core.createNamespacedPod({ namespace: NS, body: pod(`raw${i}`) });
    expect(relay.accepted()).toBe(5);
  });

  it('shares the pool with API clients made from its kubeConfig and with its watches; close() ends them', async () => {
    client = createKubeClient({ kubeConfig: kubeConfigFor(relay.url, server.token) });
    const core = client.kubeConfig.makeApiClient(CoreV1Api);
    for (let i = 0; i < 5; i++) await core.createNamespacedPod({ namespace: NS, body: pod(`c${i}`) });
    expect(relay.accepted()).toBeLessThanOrEqual(2);
    const seen: string[] = [];
    const stop = client.informer(POD_KIND, NS).subscribe('c0', (p) => seen.push(p?.metadata?.name ?? 'gone'));
    await vi.waitFor(() => expect(server.openWatches).toBe(1));
    for (let i = 0; i < 5; i++) await client.get(POD_KIND, NS, `c${i}`);
    await vi.waitFor(() => expect(seen).toEqual(['c0']));

    // The requests' connections, and one more held by the watch.
    expect(relay.accepted()).toBeLessThanOrEqual(3);
    stop();
    client.close();
    await vi.waitFor(() => expect(relay.open()).toBe(0));
  });
});
