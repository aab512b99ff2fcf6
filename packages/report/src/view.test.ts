import { createMemoryStateStore, type ExecutorEvent, type RunRecord } from '@tflyte/core';
import { describe, expect, it } from 'vitest';
import type { NodeCall, RunHistory } from './history.ts';
import { buildRunView } from './view.ts';

const RUN = 'r1';

function run(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: RUN,
    entity: 'wf.pipeline',
    version: 'v1',
    inputsHash: 'h',
    inputs: '{}',
    file: '/x/wf.ts',
    exportName: 'pipeline',
    status: 'succeeded',
    owner: 'host:1',
    createdAt: 1_000,
    updatedAt: 2_000,
    ...overrides,
  };
}

/** An event's own fields, without those every event carries. */
type EventPayload = ExecutorEvent extends infer E ? (E extends ExecutorEvent ? Omit<E, 'runId' | 'nodeId' | 'task' | 'at'> : never) : never;

/** An executor event of node `nodeId` at time `at`, as the executor emits it. */
function ev(nodeId: string, at: number, payload: EventPayload, task = 'wf.step'): ExecutorEvent {
  return { runId: RUN, nodeId, task, at, ...payload } as ExecutorEvent;
}

const started = (nodeId: string, at: number, task?: string) =>
  ev(nodeId, at, { type: 'run-started', taskType: 'python-task', taskTypeVersion: 0, backend: 'pods', inProcess: false }, task);
const created = (nodeId: string, at: number, attempt: number) =>
  ev(nodeId, at, { type: 'attempt-created', attempt, generatedName: `g-${attempt}`, backend: 'pods', interruptible: false, handle: null });
const status = (nodeId: string, at: number, attempt: number, phaseName: string, logs: { name: string; uri: string }[] = []) =>
  ev(nodeId, at, { type: 'status-changed', attempt, phase: 0, phaseName, message: undefined, logs });
const succeeded = (nodeId: string, at: number, attempts = 1) => ev(nodeId, at, { type: 'succeeded', attempts, fromCache: false });

function call(nodeId: string, overrides: Partial<NodeCall> = {}): NodeCall {
  return {
    type: 'node',
    nodeId,
    task: 'wf.step',
    taskType: 'python-task',
    elements: undefined,
    inputs: {},
    outputs: {},
    inputDigests: [],
    outputDigests: [],
    error: undefined,
    decks: [],
    calledAt: 1_000,
    endedAt: 1_500,
    ...overrides,
  };
}

