/**
 * Flyte's pod phase tables, row by row, on the test API server: each row runs a `container` task
 * through the executor, sets the pod's status as a kubelet would (no node runs these pods) and
 * checks what the executor makes of it.
 */
import { CancelledError, TaskFailedError } from '@tflyte/core';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { testLiteralMap } from '@tflyte/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type PodCluster, startPodCluster } from '../test-fixtures/cluster.ts';
import { containerTemplate } from '../test-fixtures/templates.ts';
import { DEFAULT_POD_PHASE_OPTIONS, podPhase } from './pod-phase.ts';

type LivePhase = 'QUEUED' | 'WAITING_FOR_RESOURCES' | 'INITIALIZING' | 'RUNNING';
type Expectation =
  | { readonly live: LivePhase; readonly message?: string | RegExp }
  | { readonly succeeded: true }
  | {
      readonly failed: { readonly kind: 'user' | 'system'; readonly code: string; readonly retryable: boolean; readonly message?: RegExp };
    };

interface Row {
  readonly when: string;
  /** The pod status to set; `main` is the primary container's name. */
  readonly status: (main: string) => Record<string, unknown>;
  readonly expect: Expectation;
}

const ago = (ms: number) => new Date(Date.now() - ms).toISOString().replace(/\.\d+Z$/, 'Z');
const MINUTES = 60_000;

const containerStatus = (name: string, state: Record<string, unknown>, ready = false) => ({
  name,
  ready,
  restartCount: 0,
  image: 'busybox',
  imageID: '',
  state,
});
const terminated = (exitCode: number, reason: string, message?: string) => ({
  terminated: { exitCode, reason, ...(message ? { message } : {}), startedAt: ago(2000), finishedAt: ago(1000) },
});

/** Pending, with the Ready condition false since `since` ms and the primary waiting for `reason`. */
const waiting =
  (reason: string, since = 0, message = `${reason} details`) =>
  (main: string) => ({
    phase: 'Pending',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: ago(since) },
      {
        type: 'Ready',
        status: 'False',
        reason: 'ContainersNotReady',
        message: `containers with unready status: [${main}]`,
        lastTransitionTime: ago(since),
      },
    ],
    containerStatuses: [containerStatus(main, { waiting: { reason, message } })],
  });

const failedPod =
  (extra: Record<string, unknown>, containers: (main: string) => unknown[] = () => []) =>
  (main: string) => ({ phase: 'Failed', ...extra, containerStatuses: containers(main) });
const runningPod = (state: Record<string, unknown>) => (main: string) => ({
  phase: 'Running',
  startTime: ago(5000),
  containerStatuses: [containerStatus(main, state, 'running' in state)],
});

const pendingRows: Row[] = [
  {
    when: 'Pending, unschedulable (PodScheduled=False, Unschedulable)',
    status: () => ({
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/3 nodes are available: 3 Insufficient cpu.',
          lastTransitionTime: ago(0),
        },
      ],
    }),
    expect: { live: 'WAITING_FOR_RESOURCES', message: 'Unschedulable:0/3 nodes are available: 3 Insufficient cpu.' },
  },
  {
    when: 'Pending, not scheduled for another reason',
    status: () => ({
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: 'gated', lastTransitionTime: ago(0) }],
    }),
    expect: { live: 'QUEUED', message: 'SchedulingGated:gated' },
  },
  { when: 'Pending without conditions', status: () => ({ phase: 'Pending' }), expect: { live: 'QUEUED', message: 'Scheduling' } },
  {
    when: 'Pending, ContainerCreating',
    status: waiting('ContainerCreating'),
    expect: { live: 'INITIALIZING', message: /^\[ContainersNotReady\|ContainerCreating\]: / },
  },
  { when: 'Pending, ErrImagePull', status: waiting('ErrImagePull'), expect: { live: 'INITIALIZING', message: /ErrImagePull/ } },
  { when: 'Pending, PodInitializing', status: waiting('PodInitializing'), expect: { live: 'INITIALIZING', message: /PodInitializing/ } },
  {
    when: 'Pending, ImagePullBackOff within its grace period',
    status: waiting('ImagePullBackOff', 1000),
    expect: { live: 'INITIALIZING', message: /ImagePullBackOff/ },
  },
  {
    when: 'Pending, ImagePullBackOff past its 3 minute grace period',
    status: waiting('ImagePullBackOff', 4 * MINUTES, 'Back-off pulling image "busybox"'),
    expect: {
      failed: {
        kind: 'user',
        code: 'ContainersNotReady|ImagePullBackOff',
        retryable: true,
        message: /Grace period \[3m0s\] exceeded\|.*Back-off pulling image/,
      },
    },
  },
  {
    when: 'Pending, CreateContainerError within its grace period',
    status: waiting('CreateContainerError', 1000),
    expect: { live: 'INITIALIZING', message: /CreateContainerError/ },
  },
  {
    when: 'Pending, CreateContainerError past its grace period',
    status: waiting('CreateContainerError', 4 * MINUTES),
    expect: { failed: { kind: 'user', code: 'ContainersNotReady|CreateContainerError', retryable: false } },
  },
  {
    when: 'Pending, CreateContainerConfigError (no grace period by default)',
    status: waiting('CreateContainerConfigError', 0, 'secret "creds" not found'),
    expect: {
      failed: {
        kind: 'user',
        code: 'ContainersNotReady|CreateContainerConfigError',
        retryable: false,
        message: /secret "creds" not found/,
      },
    },
  },
  {
    when: 'Pending, InvalidImageName',
    status: waiting('InvalidImageName'),
    expect: { failed: { kind: 'user', code: 'ContainersNotReady|InvalidImageName', retryable: false } },
  },
  {
    when: 'Pending, a waiting reason nothing expects',
    status: waiting('ErrImageNeverPull'),
    expect: { failed: { kind: 'system', code: 'ContainersNotReady|ErrImageNeverPull', retryable: true } },
  },
];

