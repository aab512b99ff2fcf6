/**
 * Specification of the executor's failure handling: separate USER and SYSTEM retry budgets,
 * permanent failures, errors thrown by the backend, timeouts and interruptible attempts.
 */
import { BackendError, type FailureInfo, TaskFailedError, TaskTimeoutError } from '@tflyte/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createInMemoryBackend, type JobScript, type ScriptStep } from './in-memory-backend.ts';
import { primitiveValues, type TestTaskOptions, testLiteralMap, testTaskTemplate } from './task-template.ts';
import { createTestExecutor, type TestExecutor, type TestExecutorOptions } from './test-executor.ts';

const harnesses: TestExecutor[] = [];
async function harness(options: TestExecutorOptions): Promise<TestExecutor> {
  const h = await createTestExecutor(options);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

const inputs = testLiteralMap({ x: 1n });
const task = (options: TestTaskOptions = {}) => testTaskTemplate({ outputs: { y: 'integer' }, ...options });
const ok: ScriptStep[] = [{ phase: 'RUNNING' }, { phase: 'SUCCEEDED', outputs: testLiteralMap({ y: 1n }) }];
const failing = (failure: FailureInfo): ScriptStep[] => [
  { phase: 'RUNNING' },
  { phase: failure.retryable ? 'RETRYABLE_FAILED' : 'FAILED', failure },
];
const userRetryable: FailureInfo = { kind: 'user', retryable: true, code: 'USER:Flaky', message: 'flaky' };
const systemRetryable: FailureInfo = { kind: 'system', retryable: true, code: 'Preempted', message: 'node preempted' };
const permanent: FailureInfo = { kind: 'user', retryable: false, code: 'SYNTAX_ERROR', message: 'bad query' };

/** Jobs follow `scripts` in creation order, then the last one forever. */
const sequence =
  (...scripts: (ScriptStep[] | JobScript)[]) =>
  (_ctx: unknown, index: number) =>
    scripts[Math.min(index, scripts.length - 1)]!;

describe('executor: retry budgets', () => {
  it('spends the task retries on USER failures: retries + 1 attempts, then TaskFailedError', async () => {
    const backend = createInMemoryBackend({ script: failing(userRetryable) });
    const h = await harness({ backends: { 'test-task': backend }, systemRetries: 5 });
    const error = await h.executor.run(task({ retries: 2 }), inputs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ attempts: 3, failure: { kind: 'user', code: 'USER:Flaky', retryable: true } });
    expect(backend.creates.map((c) => c.attempt)).toEqual([0, 1, 2]);
    expect(h.events.filter((e) => e.type === 'retry-scheduled')).toMatchObject([
      { nextAttempt: 1, kind: 'user', userRetriesLeft: 1, systemRetriesLeft: 5 },
      { nextAttempt: 2, kind: 'user', userRetriesLeft: 0, systemRetriesLeft: 5 },
    ]);
    expect(h.eventTypes().filter((t) => t === 'attempt-failed')).toHaveLength(3);
    expect(h.eventTypes().at(-1)).toBe('failed');
  });

  it('spends systemRetries (default 3) on SYSTEM failures, independently of the task retries', async () => {
    const backend = createInMemoryBackend({ script: failing(systemRetryable) });
    const h = await harness({ backends: { 'test-task': backend } });
    await expect(h.executor.run(task({ retries: 0 }), inputs)).rejects.toMatchObject({
      attempts: 4,
      failure: { kind: 'system', code: 'Preempted' },
    });
    expect(backend.creates).toHaveLength(4);

    const two = createInMemoryBackend({ script: failing(systemRetryable) });
    const h2 = await harness({ backends: { 'test-task': two }, systemRetries: 1 });
    await expect(h2.executor.run(task({ retries: 5 }), inputs)).rejects.toMatchObject({ attempts: 2 });
    expect(two.creates).toHaveLength(2);
  });

  it('keeps the two budgets apart when failures alternate', async () => {
    const backend = createInMemoryBackend({
      script: sequence(failing(systemRetryable), failing(userRetryable), failing(systemRetryable), ok),
    });
    const h = await harness({ backends: { 'test-task': backend }, systemRetries: 2 });
    expect(primitiveValues(await h.executor.run(task({ retries: 1 }), inputs))).toEqual({ y: 1n });
    expect(backend.creates).toHaveLength(4);
    expect(h.events.filter((e) => e.type === 'retry-scheduled').map((e) => e.type === 'retry-scheduled' && e.kind)).toEqual([
      'system',
      'user',
      'system',
    ]);
  });

  it('never retries a non-retryable failure', async () => {
    const backend = createInMemoryBackend({ script: failing(permanent) });
    const h = await harness({ backends: { 'test-task': backend } });
    await expect(h.executor.run(task({ retries: 5 }), inputs)).rejects.toMatchObject({
      attempts: 1,
      failure: { code: 'SYNTAX_ERROR', retryable: false },
    });
    expect(backend.creates).toHaveLength(1);
    expect(h.eventTypes()).not.toContain('retry-scheduled');
  });

  it('treats FAILED without details as a permanent USER failure and RETRYABLE_FAILED as a retryable one', async () => {
    const backend = createInMemoryBackend({
      script: sequence([{ phase: 'RETRYABLE_FAILED', message: 'try again' }], [{ phase: 'FAILED', message: 'no' }]),
    });
    const h = await harness({ backends: { 'test-task': backend } });
    await expect(h.executor.run(task({ retries: 3 }), inputs)).rejects.toMatchObject({
      attempts: 2,
      failure: { kind: 'user', code: 'Unknown', retryable: false },
    });
  });

  it('treats a job aborted outside tflyte as a retryable SYSTEM failure', async () => {
    const backend = createInMemoryBackend({ script: sequence([{ phase: 'ABORTED', message: 'killed by admin' }], ok) });
    const h = await harness({ backends: { 'test-task': backend } });
    await h.executor.run(task(), inputs);
    expect(h.events.find((e) => e.type === 'attempt-failed')).toMatchObject({
      kind: 'system',
      code: 'Aborted',
      message: 'killed by admin',
      retryable: true,
    });
  });
});

