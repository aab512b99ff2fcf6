import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ApiException, ApiextensionsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeStatus, type KubeTestServer, startKubeApiServer } from './index.ts';

/** The shared CRD schemas live beside the repository root (the directory holding nx.json). */
function schemasDir(): string | undefined {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return resolve(dir, '../shared/schemas');
  }
  return undefined;
}
const SCHEMAS = schemasDir();
const SPARK_CRD = SCHEMAS && join(SCHEMAS, 'sparkoperator.k8s.io_sparkapplications.yaml');
const PYTORCH_CRD = SCHEMAS && join(SCHEMAS, 'kubeflow.org_pytorchjobs.yaml');
const haveCrds = SPARK_CRD !== undefined && PYTORCH_CRD !== undefined && existsSync(SPARK_CRD) && existsSync(PYTORCH_CRD);
if (!haveCrds) console.warn(`skipping the operator CRD tests: CRD files not found under ${SCHEMAS ?? '<no repo root with nx.json>'}`);

async function failureOf(call: Promise<unknown>): Promise<KubeStatus> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) return JSON.parse(error.body as string) as KubeStatus;
    throw error;
  }
  throw new Error('expected the API call to fail');
}

const SPARK = { group: 'sparkoperator.k8s.io', version: 'v1beta2', plural: 'sparkapplications' };
const PYTORCH = { group: 'kubeflow.org', version: 'v1', plural: 'pytorchjobs' };
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function sparkApp(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'sparkoperator.k8s.io/v1beta2',
    kind: 'SparkApplication',
    metadata: { name, labels: { 'flyte.org/task': 'spark' } },
    spec: {
      type: 'Python',
      mode: 'cluster',
      image: 'ghcr.io/example/spark:3.5',
      mainApplicationFile: 'local:///opt/app/main.py',
      sparkVersion: '3.5.0',
      sparkConf: { 'spark.executor.memoryOverhead': '512m' },
      driver: { cores: 1, memory: '512m', serviceAccount: 'spark' },
      executor: { instances: 2, cores: 1, memory: '512m' },
      ...spec,
    },
  };
}

function replica(replicas: unknown, container: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    replicas,
    restartPolicy: 'OnFailure',
    template: {
      spec: { containers: [{ name: 'pytorch', image: 'ghcr.io/example/torch:2', command: ['python', 'train.py'], ...container }] },
    },
  };
}

function pytorchJob(
  name: string,
  worker: Record<string, unknown> = replica(2),
  extraSpec: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'PyTorchJob',
    metadata: { name },
    spec: { pytorchReplicaSpecs: { Master: replica(1), Worker: worker }, ...extraSpec },
  };
}