describe('buildRunView: attempts on one clock', () => {
  it('shows an attempt queued until the backend says RUNNING, a failed attempt with its kind and code, and the retry after it', () => {
    const history: RunHistory = {
      events: [
        started('n0', 1_100),
        created('n0', 1_100, 1),
        status('n0', 1_100, 1, 'QUEUED'),
        status('n0', 1_150, 1, 'RUNNING', [{ name: 'pod log', uri: 'https://logs/1' }]),
        ev('n0', 1_200, {
          type: 'attempt-failed',
          attempt: 1,
          kind: 'system',
          code: 'OOMKilled',
          message: 'out of memory',
          retryable: true,
        }),
        ev('n0', 1_200, { type: 'retry-scheduled', nextAttempt: 2, kind: 'system', userRetriesLeft: 0, systemRetriesLeft: 2 }),
        created('n0', 1_210, 2),
        status('n0', 1_230, 2, 'RUNNING', [{ name: 'pod log', uri: 'https://logs/2' }]),
        succeeded('n0', 1_300, 2),
      ],
      nodes: [],
    };
    const [node] = buildRunView(run(), history, undefined).nodes;
    expect(node).toMatchObject({ nodeId: 'n0', outcome: 'succeeded', taskType: 'python-task', start: 1_100, end: 1_300 });
    expect(node!.attempts).toEqual([
      {
        attempt: 1,
        backend: 'pods',
        start: 1_100,
        runningAt: 1_150,
        end: 1_200,
        outcome: 'failed',
        error: { kind: 'system', code: 'OOMKilled', message: 'out of memory' },
      },
      { attempt: 2, backend: 'pods', start: 1_210, runningAt: 1_230, end: 1_300, outcome: 'succeeded', error: undefined },
    ]);
    expect(node!.logs.map((l) => l.uri)).toEqual(['https://logs/1', 'https://logs/2']);
    // The node succeeded in the end: the failed attempt's error stays on its attempt, not on the node.
    expect(node!.error).toBeUndefined();
  });

  it('gives a node that failed for good the error it failed with', () => {
    const history: RunHistory = {
      events: [
        started('n0', 1_100),
        created('n0', 1_100, 1),
        ev('n0', 1_400, { type: 'attempt-failed', attempt: 1, kind: 'user', code: 'SYNTAX_ERROR', message: 'line 1', retryable: false }),
        ev('n0', 1_400, { type: 'failed', kind: 'user', code: 'SYNTAX_ERROR', message: 'line 1', attempts: 1 }),
      ],
      nodes: [],
    };
    const [node] = buildRunView(run({ status: 'failed' }), history, undefined).nodes;
    expect(node).toMatchObject({ outcome: 'failed', error: { kind: 'user', code: 'SYNTAX_ERROR', message: 'line 1' } });
    expect(node!.attempts.map((a) => a.outcome)).toEqual(['failed']);
  });

  it('shows a cache hit as a cached node without attempts', () => {
    const history: RunHistory = {
      events: [
        started('n0', 1_100),
        ev('n0', 1_101, { type: 'cache-hit', key: 'k' }),
        ev('n0', 1_102, { type: 'succeeded', attempts: 0, fromCache: true }),
      ],
      nodes: [call('n0')],
    };
    const [node] = buildRunView(run(), history, undefined).nodes;
    expect(node).toMatchObject({ outcome: 'cached', attempts: [] });
  });

  it('ends a cancelled run’s open attempts at the cancellation', () => {
    const history: RunHistory = {
      events: [started('n0', 1_100), created('n0', 1_100, 1), ev('n0', 1_700, { type: 'cancelled', attempt: 1 })],
      nodes: [],
    };
    const [node] = buildRunView(run({ status: 'cancelled' }), history, undefined).nodes;
    expect(node).toMatchObject({ outcome: 'cancelled' });
    expect(node!.attempts).toMatchObject([{ outcome: 'cancelled', end: 1_700 }]);
  });

  it('spans the run from its creation to its last event, and a running run to its latest node', () => {
    const history: RunHistory = { events: [started('n0', 900), created('n0', 900, 1), status('n0', 5_000, 1, 'RUNNING')], nodes: [] };
    const view = buildRunView(run({ status: 'running', createdAt: 1_000, updatedAt: 1_000 }), history, undefined);
    expect([view.start, view.end]).toEqual([900, 5_000]);
    expect(view.nodes[0]!.outcome).toBe('running');
  });
});

