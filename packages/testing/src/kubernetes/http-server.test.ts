import {
  ApiException,
  CoreV1Api,
  type CoreV1Event,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
  type V1PodTemplate,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type KubeStatus, type KubeTestServer, startKubeApiServer } from './index.ts';

let server: KubeTestServer;
let core: CoreV1Api;

beforeAll(async () => {
  server = await startKubeApiServer();
  core = server.kubeConfig().makeApiClient(CoreV1Api);
});
afterAll(() => server.close());

async function failureOf(call: Promise<unknown>): Promise<KubeStatus> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) return JSON.parse(error.body as string) as KubeStatus;
    throw error;
  }
  throw new Error('expected the API call to fail');
}

function pod(name: string, extra: { labels?: Record<string, string>; finalizers?: string[]; command?: string[] } = {}): V1Pod {
  return {
    metadata: { name, labels: extra.labels, finalizers: extra.finalizers },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: extra.command ?? ['sh', '-c', 'true'] }], restartPolicy: 'Never' },
  };
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('pods through the real CoreV1Api client', () => {
  it('creates a pod with server-set metadata, defaults and a Pending status, and reads it back', async () => {
    const created = await core.createNamespacedPod({ namespace: 'crud', body: pod('p1') });
    expect(created.metadata).toMatchObject({ name: 'p1', namespace: 'crud', generation: 1 });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.spec).toMatchObject({
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
    });
    expect(created.spec?.containers[0]).toMatchObject({ imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File' });
    expect(created.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });

    const read = await core.readNamespacedPod({ namespace: 'crud', name: 'p1' });
    expect(read.metadata?.uid).toBe(created.metadata?.uid);
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
  });

  it('creates the namespace on first use', async () => {
    await core.createNamespacedPod({ namespace: 'fresh-ns', body: pod('p') });
    const ns = await core.readNamespace({ name: 'fresh-ns' });
    expect(ns.status?.phase).toBe('Active');
  });

  it('names a pod from generateName', async () => {
    const created = await core.createNamespacedPod({ namespace: 'crud', body: { ...pod(''), metadata: { generateName: 'job-' } } });
    expect(created.metadata?.name).toMatch(/^job-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('validates but does not store a dry-run create', async () => {
    const dry = await core.createNamespacedPod({ namespace: 'crud', body: pod('dry'), dryRun: 'All' });
    expect(dry.metadata?.name).toBe('dry');
    expect(await failureOf(core.readNamespacedPod({ namespace: 'crud', name: 'dry' }))).toMatchObject({ code: 404 });
  });

  it('answers a duplicate create with 409 AlreadyExists and a missing pod with 404 NotFound', async () => {
    await core.createNamespacedPod({ namespace: 'crud', body: pod('dup') });
    expect(await failureOf(core.createNamespacedPod({ namespace: 'crud', body: pod('dup') }))).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "dup" already exists',
      reason: 'AlreadyExists',
      details: { name: 'dup', kind: 'pods' },
      code: 409,
    });
    expect(await failureOf(core.readNamespacedPod({ namespace: 'crud', name: 'nope' }))).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'pods "nope" not found',
      details: { name: 'nope', kind: 'pods' },
    });
  });

  it('rejects structurally invalid pods with 422 Invalid, one cause per field', async () => {
    const noContainers = await failureOf(
      core.createNamespacedPod({ namespace: 'crud', body: { metadata: { name: 'bad' }, spec: { containers: [] } } }),
    );
    expect(noContainers).toMatchObject({ code: 422, reason: 'Invalid', message: 'Pod "bad" is invalid: spec.containers: Required value' });

    const badContainers = await failureOf(
      core.createNamespacedPod({
        namespace: 'crud',
        body: {
          metadata: { name: 'Bad_Name' },
          spec: {
            containers: [
              { name: 'Main', image: '' },
              { name: 'x', image: 'i', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } },
            ],
          },
        },
      }),
    );
    expect(badContainers.details?.causes?.map((c) => [c.field, c.reason])).toEqual([
      ['metadata.name', 'FieldValueInvalid'],
      ['spec.containers[0].name', 'FieldValueInvalid'],
      ['spec.containers[0].image', 'FieldValueRequired'],
      ['spec.containers[1].resources.requests', 'FieldValueInvalid'],
    ]);
  });

  it('rejects pods a real API server refuses: bad volume, mount, env and secret names, a second mount at one path', async () => {
    const refused = await failureOf(
      core.createNamespacedPod({
        namespace: 'crud',
        body: {
          metadata: { name: 'mounts', labels: { 'bad label': 'x' } },
          spec: {
            volumes: [
              { name: 'shm', emptyDir: { medium: 'Memory' } },
              { name: 'shm', emptyDir: {} },
              { name: 'Creds', secret: { secretName: 'My_Secret', items: [{ key: 'a/b', path: 'a' }] } },
            ],
            containers: [
              {
                name: 'main',
                image: 'busybox:1.36',
                volumeMounts: [
                  { name: 'shm', mountPath: '/dev/shm' },
                  { name: 'shm', mountPath: '/dev/shm' },
                  { name: 'missing', mountPath: '/data' },
                ],
                env: [
                  { name: '1TOKEN', value: 'x' },
                  { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'aws.Creds', key: 'key with space' } } },
                ],
              },
              { name: 'main', image: 'busybox:1.36' },
            ],
          },
        },
      }),
    );
    expect(refused).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(refused.details?.causes?.map((c) => [c.field, c.reason])).toEqual([
      ['metadata.labels', 'FieldValueInvalid'],
      ['spec.volumes[1].name', 'FieldValueDuplicate'],
      ['spec.volumes[2].name', 'FieldValueInvalid'],
      ['spec.volumes[2].secret.secretName', 'FieldValueInvalid'],
      ['spec.volumes[2].secret.items[0].key', 'FieldValueInvalid'],
      ['spec.containers[0].env[0].name', 'FieldValueInvalid'],
      ['spec.containers[0].env[1].valueFrom.secretKeyRef.name', 'FieldValueInvalid'],
      ['spec.containers[0].env[1].valueFrom.secretKeyRef.key', 'FieldValueInvalid'],
      ['spec.containers[0].volumeMounts[1].mountPath', 'FieldValueInvalid'],
      ['spec.containers[0].volumeMounts[2].name', 'FieldValueNotFound'],
      ['spec.containers[1].name', 'FieldValueDuplicate'],
    ]);
    expect(refused.details?.causes?.find((c) => c.field === 'spec.containers[0].volumeMounts[1].mountPath')?.message).toBe(
      'Invalid value: "/dev/shm": must be unique',
    );
    expect(await failureOf(core.readNamespacedPod({ namespace: 'crud', name: 'mounts' }))).toMatchObject({ code: 404 });
  });

  it('accepts a pod with valid volumes, mounts, env names and secret references', async () => {
    const created = await core.createNamespacedPod({
      namespace: 'crud',
      body: {
        metadata: { name: 'mounts-ok', labels: { 'example.com/team': 'ml_1' } },
        spec: {
          volumes: [
            { name: 'shm', emptyDir: { medium: 'Memory' } },
            { name: 'secret-aws', secret: { secretName: 'aws.creds', items: [{ key: 'token.v1', path: 'token' }] } },
          ],
          containers: [
            {
              name: 'main',
              image: 'busybox:1.36',
              volumeMounts: [
                { name: 'shm', mountPath: '/dev/shm' },
                { name: 'secret-aws', mountPath: '/etc/flyte/secrets/aws' },
              ],
              env: [
                { name: 'my.env-name', value: '1' },
                { name: '_FSEC_AWS_TOKEN', valueFrom: { secretKeyRef: { name: 'aws.creds', key: 'token.v1' } } },
              ],
            },
          ],
        },
      },
    });
    expect(created.metadata?.name).toBe('mounts-ok');
  });

  it('lists with label selectors (equality and set-based) and field selectors, returning the list resourceVersion', async () => {
    await core.createNamespacedPod({ namespace: 'sel', body: pod('web-1', { labels: { app: 'web', tier: 'front' } }) });
    await core.createNamespacedPod({ namespace: 'sel', body: pod('web-2', { labels: { app: 'web' } }) });
    await core.createNamespacedPod({ namespace: 'sel', body: pod('db-1', { labels: { app: 'db' } }) });
    server.setPodStatus('sel', 'db-1', { phase: 'Running' });
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await core.listNamespacedPod({ namespace: 'sel', labelSelector, fieldSelector })).items.map((p) => p.metadata?.name);

    expect(await names('app=web')).toEqual(['web-1', 'web-2']);
    expect(await names('app in (web,db),!tier')).toEqual(['db-1', 'web-2']);
    expect(await names(undefined, 'metadata.name=web-2')).toEqual(['web-2']);
    expect(await names(undefined, 'status.phase=Running')).toEqual(['db-1']);
    expect(await names('app=web', 'status.phase!=Running')).toEqual(['web-1', 'web-2']);
    const list = await core.listNamespacedPod({ namespace: 'sel' });
    expect(list.metadata?.resourceVersion).toBe(server.resourceVersion);
    expect(await failureOf(core.listNamespacedPod({ namespace: 'sel', fieldSelector: 'spec.bogus=1' }))).toMatchObject({
      code: 400,
      reason: 'BadRequest',
    });
    const everywhere = await core.listPodForAllNamespaces({ labelSelector: 'app=db' });
    expect(everywhere.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toEqual(['sel/db-1']);
  });

  it('pages a list with limit and continue', async () => {
    for (const n of ['a', 'b', 'c']) await core.createNamespacedPod({ namespace: 'paging', body: pod(n) });
    const first = await core.listNamespacedPod({ namespace: 'paging', limit: 2 });
    expect(first.items.map((p) => p.metadata?.name)).toEqual(['a', 'b']);
    expect(first.metadata?.remainingItemCount).toBe(1);
    const rest = await core.listNamespacedPod({ namespace: 'paging', limit: 2, _continue: first.metadata?._continue });
    expect(rest.items.map((p) => p.metadata?.name)).toEqual(['c']);
    expect(rest.metadata?._continue).toBeUndefined();
  });

  it('updates with optimistic concurrency: a stale resourceVersion gets 409 Conflict', async () => {
    const created = await core.createNamespacedPod({ namespace: 'upd', body: pod('p') });
    const updated = await core.replaceNamespacedPod({
      namespace: 'upd',
      name: 'p',
      body: { ...created, metadata: { ...created.metadata, labels: { v: '2' } } },
    });
    expect(updated.metadata?.labels).toEqual({ v: '2' });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));

    const stale = await failureOf(
      core.replaceNamespacedPod({
        namespace: 'upd',
        name: 'p',
        body: { ...created, metadata: { ...created.metadata, labels: { v: '3' } } },
      }),
    );
    expect(stale).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on pods "p": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('does not write an update that changes nothing, so the resourceVersion stays', async () => {
    const created = await core.createNamespacedPod({ namespace: 'upd', body: pod('same') });
    const again = await core.replaceNamespacedPod({ namespace: 'upd', name: 'same', body: created });
    expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
  });

  it('forbids changing immutable pod spec fields but allows the container image', async () => {
    const created = await core.createNamespacedPod({ namespace: 'upd', body: pod('imm') });
    const newCommand = { ...created, spec: { ...created.spec!, containers: [{ ...created.spec!.containers[0]!, command: ['other'] }] } };
    expect(await failureOf(core.replaceNamespacedPod({ namespace: 'upd', name: 'imm', body: newCommand }))).toMatchObject({
      code: 422,
      details: { causes: [{ field: 'spec', reason: 'FieldValueForbidden' }] },
    });
    const newImage = { ...created, spec: { ...created.spec!, containers: [{ ...created.spec!.containers[0]!, image: 'busybox:1.37' }] } };
    const updated = await core.replaceNamespacedPod({ namespace: 'upd', name: 'imm', body: newImage });
    expect(updated.spec?.containers[0]?.image).toBe('busybox:1.37');
  });

  it('patches with merge patch, JSON patch and strategic merge patch (applied as a merge patch)', async () => {
    await core.createNamespacedPod({ namespace: 'patch', body: pod('p', { labels: { a: '1', b: '2' } }) });
    const merged = await core.patchNamespacedPod(
      { namespace: 'patch', name: 'p', body: { metadata: { labels: { a: null, c: '3' } } } },
      merge,
    );
    expect(merged.metadata?.labels).toEqual({ b: '2', c: '3' });

    const jsonPatched = await core.patchNamespacedPod({
      namespace: 'patch',
      name: 'p',
      body: [{ op: 'add', path: '/metadata/annotations', value: { note: 'x' } }],
    });
    expect(jsonPatched.metadata?.annotations).toEqual({ note: 'x' });

    const strategic = await core.patchNamespacedPod(
      { namespace: 'patch', name: 'p', body: { metadata: { labels: { d: '4' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.metadata?.labels).toEqual({ b: '2', c: '3', d: '4' });

    expect(
      await failureOf(
        core.patchNamespacedPod({ namespace: 'patch', name: 'p', body: [{ op: 'test', path: '/metadata/labels/b', value: 'no' }] }),
      ),
    ).toMatchObject({ code: 422 });
    const stalePatch = { metadata: { resourceVersion: '1', labels: { e: '5' } } };
    expect(await failureOf(core.patchNamespacedPod({ namespace: 'patch', name: 'p', body: stalePatch }, merge))).toMatchObject({
      code: 409,
      reason: 'Conflict',
    });
  });

  it('changes only status through the status subresource, and ignores status on the main resource', async () => {
    const created = await core.createNamespacedPod({ namespace: 'status', body: pod('p') });
    const viaMain = await core.replaceNamespacedPod({
      namespace: 'status',
      name: 'p',
      body: { ...created, metadata: { ...created.metadata, labels: { x: 'y' } }, status: { phase: 'Running' } },
    });
    expect(viaMain.status?.phase).toBe('Pending');
    expect(viaMain.metadata?.labels).toEqual({ x: 'y' });

    const viaStatus = await core.replaceNamespacedPodStatus({
      namespace: 'status',
      name: 'p',
      body: { ...viaMain, metadata: { ...viaMain.metadata, labels: { ignored: 'yes' } }, status: { phase: 'Running' } },
    });
    expect(viaStatus.status?.phase).toBe('Running');
    expect(viaStatus.metadata?.labels).toEqual({ x: 'y' });

    const patched = await core.patchNamespacedPodStatus(
      { namespace: 'status', name: 'p', body: { status: { phase: 'Succeeded' } } },
      merge,
    );
    expect(patched.status?.phase).toBe('Succeeded');
    expect(
      await failureOf(core.patchNamespacedPodStatus({ namespace: 'status', name: 'p', body: { status: { phase: 'Done' } } }, merge)),
    ).toMatchObject({
      code: 422,
      details: { causes: [{ field: 'status.phase', reason: 'FieldValueNotSupported' }] },
    });
  });

  it('deletes an unscheduled pod at once, returning it, and then answers 404', async () => {
    await core.createNamespacedPod({ namespace: 'del', body: pod('p') });
    const deleted = await core.deleteNamespacedPod({ namespace: 'del', name: 'p' });
    expect(deleted.metadata?.name).toBe('p');
    expect(await failureOf(core.readNamespacedPod({ namespace: 'del', name: 'p' }))).toMatchObject({ code: 404 });
    expect(await failureOf(core.deleteNamespacedPod({ namespace: 'del', name: 'p' }))).toMatchObject({ code: 404 });
  });

  it('holds a pod with finalizers under a deletionTimestamp until the last finalizer is removed', async () => {
    await core.createNamespacedPod({ namespace: 'del', body: pod('fin', { finalizers: ['flyte.org/finalizer-k8s'] }) });
    const deleting = await core.deleteNamespacedPod({ namespace: 'del', name: 'fin' });
    expect(deleting.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const still = await core.readNamespacedPod({ namespace: 'del', name: 'fin' });
    expect(still.metadata?.finalizers).toEqual(['flyte.org/finalizer-k8s']);

    expect(
      await failureOf(
        core.patchNamespacedPod(
          { namespace: 'del', name: 'fin', body: { metadata: { finalizers: ['flyte.org/finalizer-k8s', 'new/one'] } } },
          merge,
        ),
      ),
    ).toMatchObject({ code: 422 });
    await core.patchNamespacedPod({ namespace: 'del', name: 'fin', body: { metadata: { finalizers: null } } }, merge);
    expect(await failureOf(core.readNamespacedPod({ namespace: 'del', name: 'fin' }))).toMatchObject({ code: 404 });
  });

  it('checks delete preconditions', async () => {
    await core.createNamespacedPod({ namespace: 'del', body: pod('pre') });
    expect(
      await failureOf(core.deleteNamespacedPod({ namespace: 'del', name: 'pre', body: { preconditions: { uid: 'someone-else' } } })),
    ).toMatchObject({ code: 409, reason: 'Conflict' });
  });

  it('deletes a collection by label selector', async () => {
    await core.createNamespacedPod({ namespace: 'coll', body: pod('a', { labels: { batch: '1' } }) });
    await core.createNamespacedPod({ namespace: 'coll', body: pod('b', { labels: { batch: '1' } }) });
    await core.createNamespacedPod({ namespace: 'coll', body: pod('c', { labels: { batch: '2' } }) });
    await core.deleteCollectionNamespacedPod({ namespace: 'coll', labelSelector: 'batch=1' });
    expect((await core.listNamespacedPod({ namespace: 'coll' })).items.map((p) => p.metadata?.name)).toEqual(['c']);
  });

  it('deletes the contents of a namespace with it', async () => {
    await core.createNamespacedPod({ namespace: 'doomed', body: pod('p') });
    await core.deleteNamespace({ name: 'doomed' });
    expect(await failureOf(core.readNamespacedPod({ namespace: 'doomed', name: 'p' }))).toMatchObject({ code: 404 });
  });

  it('answers log requests for containers that have not started, or without a needed container name, with 400', async () => {
    await core.createNamespacedPod({ namespace: 'logs', body: pod('p') });
    expect(await failureOf(core.readNamespacedPodLog({ namespace: 'logs', name: 'p' }))).toMatchObject({
      code: 400,
      message: 'container "main" in pod "p" is waiting to start: ContainerCreating',
    });
    const two = pod('two');
    two.spec!.containers.push({ name: 'side', image: 'busybox' });
    await core.createNamespacedPod({ namespace: 'logs', body: two });
    expect(await failureOf(core.readNamespacedPodLog({ namespace: 'logs', name: 'two' }))).toMatchObject({
      code: 400,
      message: 'a container name must be specified for pod two, choose one of: [main side]',
    });
  });

  it('serves discovery for core/v1 so generic clients can map kinds to resources', async () => {
    const resources = await core.getAPIResources();
    expect(resources.resources.map((r) => r.name)).toEqual(
      expect.arrayContaining(['pods', 'pods/status', 'pods/log', 'namespaces', 'events', 'podtemplates']),
    );
  });

  it('requires the bearer token', async () => {
    const stranger = new KubeConfig();
    stranger.loadFromOptions({
      clusters: [{ name: 'c', server: server.url, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'wrong' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    await expect(stranger.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default' })).rejects.toMatchObject({ code: 401 });
  });

  it('answers 404 for paths it does not serve and 413 for oversized bodies', async () => {
    const headers = { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' };
    const unknown = await fetch(`${server.url}/apis/nothing.example.com/v1/namespaces/x/things`, { headers });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ kind: 'Status', reason: 'NotFound' });
    const huge = await fetch(`${server.url}/api/v1/namespaces/x/pods`, { method: 'POST', headers, body: 'x'.repeat(3 * 1024 * 1024 + 1) });
    expect(huge.status).toBe(413);
  });

  it('fails requests on demand with an injected Status', async () => {
    server.injectFault({ method: 'POST', path: '/api/v1/namespaces/quota/pods', code: 403, message: 'exceeded quota: compute-resources' });
    expect(await failureOf(core.createNamespacedPod({ namespace: 'quota', body: pod('p') }))).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'exceeded quota: compute-resources',
    });
    await core.createNamespacedPod({ namespace: 'quota', body: pod('p') });
    expect(server.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/namespaces/quota/pods')).toHaveLength(2);
  });
});

function podTemplate(name: string, containers = [{ name: 'default', image: 'docker.io/rwgrim/docker-noop' }]): V1PodTemplate {
  return { metadata: { name }, template: { metadata: { labels: { base: 'yes' } }, spec: { containers } } };
}

describe('pod templates through the real CoreV1Api client', () => {
  it('creates, reads, lists, watches and deletes PodTemplates', async () => {
    const seen: string[] = [];
    const watch = await new Watch(server.kubeConfig()).watch(
      '/api/v1/namespaces/templates/podtemplates',
      { resourceVersion: server.resourceVersion },
      (type, obj: V1PodTemplate) => {
        seen.push(`${type} ${obj.metadata?.name}`);
      },
      () => {},
    );
    const created = await core.createNamespacedPodTemplate({ namespace: 'templates', body: podTemplate('gpu') });
    expect(created.metadata).toMatchObject({ name: 'gpu', namespace: 'templates' });
    expect((await core.readNamespacedPodTemplate({ namespace: 'templates', name: 'gpu' })).template?.spec?.containers[0]?.name).toBe(
      'default',
    );
    expect((await core.listNamespacedPodTemplate({ namespace: 'templates' })).items.map((t) => t.metadata?.name)).toEqual(['gpu']);
    await core.deleteNamespacedPodTemplate({ namespace: 'templates', name: 'gpu' });
    expect(await failureOf(core.readNamespacedPodTemplate({ namespace: 'templates', name: 'gpu' }))).toMatchObject({
      code: 404,
      reason: 'NotFound',
    });
    await vi.waitFor(() => expect(seen).toEqual(['ADDED gpu', 'DELETED gpu']));
    watch.abort();
  });

  it('rejects a PodTemplate whose template has no containers, or a container without an image, with 422', async () => {
    expect(await failureOf(core.createNamespacedPodTemplate({ namespace: 'templates', body: podTemplate('empty', []) }))).toMatchObject({
      code: 422,
      details: { causes: [{ field: 'template.spec.containers', reason: 'FieldValueRequired' }] },
    });
    const noImage = podTemplate('no-image', [{ name: 'default' } as { name: string; image: string }]);
    expect(await failureOf(core.createNamespacedPodTemplate({ namespace: 'templates', body: noImage }))).toMatchObject({
      code: 422,
      details: { causes: [{ field: 'template.spec.containers[0].image', reason: 'FieldValueRequired' }] },
    });
  });
});

describe('events through the real CoreV1Api client', () => {
  it('watches the events of one kind of object with a field selector on involvedObject', async () => {
    const seen: string[] = [];
    const watch = await new Watch(server.kubeConfig()).watch(
      '/api/v1/namespaces/evs/events',
      { fieldSelector: 'involvedObject.kind=Pod', resourceVersion: server.resourceVersion },
      (type, e: CoreV1Event) => {
        seen.push(`${type} ${e.involvedObject.name} ${e.reason}`);
      },
      () => {},
    );
    const event = (name: string, kind: string, reason: string): CoreV1Event => ({
      metadata: { name },
      involvedObject: { kind, name: `${kind.toLowerCase()}-a` },
      reason,
      type: 'Warning',
      message: reason,
    });
    await core.createNamespacedEvent({ namespace: 'evs', body: event('e1', 'Pod', 'FailedScheduling') });
    await core.createNamespacedEvent({ namespace: 'evs', body: event('e2', 'Job', 'BackoffLimitExceeded') });
    await core.createNamespacedEvent({ namespace: 'evs', body: event('e3', 'Pod', 'FailedMount') });
    await vi.waitFor(() => expect(seen).toEqual(['ADDED pod-a FailedScheduling', 'ADDED pod-a FailedMount']));
    watch.abort();
  });
});
