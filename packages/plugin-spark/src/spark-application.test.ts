/**
 * Every SparkApplication the backend builds validates against the spark-operator's CRD (the API
 * server's structural-schema validation with fieldValidation=Strict, so an unknown field fails too),
 * and the roles come out as Flyte builds them: the driver never interruptible, overlays per role.
 */
import { readFileSync } from 'node:fs';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { type AttemptContext, type Task, t, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { podData } from '@tflyte/kubernetes';
import { testAttemptContext } from '@tflyte/testing';
import { type KubeTestServer, startKubeApiServer } from '@tflyte/testing/kubernetes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSparkApplication, type SparkApplicationSettings, spark, sparkTask } from './index.ts';
import { sparkCrdPath } from './test-support/cluster.ts';

const IMAGE = 'ghcr.io/example/spark:3.5.0';
const SPOT = { key: 'spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' };
const settings: SparkApplicationSettings = {
  defaultSparkConf: { 'spark.ui.port': '4040' },
  features: [{ name: 'gcs', sparkConf: { 'spark.hadoop.fs.gs.impl': 'com.google.cloud.hadoop.fs.gcs.GoogleHadoopFileSystem' } }],
  pod: { defaults: { interruptibleTolerations: [SPOT], interruptibleNodeSelector: { lifecycle: 'spot' }, labels: { team: 'data' } } },
};

const minimal = sparkTask({ name: 'minimal', application: { type: 'python', mainApplicationFile: 'local:///app.py' }, image: IMAGE });
const jvm = sparkTask({
  name: 'jvm',
  inputs: { n: t.int() },
  application: {
    type: 'scala',
    mainApplicationFile: 'local:///opt/spark/examples.jar',
    mainClass: 'org.apache.spark.examples.SparkPi',
    arguments: ['{{ .inputs.n }}'],
  },
  sparkConf: {
    'spark.driver.cores': '2',
    'spark.executor.instances': '3',
    'spark.flyteorg.gcs.enabled': 'true',
    'spark.batchScheduler': 'volcano',
  },
  hadoopConf: { 'fs.s3a.fast.upload': 'true' },
  image: IMAGE,
});
const dressed = sparkTask({
  name: 'dressed',
  application: { type: 'r', mainApplicationFile: 'local:///app.R' },
  image: IMAGE,
  interruptible: true,
  requests: { cpu: '1', mem: '2Gi' },
  limits: { cpu: '2', mem: '4Gi' },
  env: { MODE: 'batch' },
  labels: { app: 'dressed' },
  annotations: { owner: 'me' },
  secretRequests: [{ group: 'db', key: 'password', mountRequirement: 'env' }],
  driverPod: {
    podSpec: {
      containers: [
        { name: 'primary', env: [{ name: 'ROLE', value: 'driver' }] },
        { name: 'sidecar', image: 'busybox' },
      ],
      nodeSelector: { pool: 'stable' },
      priorityClassName: 'high',
    },
    primaryContainerName: 'primary',
    labels: { role: 'driver' },
  },
  executorPod: { podSpec: { containers: [], tolerations: [{ key: 'gpu', operator: 'Exists' }], serviceAccountName: 'executors' } },
});

const contextFor = (task: Task, overrides: Partial<AttemptContext> = {}, inputs: Record<string, unknown> = {}): AttemptContext =>
  testAttemptContext({
    template: toTaskTemplate(task, { version: 'v1' }),
    inputs: toLiteralMap(task.inputs, inputs),
    generatedName: 'run-n0-0',
    ...overrides,
  });

const build = (ctx: AttemptContext) =>
  buildSparkApplication(
    ctx,
    spark.configOf(ctx.template),
    podData().locations(ctx, { namespace: 'spark', name: ctx.generatedName }),
    settings,
  );

describe('SparkApplications against the CRD', () => {
  let server: KubeTestServer;
  let custom: CustomObjectsApi;
  beforeAll(async () => {
    server = await startKubeApiServer({ crds: [readFileSync(sparkCrdPath(), 'utf8')] });
    custom = server.kubeConfig().makeApiClient(CustomObjectsApi);
  });
  afterAll(() => server?.close());

  it.each([
    ['a minimal PySpark task', () => contextFor(minimal)],
    ['a JVM task with a main class, features, a batch scheduler and hadoop conf', () => contextFor(jvm, {}, { n: 100 })],
    ['an interruptible task with resources, secrets, labels and role overlays', () => contextFor(dressed, { interruptible: true })],
    [
      'the last attempt of an interruptible task',
      () => contextFor(dressed, { interruptible: false, attempt: 2, generatedName: 'run-n0-2' }),
    ],
  ])('%s is valid', async (_name, ctx) => {
    const app = build(ctx());
    const created = await custom.createNamespacedCustomObject({
      group: 'sparkoperator.k8s.io',
      version: 'v1beta2',
      plural: 'sparkapplications',
      namespace: 'spark',
      body: app,
      fieldValidation: 'Strict',
    });
    // Nothing was pruned: what the plugin wrote is what the operator reads.
    expect(created.spec).toEqual(app.spec);
    await custom.deleteNamespacedCustomObject({
      group: 'sparkoperator.k8s.io',
      version: 'v1beta2',
      plural: 'sparkapplications',
      namespace: 'spark',
      name: app.metadata.name!,
    });
  });
});

describe('SparkApplication roles', () => {
  it('keeps the driver off interruptible nodes while executors may use them', () => {
    const { spec } = build(contextFor(dressed, { interruptible: true })) as unknown as {
      spec: { driver: Record<string, unknown>; executor: Record<string, unknown> };
    };
    expect(spec.executor.tolerations).toEqual(expect.arrayContaining([SPOT]));
    expect(spec.executor.nodeSelector).toMatchObject({ lifecycle: 'spot' });
    expect(spec.driver.tolerations ?? []).not.toContainEqual(SPOT);
    expect(spec.driver.nodeSelector).toEqual({ pool: 'stable' });
  });

  it('lays each role overlay on the task pod: env, labels, priority class, tolerations and service account', () => {
    const { spec } = build(contextFor(dressed, { interruptible: true })) as unknown as {
      spec: { driver: Record<string, unknown>; executor: Record<string, unknown> };
    };
    expect(spec.driver).toMatchObject({
      priorityClassName: 'high',
      serviceAccount: 'spark',
      labels: { team: 'data', app: 'dressed', role: 'driver' },
      annotations: { owner: 'me' },
    });
    const env = (role: Record<string, unknown>) =>
      Object.fromEntries((role.env as { name: string; value?: string }[]).map((e) => [e.name, e.value ?? '(from)']));
    expect(env(spec.driver)).toMatchObject({
      MODE: 'batch',
      ROLE: 'driver',
      FLYTE_MAX_ATTEMPTS: '1',
      TFLYTE_OUTPUT_DOCUMENT: expect.stringContaining('tflyte-outputs.json'),
    });
    expect(env(spec.executor)).not.toHaveProperty('ROLE');
    expect(env(spec.executor)).not.toHaveProperty('TFLYTE_OUTPUT_DOCUMENT');
    expect(spec.executor).toMatchObject({
      serviceAccount: 'executors',
      tolerations: expect.arrayContaining([{ key: 'gpu', operator: 'Exists' }]),
    });
  });

  it('takes cores, instances and memory from the conf and image and arguments from the container', () => {
    const { spec } = build(contextFor(jvm, {}, { n: 100 })) as unknown as {
      spec: Record<string, unknown> & { driver: object; executor: object; sparkConf: Record<string, string> };
    };
    expect(spec).toMatchObject({
      type: 'Scala',
      mainClass: 'org.apache.spark.examples.SparkPi',
      arguments: ['100'],
      image: IMAGE,
      batchScheduler: 'volcano',
      hadoopConf: { 'fs.s3a.fast.upload': 'true' },
    });
    expect(spec.driver).toMatchObject({ cores: 2 });
    expect(spec.executor).toMatchObject({ instances: 3 });
    expect(spec.sparkConf).toMatchObject({
      'spark.ui.port': '4040',
      'spark.hadoop.fs.gs.impl': 'com.google.cloud.hadoop.fs.gcs.GoogleHadoopFileSystem',
      'spark.kubernetes.driver.limit.cores': '2',
    });
    expect(spec.sparkConf).not.toHaveProperty('spark.flyteorg.gcs.enabled');
  });
});