describe('buildRunView: map tasks', () => {
  it('aggregates a map node’s elements into counts, one outcome per element in order, and how many were retried', () => {
    const events: ExecutorEvent[] = [];
    for (const i of [0, 1, 3]) events.push(started(`n1-${i}`, 1_100), created(`n1-${i}`, 1_100, 1), succeeded(`n1-${i}`, 1_200));
    // Element 3 needed a second attempt; element 2 failed for good; element 4 never started.
    events.splice(
      events.length - 1,
      0,
      ev('n1-3', 1_150, { type: 'attempt-failed', attempt: 1, kind: 'user', code: 'USER:Flaky', message: 'flaky', retryable: true }),
      created('n1-3', 1_160, 2),
    );
    events.push(
      started('n1-2', 1_100),
      created('n1-2', 1_100, 1),
      ev('n1-2', 1_300, {
        type: 'attempt-failed',
        attempt: 1,
        kind: 'user',
        code: 'USER:ValueError',
        message: 'bad row 2',
        retryable: false,
      }),
      ev('n1-2', 1_300, { type: 'failed', kind: 'user', code: 'USER:ValueError', message: 'bad row 2', attempts: 1 }),
    );
    const failedMap = call('n1', { elements: 5, calledAt: 1_050, endedAt: 1_310, outputs: undefined, error: 'map failed: element 2' });
    const history: RunHistory = { events, nodes: [failedMap] };
    const [node] = buildRunView(run({ status: 'failed' }), history, undefined).nodes;
    expect(node!.nodeId).toBe('n1');
    expect(node!.map).toEqual({
      total: 5,
      counts: { succeeded: 3, failed: 1, cached: 0, running: 0, cancelled: 0, pending: 1 },
      outcomes: ['succeeded', 'succeeded', 'failed', 'succeeded', 'pending'],
      retried: 1,
      attempts: 5,
      failures: [{ kind: 'user', code: 'USER:ValueError', message: 'bad row 2', count: 1, firstElement: 2 }],
    });
    expect(node).toMatchObject({ outcome: 'failed', start: 1_050, end: 1_310 });
    expect(node!.error).toEqual({ kind: 'user', code: 'USER:ValueError', message: 'bad row 2' });
    // Elements are not nodes of their own: the run has the one map node.
    expect(buildRunView(run(), history, undefined).nodes.map((n) => n.nodeId)).toEqual(['n1']);
  });

  it('calls a map that succeeded despite failed elements (minSuccessRatio below 1) succeeded, the grid still counting the failures', () => {
    const events: ExecutorEvent[] = [
      started('n0-0', 1_100),
      created('n0-0', 1_100, 1),
      succeeded('n0-0', 1_200),
      started('n0-1', 1_100),
      created('n0-1', 1_100, 1),
      ev('n0-1', 1_300, { type: 'failed', kind: 'user', code: 'USER:ValueError', message: 'bad row 1', attempts: 1 }),
    ];
    const [node] = buildRunView(run(), { events, nodes: [call('n0', { elements: 2 })] }, undefined).nodes;
    expect(node).toMatchObject({ outcome: 'succeeded', map: { counts: { succeeded: 1, failed: 1 } } });
  });

  it('groups the elements that failed for good by kind and code, most frequent first, with the first element and message', () => {
    const events: ExecutorEvent[] = [];
    const fail = (i: number, kind: 'user' | 'system', code: string) =>
      events.push(
        started(`n0-${i}`, 1_100),
        ev(`n0-${i}`, 1_200, { type: 'failed', kind, code, message: `element ${i}: ${code}`, attempts: 1 }),
      );
    fail(3, 'system', 'OOMKilled');
    for (const i of [5, 1, 8]) fail(i, 'user', 'USER:ValueError');
    fail(9, 'user', 'OOMKilled');
    const [node] = buildRunView(
      run({ status: 'failed' }),
      { events, nodes: [call('n0', { elements: 10, error: 'map failed' })] },
      undefined,
    ).nodes;
    expect(node!.map!.failures).toEqual([
      { kind: 'user', code: 'USER:ValueError', message: 'element 1: USER:ValueError', count: 3, firstElement: 1 },
      { kind: 'system', code: 'OOMKilled', message: 'element 3: OOMKilled', count: 1, firstElement: 3 },
      { kind: 'user', code: 'OOMKilled', message: 'element 9: OOMKilled', count: 1, firstElement: 9 },
    ]);
  });

  it('keeps exact counts for 10,000 elements and calls a map whose every element came from the cache cached', () => {
    const events: ExecutorEvent[] = [];
    for (let i = 0; i < 10_000; i++)
      events.push(
        ev(`n0-${i}`, 1_100, { type: 'cache-hit', key: `k${i}` }),
        ev(`n0-${i}`, 1_100, { type: 'succeeded', attempts: 0, fromCache: true }),
      );
    const view = buildRunView(run(), { events, nodes: [call('n0', { elements: 10_000 })] }, undefined);
    expect(view.nodes[0]!.map!.counts.cached).toBe(10_000);
    expect(view.nodes[0]!.map!.outcomes).toHaveLength(10_000);
    expect(view.nodes[0]!.outcome).toBe('cached');
  });

  it('groups element events into their map node even without the node’s call record (a run killed mid-map)', () => {
    const history: RunHistory = { events: [started('n0-0', 1_100), created('n0-0', 1_100, 1), succeeded('n0-0', 1_200)], nodes: [] };
    const [node] = buildRunView(run({ status: 'running' }), history, undefined).nodes;
    expect(node).toMatchObject({ nodeId: 'n0', map: { total: 1, counts: { succeeded: 1 } } });
  });
});

