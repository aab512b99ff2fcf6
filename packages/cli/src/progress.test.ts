import type { ExecutorEvent } from '@tflyte/core';
import { Terminal } from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.ts';

const base = { runId: 'r', nodeId: 'n0', task: 'examples.q.query', at: 0 };
const events: ExecutorEvent[] = [
  { ...base, type: 'run-started', taskType: 'presto', taskTypeVersion: 0, backend: 'athena', inProcess: false },
  { ...base, at: 500, type: 'status-changed', attempt: 0, phase: 1, phaseName: 'QUEUED', message: undefined, logs: [] },
  {
    ...base,
    at: 1500,
    type: 'status-changed',
    attempt: 0,
    phase: 2,
    phaseName: 'RUNNING',
    message: 'scanning',
    logs: [{ name: 'Console', uri: 'https://console/q1' }],
  },
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

  it('says a failed attempt once, with whether it is retried, not also as a FAILED phase', () => {
    let text = '';
    const progress = createProgress({ isTTY: false, color: false, write: (t) => (text += t), now: () => 0 });
    progress.onEvent(events[0]!);
    progress.onEvent({ ...base, type: 'status-changed', attempt: 0, phase: 5, phaseName: 'FAILED', message: 'no image', logs: [] });
    progress.onEvent({
      ...base,
      type: 'attempt-failed',
      attempt: 0,
      kind: 'user',
      code: 'ErrImagePull',
      message: 'no image',
      retryable: false,
    });
    expect(text.split('\n').filter(Boolean)).toEqual(['[n0] examples.q.query: attempt 0 failed (user): no image 0.0s']);
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
    progress.onEvent({
      ...base,
      type: 'run-started',
      taskType: 'container',
      taskTypeVersion: 0,
      backend: 'in-process function',
      inProcess: true,
    });
    progress.onEvent({ ...base, type: 'status-changed', attempt: 0, phase: 2, phaseName: 'RUNNING', message: undefined, logs: [] });
    progress.onEvent({ ...base, type: 'succeeded', attempts: 1, fromCache: false });
    expect(text).toBe('');
    progress.onEvent({ ...base, type: 'attempt-failed', attempt: 0, kind: 'user', code: 'USER:Error', message: 'boom', retryable: true });
    expect(text).toContain('attempt 0 failed (user, retryable): boom');
  });
});

describe('progress on a real terminal (xterm)', () => {
  const long = {
    name: 'Athena Query Console',
    uri: `https://us-east-1.console.aws.amazon.com/athena/home?region=us-east-1#/query-editor/history/${'q'.repeat(40)}`,
  };
  const run: ExecutorEvent[] = [
    { ...base, type: 'run-started', taskType: 'presto', taskTypeVersion: 0, backend: 'athena', inProcess: false },
    { ...base, at: 500, type: 'status-changed', attempt: 0, phase: 1, phaseName: 'QUEUED', message: undefined, logs: [] },
    {
      ...base,
      at: 1500,
      type: 'status-changed',
      attempt: 0,
      phase: 2,
      phaseName: 'RUNNING',
      message: 'scanning 3 partitions of sales.orders',
      logs: [long],
    },
  ];

  async function screen(
    cols: number,
    drive: (p: ReturnType<typeof createProgress>, clock: { now: number; tick: () => void }) => void,
  ): Promise<string[]> {
    const terminal = new Terminal({ cols, rows: 12, convertEol: true, allowProposedApi: true });
    let output = '';
    let tick = () => {};
    const clock = { now: 0, tick: () => tick() };
    const progress = createProgress({
      isTTY: true,
      color: true,
      write: (text) => (output += text),
      now: () => clock.now,
      columns: () => cols,
      every: (fn) => {
        tick = fn;
        return () => (tick = () => {});
      },
    });
    drive(progress, clock);
    await new Promise<void>((resolve) => terminal.write(output, resolve));
    const rows: string[] = [];
    for (let i = 0; i < terminal.buffer.active.length; i++) rows.push(terminal.buffer.active.getLine(i)?.translateToString(true) ?? '');
    terminal.dispose();
    while (rows.length > 0 && rows.at(-1) === '') rows.pop();
    return rows;
  }

  const feed = (progress: ReturnType<typeof createProgress>, clock: { now: number }, events: readonly ExecutorEvent[]) => {
    for (const event of events) {
      clock.now = event.at;
      progress.onEvent(event);
    }
  };

  it.each([40, 120])('at %i columns, a status wider than the terminal is cut to one row and redrawn without fragments', async (cols) => {
    const rows = await screen(cols, (progress, clock) => {
      feed(progress, clock, run);
      clock.now = 4000;
      progress.onEvent({ ...base, at: 4000, type: 'succeeded', attempts: 1, fromCache: false });
    });
    expect(rows).toEqual(['[n0] examples.q.query: SUCCEEDED 4.0s']);
  });

  it.each([40, 120])('at %i columns, the elapsed time ticks between events on the live line', async (cols) => {
    const rows = await screen(cols, (progress, clock) => {
      feed(progress, clock, run.slice(0, 2));
      clock.now = 2500;
      clock.tick();
      clock.now = 3500;
      clock.tick();
    });
    expect(rows).toEqual(['[n0] examples.q.query: QUEUED 3.5s']);
  });

  it('cuts the live line at the width and keeps it one row, the elapsed time still at its end', async () => {
    const rows = await screen(40, (progress, clock) => feed(progress, clock, run));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveLength(39);
    expect(rows[0]).toMatch(/^\[n0\] examples\.q\.query: RUNNING \S*… \d+\.\ds$/);
  });

  it('a note (the Ctrl-C notice) stays on screen: later progress goes below it', async () => {
    const rows = await screen(120, (progress, clock) => {
      feed(progress, clock, run.slice(0, 2));
      progress.note('tflyte: cancelling: deleting 1 live job (Ctrl-C again to exit now)');
      clock.now = 2000;
      clock.tick();
      progress.onEvent({ ...base, at: 2000, type: 'cancelled', attempt: 0 });
    });
    expect(rows).toEqual([
      '[n0] examples.q.query: QUEUED 0.5s',
      'tflyte: cancelling: deleting 1 live job (Ctrl-C again to exit now)',
      '[n0] examples.q.query: cancelled; attempt 0 deleted 2.0s',
    ]);
  });
});