describe.skipIf(!haveCrds)('custom resources from the real operator CRDs, through CustomObjectsApi', () => {
  let server: KubeTestServer;
  let custom: CustomObjectsApi;

  beforeAll(async () => {
    server = await startKubeApiServer({ crds: [readFileSync(SPARK_CRD!, 'utf8')] });
    server.registerCrd(readFileSync(PYTORCH_CRD!, 'utf8'));
    custom = server.kubeConfig().makeApiClient(CustomObjectsApi);
  });
  afterAll(() => server?.close());

  it('accepts a valid SparkApplication, dropping status on create because status is a subresource', async () => {
    const created = await custom.createNamespacedCustomObject({
      ...SPARK,
      namespace: 'spark',
      body: { ...sparkApp('sp1'), status: { applicationState: { state: 'COMPLETED' } } },
    });
    expect(created).toMatchObject({
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: { name: 'sp1', namespace: 'spark', generation: 1 },
    });
    expect(created.status).toBeUndefined();
    const read = await custom.getNamespacedCustomObject({ ...SPARK, namespace: 'spark', name: 'sp1' });
    expect(read.spec.driver).toEqual({ cores: 1, memory: '512m', serviceAccount: 'spark' });
  });

  it('rejects an invalid SparkApplication with 422 naming each field', async () => {
    const { driver: _driver, ...withoutDriver } = sparkApp('bad').spec as Record<string, unknown>;
    const status = await failureOf(
      custom.createNamespacedCustomObject({
        ...SPARK,
        namespace: 'spark',
        body: { ...sparkApp('bad'), spec: { ...withoutDriver, type: 'Golang', executor: { instances: 0 } } },
      }),
    );
    expect(status).toMatchObject({
      code: 422,
      reason: 'Invalid',
      details: { name: 'bad', group: 'sparkoperator.k8s.io', kind: 'SparkApplication' },
    });
    expect(status.message).toMatch(/^SparkApplication\.sparkoperator\.k8s\.io "bad" is invalid: \[/);
    expect(status.details?.causes).toEqual(
      expect.arrayContaining([
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.driver' },
        {
          reason: 'FieldValueNotSupported',
          message: 'Unsupported value: "Golang": supported values: "Java", "Python", "Scala", "R"',
          field: 'spec.type',
        },
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: 0: spec.executor.instances in body should be greater than or equal to 1',
          field: 'spec.executor.instances',
        },
      ]),
    );
  });

  it('prunes fields the schema does not know, with a warning, but keeps preserve-unknown-fields subtrees', async () => {
    const body = sparkApp('pruned', {
      bogus: true,
      driver: { cores: 1, template: { metadata: { labels: { x: 'y' } }, spec: { anything: ['goes'] } } },
    });
    const created = await custom.createNamespacedCustomObjectWithHttpInfo({ ...SPARK, namespace: 'spark', body });
    expect(created.headers.warning).toBe('299 - "unknown field \\"spec.bogus\\""');
    expect(created.data.spec.bogus).toBeUndefined();
    expect(created.data.spec.driver.template).toEqual({ metadata: { labels: { x: 'y' } }, spec: { anything: ['goes'] } });
    const strict = await failureOf(
      custom.createNamespacedCustomObject({
        ...SPARK,
        namespace: 'spark',
        body: sparkApp('strict', { bogus: 1 }),
        fieldValidation: 'Strict',
      }),
    );
    expect(strict).toMatchObject({ code: 400, message: 'strict decoding error: unknown field "spec.bogus"' });
  });

  it('writes status only through the status subresource, where the schema still applies', async () => {
    const created = await custom.createNamespacedCustomObject({ ...SPARK, namespace: 'spark', body: sparkApp('st') });
    const withStatus = { ...created, status: { driverInfo: {}, applicationState: { state: 'RUNNING' } } };
    const viaMain = await custom.replaceNamespacedCustomObject({ ...SPARK, namespace: 'spark', name: 'st', body: withStatus });
    expect(viaMain.status).toBeUndefined();
    expect(viaMain.metadata.resourceVersion).toBe(created.metadata.resourceVersion);

    const viaStatus = await custom.replaceNamespacedCustomObjectStatus({
      ...SPARK,
      namespace: 'spark',
      name: 'st',
      body: { ...withStatus, metadata: viaMain.metadata },
    });
    expect(viaStatus.status.applicationState.state).toBe('RUNNING');
    expect(viaStatus.metadata.generation).toBe(1);

    const patched = await custom.patchNamespacedCustomObjectStatus(
      { ...SPARK, namespace: 'spark', name: 'st', body: { status: { applicationState: { state: 'COMPLETED' } } } },
      merge,
    );
    expect(patched.status).toEqual({ driverInfo: {}, applicationState: { state: 'COMPLETED' } });
    expect(
      await failureOf(
        custom.patchNamespacedCustomObjectStatus(
          { ...SPARK, namespace: 'spark', name: 'st', body: { status: { driverInfo: null } } },
          merge,
        ),
      ),
    ).toMatchObject({
      code: 422,
      details: { causes: [{ field: 'status.driverInfo', reason: 'FieldValueRequired' }] },
    });
  });

  it('requires a resourceVersion to update a custom resource and rejects a stale one with 409', async () => {
    const created = await custom.createNamespacedCustomObject({ ...SPARK, namespace: 'spark', body: sparkApp('cc') });
    const { resourceVersion: _rv, ...metaWithoutRv } = created.metadata;
    expect(
      await failureOf(
        custom.replaceNamespacedCustomObject({ ...SPARK, namespace: 'spark', name: 'cc', body: { ...created, metadata: metaWithoutRv } }),
      ),
    ).toMatchObject({
      code: 422,
      details: { causes: [{ field: 'metadata.resourceVersion' }] },
    });
    const updated = await custom.replaceNamespacedCustomObject({
      ...SPARK,
      namespace: 'spark',
      name: 'cc',
      body: { ...created, spec: { ...created.spec, sparkVersion: '3.5.1' } },
    });
    expect(updated.metadata.generation).toBe(2);
    expect(
      await failureOf(custom.replaceNamespacedCustomObject({ ...SPARK, namespace: 'spark', name: 'cc', body: created })),
    ).toMatchObject({ code: 409, reason: 'Conflict' });
  });

  it('merge-patches custom resources but refuses strategic merge patch with 415, as for any CRD', async () => {
    await custom.createNamespacedCustomObject({ ...SPARK, namespace: 'spark', body: sparkApp('mp') });
    const patched = await custom.patchNamespacedCustomObject(
      { ...SPARK, namespace: 'spark', name: 'mp', body: { spec: { executor: { instances: 5 } } } },
      merge,
    );
    expect(patched.spec.executor).toEqual({ instances: 5, cores: 1, memory: '512m' });
    const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    expect(
      await failureOf(custom.patchNamespacedCustomObject({ ...SPARK, namespace: 'spark', name: 'mp', body: { spec: {} } }, strategic)),
    ).toMatchObject({ code: 415 });
  });

  it('deletes a custom resource answering with a Success Status, then 404', async () => {
    const created = await custom.createNamespacedCustomObject({ ...SPARK, namespace: 'spark', body: sparkApp('gone') });
    const status = await custom.deleteNamespacedCustomObject({ ...SPARK, namespace: 'spark', name: 'gone' });
    expect(status).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'gone', group: 'sparkoperator.k8s.io', kind: 'sparkapplications', uid: created.metadata.uid },
    });
    expect(await failureOf(custom.getNamespacedCustomObject({ ...SPARK, namespace: 'spark', name: 'gone' }))).toMatchObject({
      code: 404,
      message: 'sparkapplications.sparkoperator.k8s.io "gone" not found',
    });
  });

  it('lists custom resources across namespaces with a label selector', async () => {
    await custom.createNamespacedCustomObject({ ...SPARK, namespace: 'other', body: sparkApp('elsewhere') });
    const list = await custom.listClusterCustomObject({ ...SPARK, labelSelector: 'flyte.org/task=spark' });
    expect(list.kind).toBe('SparkApplicationList');
    expect(
      list.items.map((i: { metadata: { namespace: string; name: string } }) => `${i.metadata.namespace}/${i.metadata.name}`),
    ).toContain('other/elsewhere');
    expect(list.items[0].kind).toBe('SparkApplication');
  });

  it('accepts a valid PyTorchJob, with int-or-string quantities given either way', async () => {
    const worker = replica(2, { resources: { limits: { cpu: 1, memory: '1Gi' }, requests: { cpu: '500m' } } });
    const created = await custom.createNamespacedCustomObject({ ...PYTORCH, namespace: 'torch', body: pytorchJob('pt1', worker) });
    expect(created.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].resources).toEqual({
      limits: { cpu: 1, memory: '1Gi' },
      requests: { cpu: '500m' },
    });
  });

  it('rejects an invalid PyTorchJob with 422 naming the field', async () => {
    const status = await failureOf(
      custom.createNamespacedCustomObject({ ...PYTORCH, namespace: 'torch', body: pytorchJob('pt-bad', replica('two')) }),
    );
    expect(status).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(status.details?.causes).toEqual([
      {
        reason: 'FieldValueTypeInvalid',
        message: 'Invalid value: "string": spec.pytorchReplicaSpecs.Worker.replicas in body must be of type integer: "string"',
        field: 'spec.pytorchReplicaSpecs.Worker.replicas',
      },
    ]);
    const badQuantity = await failureOf(
      custom.createNamespacedCustomObject({
        ...PYTORCH,
        namespace: 'torch',
        body: pytorchJob('pt-q', replica(1, { resources: { limits: { cpu: 'lots' } } })),
      }),
    );
    expect(badQuantity.details?.causes?.map((c) => c.field)).toEqual([
      'spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].resources.limits.cpu',
    ]);
    const noContainers = await failureOf(
      custom.createNamespacedCustomObject({
        ...PYTORCH,
        namespace: 'torch',
        body: pytorchJob('pt-c', { replicas: 1, template: { spec: {} } }),
      }),
    );
    expect(noContainers.details?.causes).toEqual([
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.pytorchReplicaSpecs.Worker.template.spec.containers' },
    ]);
  });

  it('enforces the CRD immutability rule on the scheduling queue', async () => {
    const created = await custom.createNamespacedCustomObject({
      ...PYTORCH,
      namespace: 'torch',
      body: pytorchJob('pt-q1', replica(1), { runPolicy: { schedulingPolicy: { queue: 'a' } } }),
    });
    const moved = { ...created, spec: { ...created.spec, runPolicy: { schedulingPolicy: { queue: 'b' } } } };
    expect(
      await failureOf(custom.replaceNamespacedCustomObject({ ...PYTORCH, namespace: 'torch', name: 'pt-q1', body: moved })),
    ).toMatchObject({
      code: 422,
      details: {
        causes: [
          {
            field: 'spec.runPolicy.schedulingPolicy.queue',
            message: 'Invalid value: "string": spec.runPolicy.schedulingPolicy.queue is immutable',
          },
        ],
      },
    });
  });

  it('lets tests set a custom resource status directly, as an operator would', async () => {
    await custom.createNamespacedCustomObject({ ...SPARK, namespace: 'spark', body: sparkApp('driven') });
    server.setStatus(
      { group: 'sparkoperator.k8s.io', resource: 'sparkapplications', namespace: 'spark', name: 'driven' },
      { applicationState: { state: 'FAILED', errorMessage: 'driver OOM' } },
    );
    const read = await custom.getNamespacedCustomObject({ ...SPARK, namespace: 'spark', name: 'driven' });
    expect(read.status.applicationState).toEqual({ state: 'FAILED', errorMessage: 'driver OOM' });
  });
});

