import { describe, expect, it } from 'vitest';
import { summarizeRun } from './summary.ts';
import type { AttemptView, MapView, NodeView, RunView } from './view.ts';

const attempt = (n: number): AttemptView => ({
  attempt: n,
  backend: 'pods',
  start: 0,
  runningAt: undefined,
  end: 1,
  outcome: 'succeeded',
  error: undefined,
});

function node(nodeId: string, overrides: Partial<NodeView>): NodeView {
  return {
    nodeId,
    task: 'wf.step',
    taskType: 'python-task',
    outcome: 'succeeded',
    start: 0,
    end: 1,
    attempts: [],
    map: undefined,
    inputs: undefined,
    outputs: undefined,
    error: undefined,
    logs: [],
    decks: [],
    ...overrides,
  };
}

const map: MapView = {
  total: 4,
  counts: { succeeded: 2, failed: 0, cached: 2, running: 0, cancelled: 0, pending: 0 },
  outcomes: ['cached', 'succeeded', 'cached', 'succeeded'],
  retried: 1,
  attempts: 3,
  failures: [],
};

describe('summarizeRun', () => {
  it('counts the attempts of every node and map element, and the nodes and elements served from the cache', () => {
    const view: RunView = {
      runId: 'r1',
      entity: 'wf.pipeline',
      status: 'succeeded',
      createdAt: Date.UTC(2026, 0, 2, 3, 4, 5),
      updatedAt: 0,
      hasHistory: true,
      nodes: [node('n0', { attempts: [attempt(1), attempt(2)] }), node('n1', { outcome: 'cached' }), node('n2', { map })],
      edges: [],
      start: Date.UTC(2026, 0, 2, 3, 4, 5),
      end: Date.UTC(2026, 0, 2, 3, 4, 5) + 65_000,
    };
    expect(summarizeRun(view)).toEqual({
      runId: 'r1',
      task: 'wf.pipeline',
      status: 'succeeded',
      startedAt: '2026-01-02T03:04:05.000Z',
      durationMs: 65_000,
      nodes: 3,
      attempts: 5,
      cacheHits: 3,
      hasHistory: true,
    });
  });
});
