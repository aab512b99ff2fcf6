/**
 * kubernetesPod() through the executor and the real client against the test API server: the
 * attempt lifecycle on every path (success, failure, abort, timeout, a pod deleted by someone else),
 * grace periods, the create-error table, shared watches, log links and object-store prefixes.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { create, toBinary } from '@bufbuild/protobuf';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { CancelledError, createExecutor, type ExecutorEvent, openStateStore, type TaskStatus, TaskTimeoutError } from '@tflyte/core';
import { ContainerError_Kind, ErrorDocumentSchema } from '@tflyte/idl/core/errors';
import { ExecutionError_ErrorKind, TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { createFakeClock, primitiveValues, testAttemptContext, testLiteralMap } from '@tflyte/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createKubeClient } from '../kube/kube-client.ts';
import { type PodCluster, startPodCluster } from '../test-fixtures/cluster.ts';
import { containerTemplate } from '../test-fixtures/templates.ts';
import { kubernetesPod } from './kubernetes-pod.ts';

const NODE = fileURLToPath(new URL('../../../../node_modules/.bin/node', import.meta.url));
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const ago = (ms: number) => new Date(Date.now() - ms).toISOString().replace(/\.\d+Z$/, 'Z');
const succeeded = (main: string) => ({
  phase: 'Succeeded',
  containerStatuses: [
    {
      name: main,
      ready: false,
      restartCount: 0,
      image: 'busybox',
      imageID: '',
      state: { terminated: { exitCode: 0, reason: 'Completed' } },
    },
  ],
});
const phases = (events: readonly ExecutorEvent[]) => events.flatMap((e) => (e.type === 'status-changed' ? [e.phaseName] : []));

let cluster: PodCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('kubernetesPod: a pod per attempt, run by the node', () => {
  it('runs a container to success and deletes its pod afterwards', async () => {
    cluster = await startPodCluster({ server: { node: true } });
    const outputs = await cluster.executor.run(containerTemplate({ command: ['sh', '-c', 'echo hello'] }), testLiteralMap({}));
    expect(outputs.literals).toEqual({});
    expect(phases(cluster.events)).toContain('SUCCEEDED');
    await vi.waitFor(async () => expect(await cluster!.podNames()).toEqual([]));
  });

  it('fails with a retryable USER error when the primary exits non-zero, retrying with a new pod per attempt', async () => {
    cluster = await startPodCluster({ server: { node: true } });
    const run = cluster.executor.run(
      containerTemplate({ command: ['sh', '-c', 'echo broken >&2; exit 3'], retries: 1 }),
      testLiteralMap({}),
      { runId: 'exit3' },
    );
    await expect(run).rejects.toMatchObject({ failure: { kind: 'user', code: 'Error' }, attempts: 2 });
    const created = cluster.events
      .filter((e) => e.type === 'attempt-created')
      .map((e) => (e.type === 'attempt-created' ? e.generatedName : ''));
    expect(created).toEqual(['exit3-n0-0', 'exit3-n0-1']);
    await vi.waitFor(async () => expect(await cluster!.podNames()).toEqual([]));
  });

  it('names pods as the API server requires for any run and node id, hashing long names to 50 characters', async () => {
    cluster = await startPodCluster({ server: { node: true } });
    await cluster.executor.run(containerTemplate(), testLiteralMap({}), {
      runId: 'Nightly_Run.2026-01-01.With.A.Rather.Long.Name',
      nodeId: 'Stage/7',
    });
    const pod = await cluster.createdPod();
    expect(pod).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(pod.length).toBeLessThanOrEqual(50);
  });

  it('renders {{.input}} and {{.outputPrefix}}, and copies them through an object-store prefix', async () => {
    const objects = await mkdtemp(join(tmpdir(), 'tflyte-objects-'));
    try {
      cluster = await startPodCluster({ server: { node: true }, pod: { objectStore: pathToFileURL(objects).href } });
      // The task's outputs are its inputs: the pod copies inputs.pb to outputs.pb.
      const template = containerTemplate({
        inputs: { x: 'integer' },
        outputs: { x: 'integer' },
        command: ['sh', '-c', 'cp "${0#file://}" "${1#file://}/outputs.pb"', '{{.input}}', '{{ .OutputPrefix }}'],
      });
      const outputs = await cluster.executor.run(template, testLiteralMap({ x: 42n }), { runId: 'copy' });
      expect(primitiveValues(outputs)).toEqual({ x: 42n });
      // The pod worked on the object store, not on the executor's attempt directory.
      expect(await readFile(join(objects, 'copy', 'n0', '0', 'outputs.pb'))).toBeInstanceOf(Buffer);
    } finally {
      await rm(objects, { recursive: true, force: true });
    }
  });

  it('turns a success that left error.pb into the failure the error document describes', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'tflyte-errdoc-'));
    try {
      const doc = create(ErrorDocumentSchema, {
        error: {
          code: 'USER:ValueError',
          message: 'bad value',
          kind: ContainerError_Kind.NON_RECOVERABLE,
          origin: ExecutionError_ErrorKind.USER,
        },
      });
      await writeFile(join(scratch, 'error.pb'), toBinary(ErrorDocumentSchema, doc));
      cluster = await startPodCluster({ server: { node: true } });
      const template = containerTemplate({
        command: ['sh', '-c', `cp ${join(scratch, 'error.pb')} "\${0#file://}/error.pb"`, '{{.outputPrefix}}'],
      });
      await expect(cluster.executor.run(template, testLiteralMap({}))).rejects.toMatchObject({
        failure: { kind: 'user', code: 'USER:ValueError', retryable: false },
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

describe('kubernetesPod: attempts whose pods are driven by hand', () => {
  it('deletes the pod when the run is cancelled', async () => {
    cluster = await startPodCluster();
    const controller = new AbortController();
    const run = cluster.executor.run(containerTemplate(), testLiteralMap({}), { signal: controller.signal });
    const pod = await cluster.createdPod();
    cluster.server.setPodStatus(cluster.namespace, pod, {
      phase: 'Running',
      containerStatuses: [
        { name: pod, ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: { startedAt: ago(0) } } },
      ],
    });
    await cluster.waitForEvent((e) => e.type === 'status-changed' && e.phaseName === 'RUNNING');
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(await cluster.podNames()).toEqual([]);
  });

  it('deletes the pod of an attempt that ran past the task timeout', async () => {
    cluster = await startPodCluster();
    const run = cluster.executor.run(containerTemplate({ timeoutMs: 200 }), testLiteralMap({}));
    await expect(run).rejects.toBeInstanceOf(TaskTimeoutError);
    expect(await cluster.podNames()).toEqual([]);
  });

  it('fails with a SYSTEM retryable ResourceDeletedExternally when the pod vanishes while running, and retries', async () => {
    cluster = await startPodCluster({ executor: { systemRetries: 1 } });
    const run = cluster.executor.run(containerTemplate(), testLiteralMap({}), { runId: 'vanish' });
    const first = await cluster.createdPod(0);
    await cluster.core.deleteNamespacedPod({ namespace: cluster.namespace, name: first });
    const second = await cluster.createdPod(1);
    cluster.server.setPodStatus(cluster.namespace, second, succeeded(second));
    await run;
    expect(cluster.events.find((e) => e.type === 'attempt-failed')).toMatchObject({
      kind: 'system',
      code: 'ResourceDeletedExternally',
      retryable: true,
    });
  });

  it('fails with UnexpectedObjectDeletion when someone else starts deleting the pod', async () => {
    cluster = await startPodCluster();
    const run = cluster.executor.run(containerTemplate(), testLiteralMap({}));
    const pod = await cluster.createdPod();
    const { core, namespace } = cluster;
    await core.patchNamespacedPod({ namespace, name: pod, body: { metadata: { finalizers: ['example.com/hold'] } } }, merge);
    await core.deleteNamespacedPod({ namespace, name: pod });
    await expect(run).rejects.toMatchObject({ failure: { kind: 'system', code: 'UnexpectedObjectDeletion' } });
    await core.patchNamespacedPod({ namespace, name: pod, body: { metadata: { finalizers: null } } }, merge);
    await vi.waitFor(async () => expect(await cluster!.podNames()).toEqual([]));
  });

  it("waits out the image-pull grace period on the executor's clock, then fails the attempt without another status change", async () => {
    // The default grace period is 3 minutes: only the executor's (fake) clock can end it within the test.
    const clock = createFakeClock({ now: Date.now() });
    cluster = await startPodCluster({ executor: { clock } });
    const run = cluster.executor.run(containerTemplate(), testLiteralMap({}), { runId: 'pull' });
    const pod = await cluster.createdPod();
    await cluster.waitForEvent((e) => e.type === 'status-changed' && e.phaseName === 'QUEUED');
    cluster.server.setPodStatus(cluster.namespace, pod, {
      phase: 'Pending',
      conditions: [
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: new Date(clock.now()).toISOString() },
      ],
      containerStatuses: [
        {
          name: pod,
          ready: false,
          restartCount: 0,
          image: 'busybox',
          imageID: '',
          state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "busybox"' } },
        },
      ],
    });
    await cluster.waitForEvent((e) => e.type === 'status-changed' && e.phaseName === 'INITIALIZING');
    const failed = expect(run).rejects.toMatchObject({
      failure: { kind: 'user', code: 'ContainersNotReady|ImagePullBackOff', retryable: true },
    });
    await clock.advance(3 * 60_000);
    await failed;
    expect(phases(cluster.events)).toEqual(['QUEUED', 'INITIALIZING', 'RETRYABLE_FAILED']);
    expect((cluster.events.find((e) => e.type === 'attempt-failed') as { message: string }).message).toMatch(
      /^Grace period \[3m0s\] exceeded\|/,
    );
  });

  it('renders log links once the pod is scheduled', async () => {
    cluster = await startPodCluster({
      pod: {
        logLinks: [
          {
            name: 'Logs',
            template: 'https://logs.example/{{ .namespace }}/{{ .podName }}/{{.containerName}}?from={{ .podUnixStartTime }}',
          },
        ],
      },
    });
    const run = cluster.executor.run(containerTemplate(), testLiteralMap({}));
    const pod = await cluster.createdPod();
    const queued = await cluster.waitForEvent((e) => e.type === 'status-changed' && e.phaseName === 'QUEUED');
    expect(queued).toMatchObject({ logs: [] });
    cluster.server.setPodStatus(cluster.namespace, pod, {
      phase: 'Running',
      startTime: '2026-01-01T00:00:00Z',
      containerStatuses: [
        { name: pod, ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: { startedAt: ago(0) } } },
      ],
    });
    const running = await cluster.waitForEvent((e) => e.type === 'status-changed' && e.phaseName === 'RUNNING');
    expect(running.type === 'status-changed' && running.logs).toEqual([
      { name: 'Logs (User)', uri: `https://logs.example/${cluster.namespace}/${pod}/${pod}?from=1767225600` },
    ]);
    cluster.server.setPodStatus(cluster.namespace, pod, succeeded(pod));
    await run;
  });

  it('shares one watch of pods and one of their events among every attempt in the namespace, and closes them when the last ends', async () => {
    cluster = await startPodCluster();
    const { executor, server, namespace } = cluster;
    const runs = Array.from({ length: 20 }, (_, i) => executor.run(containerTemplate(), testLiteralMap({}), { runId: `share${i}` }));
    await vi.waitFor(() => expect(cluster!.events.filter((e) => e.type === 'attempt-created')).toHaveLength(20));
    await vi.waitFor(() => expect(server.openWatches).toBe(2));
    for (let i = 0; i < 20; i++) server.setPodStatus(namespace, `share${i}-n0-0`, succeeded(`share${i}-n0-0`));
    await Promise.all(runs);
    expect(server.requestCounts).toMatchObject({ create: 20, watch: 2, list: 2 });
    expect(server.requests.filter((r) => r.path.endsWith('/events')).map((r) => new URLSearchParams(r.query).get('fieldSelector'))).toEqual(
      ['involvedObject.kind=Pod', 'involvedObject.kind=Pod'],
    );
    expect(server.requestCounts.get ?? 0).toBe(0);
    await vi.waitFor(() => expect(server.openWatches).toBe(0));
  });
});

describe('kubernetesPod: the pod’s Kubernetes Events in its statuses', () => {
  /** Records an event about a pod, as the scheduler or a kubelet would. */
  const recordEvent = (
    c: PodCluster,
    pod: { name: string; uid: string },
    reason: string,
    message: string,
    type: 'Normal' | 'Warning',
    agoMs: number,
  ) =>
    c.core.createNamespacedEvent({
      namespace: c.namespace,
      body: {
        metadata: { name: `${pod.name}.${reason.toLowerCase()}${agoMs}` },
        involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: c.namespace, name: pod.name, uid: pod.uid },
        reason,
        message,
        type,
        lastTimestamp: new Date(Date.now() - agoMs),
      },
    });
  const messages = (c: PodCluster) =>
    c.events.flatMap((e) => (e.type === 'status-changed' ? [`${e.phaseName} ${e.message ?? ''}`.trim()] : []));

  it('adds the latest Warning event to the pending status, until a newer Normal event says the trouble is behind', async () => {
    cluster = await startPodCluster();
    const c = cluster;
    const run = c.executor.run(containerTemplate(), testLiteralMap({}), { runId: 'sched' });
    const name = await c.createdPod();
    await c.waitForEvent((e) => e.type === 'status-changed' && e.phaseName === 'QUEUED');
    const uid = (await c.core.readNamespacedPod({ namespace: c.namespace, name })).metadata!.uid!;

    // Events of an earlier pod of the same name are not this pod's.
    await recordEvent(c, { name, uid: 'an-earlier-pod' }, 'FailedMount', 'not this pod', 'Warning', 0);
    await recordEvent(c, { name, uid }, 'FailedScheduling', '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.', 'Warning', 3000);
    await c.waitForEvent(
      (e) =>
        e.type === 'status-changed' &&
        e.message === 'Scheduling (FailedScheduling: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.)',
    );
    await recordEvent(c, { name, uid }, 'Scheduled', `Successfully assigned ${c.namespace}/${name} to node-1`, 'Normal', 2000);
    await vi.waitFor(() => expect(messages(c).at(-1)).toBe('QUEUED Scheduling'));

    c.server.setPodStatus(c.namespace, name, succeeded(name));
    await run;
    expect(messages(c)).toEqual([
      'QUEUED Scheduling',
      'QUEUED Scheduling (FailedScheduling: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.)',
      'QUEUED Scheduling',
      'SUCCEEDED',
    ]);
  });

  it('keeps the events out of a terminal status: a failure says what the pod says', async () => {
    cluster = await startPodCluster();
    const c = cluster;
    const run = c.executor.run(containerTemplate(), testLiteralMap({}), { runId: 'backoff' });
    const name = await c.createdPod();
    c.server.setPodStatus(c.namespace, name, {
      phase: 'Running',
      containerStatuses: [{ name, ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: { startedAt: ago(0) } } }],
    });
    await c.waitForEvent((e) => e.type === 'status-changed' && e.phaseName === 'RUNNING');
    const uid = (await c.core.readNamespacedPod({ namespace: c.namespace, name })).metadata!.uid!;
    await recordEvent(c, { name, uid }, 'Unhealthy', 'Liveness probe failed', 'Warning', 0);
    await c.waitForEvent(
      (e) => e.type === 'status-changed' && e.phaseName === 'RUNNING' && e.message === 'Unhealthy: Liveness probe failed',
    );
    c.server.setPodStatus(c.namespace, name, {
      phase: 'Failed',
      containerStatuses: [
        { name, ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode: 2, reason: 'Error' } } },
      ],
    });
    await expect(run).rejects.toMatchObject({ failure: { code: 'Error' }, message: expect.not.stringContaining('Liveness') });
  });

  it('opens no events watch with podEvents: false', async () => {
    cluster = await startPodCluster({ pod: { podEvents: false } });
    const c = cluster;
    const run = c.executor.run(containerTemplate(), testLiteralMap({}), { runId: 'quiet' });
    const name = await c.createdPod();
    await vi.waitFor(() => expect(c.server.openWatches).toBe(1));
    c.server.setPodStatus(c.namespace, name, succeeded(name));
    await run;
    expect(c.server.requestCounts).toMatchObject({ watch: 1, list: 1 });
    expect(c.server.requests.filter((r) => r.path.endsWith('/events'))).toEqual([]);
  });
});

