import type { ExecutorEvent } from '@tflyte/core';
import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.ts';

const base = { runId: 'r', nodeId: 'n0', task: 'examples.q.query', at: 0 };
const events: ExecutorEvent[] = [
  { ...base, type: 'run-started', taskType: 'presto', taskTypeVersion: 0, backend: 'athena', inProcess: false },
  { ...base, at: 500, type: 'status-changed', attempt: 0, phase: 1, phaseName: 'QUEUED', message: undefined, logs: [] },
  { ...base, at: 1500, type: 'status-changed', attempt: 0, phase: 2, phaseName: 'RUNNING', message: 'scanning', logs: [{ name: 'Console', uri: 'https://console/q1' }] },
  { ...base, at: 4000, type: 'status-changed', attempt: 0, phase: 3, phaseName: 'SUCCEEDED', message: undefined, logs: [] },
  { ...base, at: 4000, type: 'succeeded', attempts: 1, fromCache: false },
];

function render(isTTY: boolean, color = false) {
  let now = 0;
  let text = '';
  const progress = createProgress({ isTTY, color, write: (t) => (text += t), now: () => now });
  for (const event of events) {
    now = event.at;
    progress.onEvent(event);
  }
  return text;
}

describe('progress display', () => {
  it('writes one plain line per change when not on a terminal: phase, elapsed time, log links', () => {
    expect(render(false).split('\n').filter(Boolean)).toEqual([
      '[n0] examples.q.query: QUEUED 0.5s',
      '[n0] examples.q.query: RUNNING scanning Console: https://console/q1 1.5s',
      '[n0] examples.q.query: SUCCEEDED 4.0s',
    ]);
  });

  it("redraws a node's line in place on a terminal", () => {
    expect(render(true)).toContain('\u001b[1A\u001b[2K[n0] examples.q.query: RUNNING');
  });

  it('uses colour only when asked (NO_COLOR turns it off in the CLI)', () => {
    expect(render(false, false)).not.toContain('\u001b[');
    expect(render(false, true)).toContain('\u001b[33mRUNNING');
  });

  it('stays quiet for in-process function tasks unless they fail or retry', () => {
    let text = '';
    const progress = createProgress({ isTTY: false, color: false, write: (t) => (text += t) });
    progress.onEvent({ ...base, type: 'run-started', taskType: 'container', taskTypeVersion: 0, backend: 'in-process function', inProcess: true });
    progress.onEvent({ ...base, type: 'status-changed', attempt: 0, phase: 2, phaseName: 'RUNNING', message: undefined, logs: [] });
    progress.onEvent({ ...base, type: 'succeeded', attempts: 1, fromCache: false });
    expect(text).toBe('');
    progress.onEvent({ ...base, type: 'attempt-failed', attempt: 0, kind: 'user', code: 'USER:Error', message: 'boom', retryable: true });
    expect(text).toContain('attempt 0 failed (user, retryable): boom');
  });
});