describe('buildRunView: what connects nodes', () => {
  it('links a consumer to the producer of a value it took, once per pair, from the Literal digests', () => {
    const nodes = [
      call('n0', { outputDigests: ['rows'] }),
      call('n1', { elements: 2, inputDigests: ['rows'], outputDigests: ['scores'] }),
      call('n2', { inputDigests: ['scores', 'rows', 'scores'], outputDigests: ['total'] }),
      call('n3', { inputDigests: ['unrelated'] }),
    ];
    const view = buildRunView(run(), { events: [], nodes }, undefined);
    expect(view.edges).toEqual([
      ['n0', 'n1'],
      ['n1', 'n2'],
      ['n0', 'n2'],
    ]);
    expect(view.nodes.map((n) => [n.nodeId, n.outcome])).toEqual([
      ['n0', 'succeeded'],
      ['n1', 'succeeded'],
      ['n2', 'succeeded'],
      ['n3', 'succeeded'],
    ]);
  });

  it('carries each call’s inputs, outputs and decks, and a call that threw as a failed node', () => {
    const decks = [{ name: 'default', html: '<h1>Hi</h1>' }];
    const nodes = [call('n0', { inputs: { n: 3 }, outputs: { o0: [1, 2, 3] }, decks }), call('n1', { outputs: undefined, error: 'boom' })];
    const view = buildRunView(run({ status: 'failed' }), { events: [], nodes }, undefined);
    expect(view.nodes[0]).toMatchObject({ inputs: { n: 3 }, outputs: { o0: [1, 2, 3] }, decks });
    expect(view.nodes[1]).toMatchObject({ outcome: 'failed', error: { kind: 'user', code: 'ERROR', message: 'boom' } });
  });
});

describe('buildRunView: a run recorded without history', () => {
  it('shows the attempts the state store kept for this run, and only this run', () => {
    const store = createMemoryStateStore();
    const base = { taskType: 'athena', taskTypeVersion: 0, handleVersion: 1, backend: 'athena' } as const;
    store.insertAttempt({ ...base, runId: RUN, nodeId: 'n0', attempt: 0, taskName: 'q.daily', generatedName: 'a', createdAt: 1_100 });
    store.updateAttempt(
      { runId: RUN, nodeId: 'n0', attempt: 0 },
      { status: 'failed', failure: { kind: 'user', retryable: false, code: 'SYNTAX_ERROR', message: 'bad sql' }, endedAt: 1_200 },
      1_200,
    );
    store.insertAttempt({ ...base, runId: 'other', nodeId: 'n0', attempt: 0, taskName: 'q.other', generatedName: 'b', createdAt: 1_100 });
    const view = buildRunView(run({ status: 'failed' }), undefined, store);
    expect(view.hasHistory).toBe(false);
    expect(view.nodes).toHaveLength(1);
    expect(view.nodes[0]).toMatchObject({
      nodeId: 'n0',
      task: 'q.daily',
      taskType: 'athena',
      outcome: 'failed',
      error: { kind: 'user', code: 'SYNTAX_ERROR', message: 'bad sql' },
      attempts: [{ attempt: 0, backend: 'athena', start: 1_100, end: 1_200, outcome: 'failed' }],
    });
    store.close();
  });
});
