/**
 * A test cluster for Spark tasks: the Kubernetes test API server with the real SparkApplication CRD,
 * a node that runs driver pods as local processes (the test image's spark-submit is
 * fake-spark-submit.mjs), the spark-operator emulation, and an executor with `sparkPlugin()`
 * registered — the way tflyte.config.ts registers it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { createExecutor, createRegistry, type Executor, type ExecutorEvent, openStateStore, type StateStore } from '@tflyte/core';
import { createKubeClient, type KubeClient } from '@tflyte/kubernetes';
import {
  type KubeTestServer,
  type SparkOperator,
  type SparkOperatorOptions,
  startKubeApiServer,
  startSparkOperator,
} from '@tflyte/testing/kubernetes';
import type { SparkBackendOptions } from '../spark-backend.ts';
import { sparkPlugin } from '../spark-definition.ts';

export const TEST_IMAGE = 'ghcr.io/example/spark:3.5.0';
const FAKE_SPARK_SUBMIT = fileURLToPath(new URL('./fake-spark-submit.mjs', import.meta.url));

/** The shared CRD schemas live beside the repository root (the directory holding nx.json). */
export function sparkCrdPath(): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return resolve(dir, '../shared/schemas/sparkoperator.k8s.io_sparkapplications.yaml');
  }
  throw new Error('no repository root (a directory with nx.json) above the test');
}

export interface SparkCluster {
  readonly server: KubeTestServer;
  readonly client: KubeClient;
  readonly custom: CustomObjectsApi;
  readonly namespace: string;
  readonly operator: SparkOperator | undefined;
  readonly executor: Executor;
  readonly store: StateStore;
  readonly stateDir: string;
  readonly events: ExecutorEvent[];
  /** Requests for SparkApplications the server received, by HTTP method (POST = created, DELETE = deleted). */
  sparkRequests(method: 'POST' | 'DELETE'): number;
  /** SparkApplications in the namespace now. */
  applications(): Promise<string[]>;
  /**
   * SparkApplications that have existed, by uid, as far as this and earlier calls saw them: a create
   * that found its application already there (AlreadyExists) adds none, though it is a request.
   */
  applicationsCreated(): Promise<number>;
  close(): Promise<void>;
}

export interface SparkClusterOptions {
  readonly plugin?: Omit<SparkBackendOptions, 'client' | 'namespace'>;
  /** Default true; false leaves applications' status to the test. */
  readonly operator?: boolean | SparkOperatorOptions;
  readonly stateDir?: string;
  /** More images whose spark-submit is the fake one (TEST_IMAGE always is). */
  readonly images?: readonly string[];
}

export async function startSparkCluster(options: SparkClusterOptions = {}): Promise<SparkCluster> {
  const server = await startKubeApiServer({
    crds: [readFileSync(sparkCrdPath(), 'utf8')],
    node: {
      imageMap: Object.fromEntries(
        [TEST_IMAGE, ...(options.images ?? [])].map((image) => [image, { entrypoint: [process.execPath, FAKE_SPARK_SUBMIT] }]),
      ),
    },
  });
  const namespace = 'spark';
  const client = createKubeClient({ kubeConfig: server.kubeConfig() });
  const operator =
    options.operator === false ? undefined : await startSparkOperator(server, namespace, options.operator === true ? {} : options.operator);
  const registry = createRegistry();
  registry.register(sparkPlugin({ ...options.plugin, client, namespace }));
  const ownsDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'tflyte-spark-')));
  const store = openStateStore(stateDir);
  const executor = createExecutor({ registry, store, stateDir, systemRetries: 0 });
  const events: ExecutorEvent[] = [];
  executor.on((event) => events.push(event));
  const custom = server.kubeConfig().makeApiClient(CustomObjectsApi);
  const list = async () =>
    (
      (await custom.listNamespacedCustomObject({
        group: 'sparkoperator.k8s.io',
        version: 'v1beta2',
        plural: 'sparkapplications',
        namespace,
      })) as { items: { metadata: { name: string; uid: string } }[] }
    ).items;
  const seen = new Set<string>();
  return {
    server,
    client,
    custom,
    namespace,
    operator,
    executor,
    store,
    stateDir,
    events,
    sparkRequests: (method) => server.requests.filter((r) => r.method === method && /\/sparkapplications(\/|$)/.test(r.path)).length,
    applications: async () => (await list()).map((a) => a.metadata.name),
    async applicationsCreated() {
      for (const app of await list()) seen.add(app.metadata.uid);
      return seen.size;
    },
    async close() {
      await operator?.stop();
      client.close();
      store.close();
      await server.close();
      if (ownsDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}