const failedRows: Row[] = [
  ...['Shutdown', 'Terminated', 'NodeShutdown', 'NodeAffinity', 'Evicted'].map(
    (reason): Row => ({
      when: `Failed, reason ${reason}`,
      status: failedPod({ reason, message: `pod ${reason}` }),
      expect: { failed: { kind: 'system', code: 'Interrupted', retryable: true, message: new RegExp(`pod ${reason}`) } },
    }),
  ),
  {
    when: 'Failed, preempted (DisruptionTarget condition)',
    status: failedPod({
      conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', lastTransitionTime: ago(0) }],
    }),
    expect: { failed: { kind: 'system', code: 'Interrupted', retryable: true } },
  },
  {
    when: 'Failed, primary killed with exit 137',
    status: failedPod({}, (main) => [containerStatus(main, terminated(137, 'Error'))]),
    expect: { failed: { kind: 'system', code: 'Interrupted', retryable: true, message: /terminated with exit code \(137\)/ } },
  },
  {
    when: 'Failed, primary killed with exit 247',
    status: failedPod({}, (main) => [containerStatus(main, terminated(247, 'Error'))]),
    expect: { failed: { kind: 'system', code: 'Interrupted', retryable: true } },
  },
  {
    when: 'Failed, no reason and no container exit (UnknownError)',
    status: failedPod({}),
    expect: { failed: { kind: 'system', code: 'UnknownError', retryable: true } },
  },
  {
    when: 'Failed, OOMKilled (exit 137)',
    status: failedPod({}, (main) => [containerStatus(main, terminated(137, 'OOMKilled'))]),
    expect: { failed: { kind: 'user', code: 'OOMKilled', retryable: true, message: /Reason \[OOMKilled\]/ } },
  },
  {
    when: 'Failed, pod reason DeadlineExceeded',
    status: failedPod({ reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' }, (main) => [
      containerStatus(main, terminated(143, 'Error')),
    ]),
    expect: {
      failed: {
        kind: 'user',
        code: 'DeadlineExceeded',
        retryable: true,
        message: /longer than the specified deadline\n\[.*\] terminated with exit code \(143\)/,
      },
    },
  },
  {
    when: 'Failed, the primary exited 1',
    status: failedPod({}, (main) => [containerStatus(main, terminated(1, 'Error', 'boom'))]),
    expect: { failed: { kind: 'user', code: 'Error', retryable: true, message: /Message: \nboom\./ } },
  },
];

const runningRows: Row[] = [
  { when: 'Running, primary running', status: runningPod({ running: { startedAt: ago(1000) } }), expect: { live: 'RUNNING' } },
  { when: 'Running, primary still waiting', status: runningPod({ waiting: { reason: 'ContainerCreating' } }), expect: { live: 'RUNNING' } },
  {
    when: 'Running, primary terminated OOMKilled',
    status: runningPod(terminated(137, 'OOMKilled')),
    expect: { failed: { kind: 'user', code: 'OOMKilled', retryable: true } },
  },
  {
    when: 'Running, primary terminated with exit 137',
    status: runningPod(terminated(137, 'Error')),
    expect: { failed: { kind: 'system', code: 'Interrupted', retryable: true } },
  },
  {
    when: 'Running, primary terminated with exit 2',
    status: runningPod(terminated(2, 'Error')),
    expect: { failed: { kind: 'user', code: 'Error', retryable: true } },
  },
  {
    when: 'Running, primary exited 0 while a sidecar still runs',
    status: (main) => ({
      phase: 'Running',
      containerStatuses: [
        containerStatus(main, terminated(0, 'Completed')),
        containerStatus('sidecar', { running: { startedAt: ago(1000) } }, true),
      ],
    }),
    expect: { succeeded: true },
  },
  {
    when: 'Running, no status for the primary container yet',
    status: () => ({ phase: 'Running', containerStatuses: [] }),
    expect: { live: 'RUNNING' },
  },
];