describe('kubernetesPod: failed status checks', () => {
  const fastChecks = { statusChecks: { maxFailures: 1, initialMs: 10, maxMs: 20 } };

  it('treats a broken watch as a failed status check: reads the pod with get, watches again, and never creates a second pod', async () => {
    cluster = await startPodCluster({ pod: fastChecks });
    const { server, namespace } = cluster;
    const run = cluster.executor.run(containerTemplate(), testLiteralMap({}), { runId: 'broken' });
    const pod = await cluster.createdPod();
    await cluster.waitForEvent((e) => e.type === 'status-changed' && e.phaseName === 'QUEUED');
    // The watch is cut and the next request for the collection (re-watch or re-list) fails.
    server.injectFault({ method: 'GET', path: `/api/v1/namespaces/${namespace}/pods`, code: 500 });
    server.dropWatches('reset');
    await cluster.waitForEvent((e) => e.type === 'status-check-failed');
    // Watching again: the pods' watch and their events' are both open.
    await vi.waitFor(() => expect(server.openWatches).toBe(2));
    server.setPodStatus(namespace, pod, succeeded(pod));
    await expect(run).resolves.toBeDefined();
    expect(server.requestCounts.get).toBeGreaterThanOrEqual(1);
    expect(server.requestCounts.create).toBe(1);
  });

  it('fails the attempt as a retryable SYSTEM StatusCheckFailed once reads keep failing past the bound, without resubmitting', async () => {
    cluster = await startPodCluster({ pod: fastChecks });
    const { server, namespace } = cluster;
    const run = cluster.executor.run(containerTemplate(), testLiteralMap({}), { runId: 'unreachable' });
    await cluster.createdPod();
    await cluster.waitForEvent((e) => e.type === 'status-changed' && e.phaseName === 'QUEUED');
    server.injectFault({ method: 'GET', path: new RegExp(`^/api/v1/namespaces/${namespace}/pods`), code: 503, times: 1000 });
    server.dropWatches('reset');
    await expect(run).rejects.toMatchObject({ failure: { kind: 'system', code: 'StatusCheckFailed', retryable: true }, attempts: 1 });
    expect(server.requestCounts.create).toBe(1);
    server.clearFaults();
  });
});