describe('CRDs registered over the API', () => {
  it('serves a CRD created through ApiextensionsV1Api and stops serving it when the CRD is deleted', async () => {
    const server = await startKubeApiServer();
    try {
      const kc = server.kubeConfig();
      const crd = await kc.makeApiClient(ApiextensionsV1Api).createCustomResourceDefinition({
        body: {
          metadata: { name: 'widgets.example.com' },
          spec: {
            group: 'example.com',
            scope: 'Namespaced',
            names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
            versions: [
              {
                name: 'v1',
                served: true,
                storage: true,
                schema: {
                  openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } },
                },
              },
            ],
          },
        },
      });
      expect(crd.status?.conditions?.map((c) => c.type)).toContain('Established');
      const custom = kc.makeApiClient(CustomObjectsApi);
      const widget = { group: 'example.com', version: 'v1', plural: 'widgets', namespace: 'default' };
      await custom.createNamespacedCustomObject({
        ...widget,
        body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3 } },
      });
      expect(
        await failureOf(
          custom.createNamespacedCustomObject({
            ...widget,
            body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' }, spec: { size: 'big' } },
          }),
        ),
      ).toMatchObject({ code: 422 });

      await kc.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: 'widgets.example.com' });
      expect(await failureOf(custom.getNamespacedCustomObject({ ...widget, name: 'w' }))).toMatchObject({
        code: 404,
        message: 'the server could not find the requested resource',
      });
    } finally {
      await server.close();
    }
  });

  it('rejects a CRD without a storage version', () => {
    return startKubeApiServer().then(async (server) => {
      try {
        expect(() =>
          server.registerCrd({
            apiVersion: 'apiextensions.k8s.io/v1',
            kind: 'CustomResourceDefinition',
            metadata: { name: 'things.example.com' },
            spec: {
              group: 'example.com',
              scope: 'Cluster',
              names: { plural: 'things', kind: 'Thing' },
              versions: [{ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } }],
            },
          }),
        ).toThrow(/must have exactly one version marked as storage version/);
      } finally {
        await server.close();
      }
    });
  });
});