const succeededRows: Row[] = [
  {
    when: 'Succeeded',
    status: (main) => ({ phase: 'Succeeded', containerStatuses: [containerStatus(main, terminated(0, 'Completed'))] }),
    expect: { succeeded: true },
  },
  {
    when: 'Succeeded, but a container was OOMKilled',
    status: (main) => ({
      phase: 'Succeeded',
      containerStatuses: [containerStatus(main, terminated(0, 'Completed')), containerStatus('helper', terminated(137, 'OOMKilled'))],
    }),
    expect: { failed: { kind: 'user', code: 'OOMKilled', retryable: true, message: /Pod reported success despite being OOMKilled/ } },
  },
];

describe('pod phases (Flyte pod plugin tables) on the test API server', () => {
  let cluster: PodCluster;
  beforeAll(async () => {
    cluster = await startPodCluster();
  });
  afterAll(() => cluster.close());

  const check = async (row: Row) => {
    const { executor, server, namespace } = cluster;
    const controller = new AbortController();
    const runId = `r${Math.random().toString(36).slice(2, 10)}`;
    const run = executor.run(containerTemplate(), testLiteralMap({}), { runId, signal: controller.signal });
    run.catch(() => {});
    const created = (await cluster.waitForEvent((e) => e.type === 'attempt-created' && e.runId === runId)) as { generatedName: string };
    const pod = created.generatedName;
    server.setPodStatus(namespace, pod, row.status(pod));
    const expectation = row.expect;
    if ('live' in expectation) {
      const matches = (message: string | undefined) =>
        expectation.message === undefined ||
        (typeof expectation.message === 'string' ? message === expectation.message : expectation.message.test(message ?? ''));
      // A fresh pod is QUEUED first; the row's status is what follows.
      await cluster.waitForEvent(
        (e) => e.runId === runId && e.type === 'status-changed' && e.phaseName === expectation.live && matches(e.message),
      );
      controller.abort();
      await expect(run).rejects.toBeInstanceOf(CancelledError);
    } else if ('succeeded' in expectation) {
      await expect(run).resolves.toBeDefined();
    } else {
      const error = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error).toMatchObject({
        failure: { kind: expectation.failed.kind, code: expectation.failed.code, retryable: expectation.failed.retryable },
      });
      if (expectation.failed.message) expect((error as Error).message).toMatch(expectation.failed.message);
    }
    // Whatever the outcome, the pod does not outlive its attempt.
    await vi.waitFor(async () => expect(await cluster.podNames()).not.toContain(pod));
  };

  describe('Pending (DemystifyPending)', () => {
    it.each(pendingRows.map((row) => [row.when, row] as const))('%s', (_, row) => check(row));
  });
  describe('Failed (DemystifyFailure)', () => {
    it.each(failedRows.map((row) => [row.when, row] as const))('%s', (_, row) => check(row));
  });
  describe('Running, decided by the primary container', () => {
    it.each(runningRows.map((row) => [row.when, row] as const))('%s', (_, row) => check(row));
  });
  describe('Succeeded (DemystifySuccess)', () => {
    it.each(succeededRows.map((row) => [row.when, row] as const))('%s', (_, row) => check(row));
  });
});

describe('podPhase for pods tflyte did not annotate', () => {
  const pod = (status: Record<string, unknown>) => ({
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'a' }, { name: 'b' }] },
    status,
  });
  const done = { terminated: { exitCode: 0, reason: 'Completed' } };

  it('is RUNNING until every container exited 0, then SUCCEEDED', () => {
    const partly = pod({
      phase: 'Running',
      containerStatuses: [
        { name: 'a', state: done },
        { name: 'b', state: { running: {} } },
      ],
    });
    expect(podPhase(partly, Date.now(), DEFAULT_POD_PHASE_OPTIONS)?.status.phase).toBe(TaskExecution_Phase.RUNNING);
    const all = pod({
      phase: 'Running',
      containerStatuses: [
        { name: 'a', state: done },
        { name: 'b', state: done },
      ],
    });
    expect(podPhase(all, Date.now(), DEFAULT_POD_PHASE_OPTIONS)?.status.phase).toBe(TaskExecution_Phase.SUCCEEDED);
  });

  it('reports nothing new for phase Unknown (the node stopped reporting)', () => {
    expect(podPhase(pod({ phase: 'Unknown' }), Date.now(), DEFAULT_POD_PHASE_OPTIONS)).toBeUndefined();
  });

  it('fails a pod pending longer than podPendingTimeoutMs, measured from its last condition', () => {
    const options = { ...DEFAULT_POD_PHASE_OPTIONS, podPendingTimeoutMs: 60_000 };
    const since = Date.parse('2026-01-01T00:00:00Z');
    const pending = pod({
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    });
    expect(podPhase(pending, since + 1000, options)).toEqual({
      status: { phase: TaskExecution_Phase.QUEUED, message: 'Scheduling' },
      recheckAt: since + 60_000,
    });
    expect(podPhase(pending, since + 60_000, options)?.status).toMatchObject({
      phase: TaskExecution_Phase.RETRYABLE_FAILED,
      failure: { kind: 'user', code: 'PodPendingTimeout', retryable: true },
    });
  });
});