describe('kubernetesPod: the create-error table', () => {
  const failCreate = (c: PodCluster, code: number, message: string) =>
    c.server.injectFault({ method: 'POST', path: `/api/v1/namespaces/${c.namespace}/pods`, code, message });

  it.each([
    [
      403,
      'pods "x" is forbidden: User "ci" cannot create resource "pods"',
      { failure: { kind: 'user', code: 'RuntimeFailure', retryable: true } },
    ],
    [400, 'bad request', { failure: { kind: 'user', code: 'BadTaskFormat', retryable: false } }],
    [422, 'admission webhook "policy" denied the request', { failure: { kind: 'user', code: 'BadTaskFormat', retryable: false } }],
    [413, 'request entity too large', { failure: { kind: 'user', code: 'EntityTooLarge', retryable: false } }],
    [
      403,
      'pods "x" is forbidden: exceeded quota: compute, requested: limits.cpu=4,limits.memory=1Gi, used: limits.cpu=0,limits.memory=0, limited: limits.cpu=2,limits.memory=8Gi',
      { failure: { kind: 'user', code: 'ResourceRequestsExceedLimits', retryable: false } },
    ],
  ] as const)('HTTP %i (%s) fails the attempt as %o', async (code, message, expected) => {
    cluster = await startPodCluster();
    failCreate(cluster, code, message);
    await expect(cluster.executor.run(containerTemplate(), testLiteralMap({}))).rejects.toMatchObject(expected);
  });

  it('waits for resources while a quota is full, creating again with backoff', async () => {
    cluster = await startPodCluster({ pod: { createBackoff: { initialMs: 20, maxMs: 40 } } });
    cluster.server.injectFault({
      method: 'POST',
      path: `/api/v1/namespaces/${cluster.namespace}/pods`,
      code: 403,
      times: 3,
      message: 'pods "x" is forbidden: exceeded quota: compute, requested: limits.cpu=1, used: limits.cpu=2, limited: limits.cpu=2',
    });
    const run = cluster.executor.run(containerTemplate(), testLiteralMap({}), { runId: 'quota' });
    await cluster.waitForEvent(
      (e) => e.type === 'status-changed' && e.phaseName === 'WAITING_FOR_RESOURCES' && /Exceeded resourcequota/.test(e.message ?? ''),
    );
    await vi.waitFor(async () => expect(await cluster!.podNames()).toEqual(['quota-n0-0']));
    cluster.server.setPodStatus(cluster.namespace, 'quota-n0-0', succeeded('quota-n0-0'));
    await run;
    expect(cluster.server.requestCounts.create).toBe(4);
  });

  it('treats an existing pod of the same name as its own (create is idempotent) and follows it', async () => {
    cluster = await startPodCluster();
    await cluster.core.createNamespacedPod({
      namespace: cluster.namespace,
      body: {
        metadata: { name: 'again-n0-0', labels: { 'app.kubernetes.io/managed-by': 'tflyte' } },
        spec: { containers: [{ name: 'again-n0-0', image: 'busybox' }] },
      },
    });
    const run = cluster.executor.run(containerTemplate(), testLiteralMap({}), { runId: 'again' });
    await cluster.createdPod();
    cluster.server.setPodStatus(cluster.namespace, 'again-n0-0', succeeded('again-n0-0'));
    await run;
  });

  it('retries transient API failures of create within the attempt', async () => {
    cluster = await startPodCluster();
    cluster.server.injectFault({ method: 'POST', path: `/api/v1/namespaces/${cluster.namespace}/pods`, code: 503, times: 2 });
    const run = cluster.executor.run(containerTemplate(), testLiteralMap({}), { runId: 'flaky' });
    const pod = await cluster.createdPod();
    cluster.server.setPodStatus(cluster.namespace, pod, succeeded(pod));
    await run;
    expect(cluster.server.requestCounts.create).toBe(3);
  });
});

