/**
 * A test API server, a client on it, and an executor that runs `container` tasks as pods in one
 * namespace, recording events. Without a node, pods stay Pending until a test sets their status.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import {
  type Backend,
  createExecutor,
  type Executor,
  type ExecutorEvent,
  type ExecutorOptions,
  openStateStore,
  type StateStore,
} from '@tflyte/core';
import { type KubeApiServerOptions, type KubeTestServer, startKubeApiServer } from '@tflyte/testing/kubernetes';
import { expect, vi } from 'vitest';
import { createKubeClient, type KubeClient } from '../kube/kube-client.ts';
import { type KubernetesPodOptions, kubernetesPod } from '../pod/kubernetes-pod.ts';

export interface PodCluster {
  readonly server: KubeTestServer;
  readonly client: KubeClient;
  readonly core: CoreV1Api;
  readonly namespace: string;
  readonly stateDir: string;
  readonly store: StateStore;
  readonly executor: Executor;
  readonly events: ExecutorEvent[];
  /** Names of the pods in the namespace, now. */
  podNames(): Promise<string[]>;
  /** The pod of the n-th attempt-created event, once there is one. */
  createdPod(index?: number): Promise<string>;
  /** Resolves when an event matches. */
  waitForEvent(predicate: (event: ExecutorEvent) => boolean): Promise<ExecutorEvent>;
  close(): Promise<void>;
}

export interface PodClusterOptions {
  readonly server?: KubeApiServerOptions;
  readonly pod?: Omit<KubernetesPodOptions, 'client' | 'namespace'>;
  readonly executor?: Omit<ExecutorOptions, 'store' | 'stateDir' | 'backends'>;
  readonly stateDir?: string;
  /** Backends by task type besides `container` (a CRD backend under test), on the cluster's client and namespace. */
  readonly backends?: (client: KubeClient, namespace: string) => Readonly<Record<string, Backend>>;
}

let namespaces = 0;

export async function startPodCluster(options: PodClusterOptions = {}): Promise<PodCluster> {
  const server = await startKubeApiServer(options.server);
  const client = createKubeClient({ kubeConfig: server.kubeConfig() });
  const namespace = `tasks-${++namespaces}`;
  const ownsDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'tflyte-k8s-')));
  const store = openStateStore(stateDir);
  const backend = kubernetesPod({ ...options.pod, client, namespace });
  const executor = createExecutor({
    systemRetries: 0,
    ...options.executor,
    store,
    stateDir,
    backends: { container: backend, ...options.backends?.(client, namespace) },
  });
  const events: ExecutorEvent[] = [];
  executor.on((event) => events.push(event));
  const core = server.kubeConfig().makeApiClient(CoreV1Api);
  const waitForEvent = async (predicate: (event: ExecutorEvent) => boolean) => {
    let found: ExecutorEvent | undefined;
    await vi.waitFor(
      () => {
        found = events.find(predicate);
        if (found === undefined) throw new Error('no matching event yet');
      },
      { timeout: 10_000, interval: 5 },
    );
    return found!;
  };
  return {
    server,
    client,
    core,
    namespace,
    stateDir,
    store,
    executor,
    events,
    podNames: async () => (await core.listNamespacedPod({ namespace })).items.map((p) => p.metadata?.name ?? ''),
    async createdPod(index = 0) {
      await vi.waitFor(
        () => {
          if (events.filter((e) => e.type === 'attempt-created').length <= index) throw new Error('not created yet');
        },
        { timeout: 10_000, interval: 5 },
      );
      const created = events.filter((e) => e.type === 'attempt-created')[index];
      return created?.type === 'attempt-created' ? created.generatedName : '';
    },
    waitForEvent,
    async close() {
      // Pods are deleted once their attempt is over, just after the run settles: let that finish first.
      await vi
        .waitFor(async () => expect((await core.listNamespacedPod({ namespace })).items).toEqual([]), { timeout: 5000, interval: 10 })
        .catch(() => {});
      client.close();
      store.close();
      await server.close();
      if (ownsDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}