describe('executor: errors thrown by the backend', () => {
  it('takes kind and retryability from a BackendError thrown by create', async () => {
    const throwsPermanent = new BackendError({ kind: 'user', retryable: false, code: 'BadTaskFormat', message: 'invalid spec' });
    const backend = createInMemoryBackend({ script: { steps: ok, createThrows: throwsPermanent } });
    const h = await harness({ backends: { 'test-task': backend } });
    await expect(h.executor.run(task({ retries: 3 }), inputs)).rejects.toMatchObject({
      attempts: 1,
      failure: { kind: 'user', code: 'BadTaskFormat' },
    });
    expect(backend.creates).toHaveLength(1);
    expect(backend.jobs).toHaveLength(0);
  });

  it('retries a create that throws a retryable USER BackendError against the task retries', async () => {
    const throttled = new BackendError({ kind: 'user', retryable: true, code: 'ThrottlingException', message: 'slow down' });
    const backend = createInMemoryBackend({ script: sequence({ steps: ok, createThrows: throttled }, ok) });
    const h = await harness({ backends: { 'test-task': backend } });
    await h.executor.run(task({ retries: 1 }), inputs);
    expect(backend.creates.map((c) => c.attempt)).toEqual([0, 1]);
  });

  it('treats any other error thrown by create as a retryable SYSTEM failure', async () => {
    const backend = createInMemoryBackend({ script: { steps: ok, createThrows: new TypeError('socket hang up') } });
    const h = await harness({ backends: { 'test-task': backend }, systemRetries: 2 });
    await expect(h.executor.run(task(), inputs)).rejects.toMatchObject({
      attempts: 3,
      failure: { kind: 'system', code: 'BackendException' },
    });
    expect(backend.creates).toHaveLength(3);
  });

  it('retries a get that throws and keeps following the same job: no delete, no second create', async () => {
    const backend = createInMemoryBackend({ script: [{ phase: 'RUNNING' }, { throws: new Error('connection reset') }, ...ok] });
    const h = await harness({ backends: { 'test-task': backend } });
    await h.executor.run(task(), inputs);
    expect(backend.creates).toHaveLength(1);
    expect(backend.deletes).toHaveLength(0);
    expect(h.events.find((e) => e.type === 'status-check-failed')).toMatchObject({ failures: 1, message: 'connection reset' });
    expect(h.eventTypes()).not.toContain('attempt-failed');
  });
});