const here = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);

/** An executor process that runs one task of a run and prints its events as JSON lines. */
const CHILD = `
import { createExecutor, openStateStore } from ${here('../../../core/src/index.ts')};
import { testLiteralMap } from ${here('../../../testing/src/index.ts')};
import { createKubeClient, kubernetesPod } from ${here('../index.ts')};
import { containerTemplate } from ${here('../test-fixtures/templates.ts')};
import { KubeConfig } from ${JSON.stringify(pathToFileURL(fileURLToPath(new URL('../../../../node_modules/@kubernetes/client-node/dist/index.js', import.meta.url))).href)};

const { stateDir, server, token, namespace, runId } = JSON.parse(process.argv[2]);
const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions({
  clusters: [{ name: 'c', server, skipTLSVerify: true }],
  users: [{ name: 'u', token }],
  contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
  currentContext: 'c',
});
const backend = kubernetesPod({ client: createKubeClient({ kubeConfig }), namespace });
const executor = createExecutor({ store: openStateStore(stateDir), stateDir, backends: { container: backend } });
await executor.run(containerTemplate(), testLiteralMap({}), { runId, onEvent: (event) => process.stdout.write(JSON.stringify({ type: event.type }) + '\\n') });
`;

describe('kubernetesPod: executor restarts', () => {
  it('re-attaches a second executor to the pod of a killed one, creating no second pod', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'tflyte-k8s-restart-'));
    try {
      cluster = await startPodCluster({ stateDir });
      const script = join(stateDir, 'child.mts');
      await writeFile(script, CHILD);
      const child = spawn(
        NODE,
        [
          '--conditions=@tflyte/source',
          script,
          JSON.stringify({
            stateDir,
            server: cluster.server.url,
            token: cluster.server.token,
            namespace: cluster.namespace,
            runId: 'crash',
          }),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise((resolve) => child.on('exit', resolve));
      await new Promise<void>((resolve) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          if ((JSON.parse(line) as { type: string }).type === 'status-changed') resolve();
        });
      });
      child.kill('SIGKILL');
      await exited;
      expect(await cluster.podNames()).toEqual(['crash-n0-0']);

      // The same run on a fresh executor over the same state directory.
      const store = openStateStore(stateDir);
      const client = createKubeClient({ kubeConfig: cluster.server.kubeConfig() });
      try {
        const executor = createExecutor({
          store,
          stateDir,
          backends: { container: kubernetesPod({ client, namespace: cluster.namespace }) },
        });
        const events: string[] = [];
        const run = executor.run(containerTemplate(), testLiteralMap({}), { runId: 'crash', onEvent: (e) => events.push(e.type) });
        await vi.waitFor(() => expect(events).toContain('attempt-reattached'));
        cluster.server.setPodStatus(cluster.namespace, 'crash-n0-0', succeeded('crash-n0-0'));
        await run;
        expect(events).not.toContain('attempt-created');
        expect(cluster.server.requestCounts.create).toBe(1);
        await vi.waitFor(async () => expect(await cluster!.podNames()).toEqual([]));
      } finally {
        client.close();
        store.close();
      }
    } finally {
      await cluster?.close();
      cluster = undefined;
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('reports a pod that was deleted while no executor watched as deleted externally, after one GET', async () => {
    cluster = await startPodCluster();
    const backend = kubernetesPod({ client: cluster.client, namespace: cluster.namespace });
    const statuses: TaskStatus[] = [];
    const stop = new AbortController();
    const ctx = testAttemptContext({ template: containerTemplate(), generatedName: 'direct-n0-0', signal: stop.signal });
    backend.watch(
      { namespace: cluster.namespace, name: ctx.generatedName, created: true },
      ctx,
      (s) => statuses.push(s),
      stop.signal,
      (error) => {
        throw error;
      },
    );
    await vi.waitFor(() => expect(statuses).toHaveLength(1));
    stop.abort();
    expect(statuses[0]).toMatchObject({
      phase: TaskExecution_Phase.RETRYABLE_FAILED,
      failure: { kind: 'system', code: 'ResourceDeletedExternally', retryable: true },
    });
    expect(cluster.server.requestCounts.get).toBe(1);
  });
});

describe('kubernetesPod options', () => {
  it('rejects a negative grace period when the backend is defined', () => {
    expect(() => kubernetesPod({ imagePullGracePeriodMs: -1 })).toThrow(/imagePullGracePeriodMs.*non-negative/);
  });

  it('can be defined without a cluster (tflyte.config.ts loads before any run)', () => {
    const previous = process.env.KUBECONFIG;
    process.env.KUBECONFIG = join(tmpdir(), 'no-such-kubeconfig');
    try {
      expect(kubernetesPod().name).toBe('kubernetes-pod');
    } finally {
      if (previous === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = previous;
    }
  });
});
