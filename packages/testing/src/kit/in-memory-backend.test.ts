import type { AttemptContext, TaskStatus } from '@tflyte/core';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { describe, expect, it } from 'vitest';
import { testAttemptContext } from './attempt-context.ts';
import { createFakeClock } from './fake-clock.ts';
import { createInMemoryBackend, createInMemorySyncBackend } from './in-memory-backend.ts';
import { testLiteralMap } from './task-template.ts';

function ctx(attempt = 0, token = `token-${attempt}`): AttemptContext {
  return testAttemptContext({ generatedName: `r-n0-${attempt}`, idempotencyToken: token, attempt, interruptible: attempt === 0 });
}

describe('createInMemoryBackend', () => {
  it('moves a job one scripted step per status check and repeats the last step', async () => {
    const backend = createInMemoryBackend({
      script: [{ phase: 'QUEUED' }, { phase: 'RUNNING', message: 'busy' }, { phase: 'SUCCEEDED', outputs: testLiteralMap({ y: 1n }) }],
    });
    const handle = await backend.create(ctx());
    const phases: TaskExecution_Phase[] = [];
    for (let i = 0; i < 4; i++) phases.push((await backend.get(handle, ctx())).phase);
    expect(phases).toEqual([
      TaskExecution_Phase.QUEUED,
      TaskExecution_Phase.RUNNING,
      TaskExecution_Phase.SUCCEEDED,
      TaskExecution_Phase.SUCCEEDED,
    ]);
    expect(backend.calls.map((c) => c.op)).toEqual(['create', 'get', 'get', 'get', 'get']);
    expect(backend.jobs[0]).toMatchObject({ id: 'job-1', attempt: 0, generatedName: 'r-n0-0', interruptible: true, live: false });
  });

  it('moves a job one step per interval of clock time when asked to', async () => {
    const clock = createFakeClock();
    const backend = createInMemoryBackend({
      script: [{ phase: 'QUEUED' }, { phase: 'RUNNING' }, { phase: 'SUCCEEDED' }],
      advance: { clock, everyMs: 1000 },
    });
    const handle = await backend.create(ctx());
    expect((await backend.get(handle, ctx())).phase).toBe(TaskExecution_Phase.QUEUED);
    expect((await backend.get(handle, ctx())).phase).toBe(TaskExecution_Phase.QUEUED);
    await clock.advance(1000);
    expect((await backend.get(handle, ctx())).phase).toBe(TaskExecution_Phase.RUNNING);
    await clock.advance(5000);
    expect((await backend.get(handle, ctx())).phase).toBe(TaskExecution_Phase.SUCCEEDED);
  });

  it('makes create idempotent per token and counts only real submissions as jobs', async () => {
    const backend = createInMemoryBackend({ script: [{ phase: 'RUNNING' }] });
    const a = await backend.create(ctx(0, 'same'));
    const b = await backend.create(ctx(0, 'same'));
    expect(a).toEqual(b);
    expect(backend.jobs).toHaveLength(1);
    expect(backend.creates.map((c) => c.reused)).toEqual([false, true]);
  });

  it('reports a deleted job as ABORTED, and delete is idempotent', async () => {
    const backend = createInMemoryBackend({ script: [{ phase: 'RUNNING' }] });
    const handle = await backend.create(ctx());
    expect(backend.liveJobs()).toHaveLength(1);
    await backend.delete(handle, ctx());
    await backend.delete(handle, ctx());
    expect((await backend.get(handle, ctx())).phase).toBe(TaskExecution_Phase.ABORTED);
    expect(backend.liveJobs()).toEqual([]);
    expect(backend.deletes).toHaveLength(2);
  });

  it('follows a per-job script and throws the scripted errors from create, get and delete', async () => {
    const backend = createInMemoryBackend({
      script: (_c, index) =>
        index === 0
          ? { steps: [], createThrows: new Error('create failed') }
          : { steps: [{ phase: 'RUNNING' }, { throws: new Error('get failed') }], deleteThrows: new Error('delete failed') },
    });
    await expect(backend.create(ctx(0))).rejects.toThrow('create failed');
    const handle = await backend.create(ctx(1));
    expect(handle).toEqual({ jobId: 'job-1' });
    await backend.get(handle, ctx(1));
    await expect(backend.get(handle, ctx(1))).rejects.toThrow('get failed');
    await expect(backend.delete(handle, ctx(1))).rejects.toThrow('delete failed');
    await expect(backend.get({ jobId: 'nope' }, ctx(1))).rejects.toThrow("no job 'nope'");
  });

  it('pushes each new status through watch until a terminal phase', async () => {
    const backend = createInMemoryBackend({
      script: [{ phase: 'QUEUED' }, { phase: 'RUNNING' }, { phase: 'RUNNING' }, { phase: 'SUCCEEDED' }],
      watch: true,
    });
    const handle = await backend.create(ctx());
    const seen: TaskStatus[] = [];
    await new Promise<void>((resolve) => {
      backend.watch!(
        handle,
        ctx(),
        (status) => {
          seen.push(status);
          if (status.phase === TaskExecution_Phase.SUCCEEDED) resolve();
        },
        new AbortController().signal,
        () => {},
      );
    });
    expect(seen.map((s) => s.phase)).toEqual([TaskExecution_Phase.QUEUED, TaskExecution_Phase.RUNNING, TaskExecution_Phase.SUCCEEDED]);
    expect(backend.gets).toHaveLength(0);
  });
});

describe('createInMemorySyncBackend', () => {
  it('runs a job to its first terminal status within one do call, idempotently per token', async () => {
    const backend = createInMemorySyncBackend({
      script: [{ phase: 'QUEUED' }, { phase: 'RUNNING' }, { phase: 'SUCCEEDED', outputs: testLiteralMap({ y: 1n }) }],
    });
    const first = await backend.do(ctx(0, 'same'));
    expect(first.phase).toBe(TaskExecution_Phase.SUCCEEDED);
    expect(first.outputs).toEqual(testLiteralMap({ y: 1n }));
    expect((await backend.do(ctx(0, 'same'))).phase).toBe(TaskExecution_Phase.SUCCEEDED);
    expect(backend.jobs).toHaveLength(1);
    expect(backend.dos.map((c) => c.reused)).toEqual([false, true]);
  });

  it('stops a job with ABORTED when the attempt signal aborts', async () => {
    const backend = createInMemorySyncBackend({ script: [{ phase: 'RUNNING' }] });
    const stop = new AbortController();
    const running = backend.do(testAttemptContext({ signal: stop.signal }));
    stop.abort();
    expect((await running).phase).toBe(TaskExecution_Phase.ABORTED);
    expect(backend.liveJobs()).toEqual([]);
  });
});