describe('executor: timeouts', () => {
  const runsForever: ScriptStep[] = [{ phase: 'RUNNING' }];

  it('aborts an attempt that outlives metadata.timeout (deleting its job) and counts it as a retryable USER failure', async () => {
    const backend = createInMemoryBackend({ script: runsForever });
    const h = await harness({ backends: { 'test-task': backend } });
    const error = await h.executor.run(task({ timeoutMs: 5000, retries: 1 }), inputs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error).toMatchObject({ code: 'TFLYTE_TIMEOUT', timeoutMs: 5000, attempts: 2 });
    expect(backend.creates).toHaveLength(2);
    expect(backend.deletes.map((c) => c.jobId)).toEqual(['job-1', 'job-2']);
    expect(backend.liveJobs()).toEqual([]);
    expect(h.events.filter((e) => e.type === 'timed-out')).toMatchObject([
      { attempt: 0, timeoutMs: 5000 },
      { attempt: 1, timeoutMs: 5000 },
    ]);
    expect(h.events.find((e) => e.type === 'attempt-failed')).toMatchObject({ kind: 'user', code: 'TaskTimeout', retryable: true });
  });

  it('succeeds on a retry after a timed-out attempt', async () => {
    const backend = createInMemoryBackend({ script: sequence(runsForever, ok) });
    const h = await harness({ backends: { 'test-task': backend } });
    expect(primitiveValues(await h.executor.run(task({ timeoutMs: 30_000, retries: 1 }), inputs))).toEqual({ y: 1n });
    expect(h.eventTypes().filter((t) => t === 'timed-out')).toHaveLength(1);
  });

  it('does not time out a job that finishes in time', async () => {
    const backend = createInMemoryBackend({ script: [{ phase: 'RUNNING' }, { phase: 'RUNNING' }, ...ok] });
    const h = await harness({ backends: { 'test-task': backend } });
    await h.executor.run(task({ timeoutMs: 60_000 }), inputs);
    expect(backend.deletes).toHaveLength(0);
    expect(h.eventTypes()).not.toContain('timed-out');
  });
});

describe('executor: interruptible', () => {
  it('runs every attempt interruptible except the last one the SYSTEM budget allows', async () => {
    const backend = createInMemoryBackend({ script: failing(systemRetryable) });
    const h = await harness({ backends: { 'test-task': backend }, systemRetries: 2 });
    await expect(h.executor.run(task({ interruptible: true }), inputs)).rejects.toThrow(TaskFailedError);
    expect(backend.creates.map((c) => c.interruptible)).toEqual([true, true, false]);
    expect(h.events.filter((e) => e.type === 'attempt-created').map((e) => e.type === 'attempt-created' && e.interruptible)).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('keeps attempts interruptible after USER failures, which preemption does not cause', async () => {
    const backend = createInMemoryBackend({ script: failing(userRetryable) });
    const h = await harness({ backends: { 'test-task': backend }, systemRetries: 1 });
    await expect(h.executor.run(task({ interruptible: true, retries: 2 }), inputs)).rejects.toThrow(TaskFailedError);
    expect(backend.creates.map((c) => c.interruptible)).toEqual([true, true, true]);
  });

  it('never marks attempts of a non-interruptible task interruptible', async () => {
    const backend = createInMemoryBackend({ script: ok });
    const h = await harness({ backends: { 'test-task': backend } });
    await h.executor.run(task(), inputs);
    await h.executor.run(task({ interruptible: false }), inputs);
    expect(backend.creates.map((c) => c.interruptible)).toEqual([false, false]);
  });
});
