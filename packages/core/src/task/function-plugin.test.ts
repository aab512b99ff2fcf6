import { glob, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentCheckpoint } from '../checkpoint/checkpoint.ts';
import { BackendError, CancelledError, NonRetryableError, TaskTimeoutError } from '../errors.ts';
import { type Clock, systemClock } from '../executor/clock.ts';
import { createExecutor, type Executor } from '../executor/executor.ts';
import type { AttemptContext, TaskStatus } from '../plugin/contract.ts';
import { createRegistry } from '../plugin/registry.ts';
import { toTaskTemplate } from '../serialize/task-template.ts';
import { executorRunner } from '../session/executor-runner.ts';
import { openStateStore, type StateStore } from '../store/index.ts';
import { fromLiteralMap, toLiteralMap } from '../types/literal-map.ts';
import { t } from '../types/t.ts';
import { functionBackend, functionPlugin } from './function-plugin.ts';
import { task } from './function-task.ts';
import { withRunner } from './run-context.ts';

const half = task({ inputs: { x: t.int() }, outputs: t.int() }, function half({ x }) {
  if (x % 2 !== 0) throw new Error(`${x} is odd`);
  if (x < 0) throw new NonRetryableError('negative');
  return x / 2;
});
// Saves its progress before failing once, and resumes from it on the retry (a preempted node).
const seen: { done: number; prev: boolean }[] = [];
const resumable = task({ inputs: { steps: t.int() }, outputs: t.string(), retries: 1 }, async function resumable({ steps }) {
  const checkpoint = currentCheckpoint();
  const saved = await checkpoint.read();
  const done = saved === undefined ? 0 : Number(new TextDecoder().decode(saved));
  seen.push({ done, prev: checkpoint.prevExists() });
  if (done === 0) {
    await checkpoint.write(new TextEncoder().encode(String(steps / 2)));
    throw new Error('preempted after checkpointing');
  }
  return `resumed at step ${done} of ${steps}`;
});

let hangingCalls = 0;
const hangs = task({ inputs: { x: t.int() }, outputs: t.int(), timeout: 60 }, function hangs() {
  hangingCalls += 1;
  return new Promise<number>(() => {});
});

const attempt = (x: number, overrides: Partial<AttemptContext> = {}): AttemptContext => ({
  template: toTaskTemplate(half, { image: 'test' }),
  inputs: toLiteralMap(half.inputs, { x }),
  generatedName: 'r-n0-0',
  idempotencyToken: `token-${x}`,
  attempt: 0,
  inputsUri: 'file:///dev/null',
  outputPrefix: 'file:///tmp/x',
  rawOutputPrefix: 'file:///tmp/x/raw',
  interruptible: false,
  signal: new AbortController().signal,
  clock: systemClock,
  ...overrides,
});
const output = (status: TaskStatus) =>
  status.outputs === undefined ? undefined : fromLiteralMap(half.outputs.types, status.outputs)['o0'];

describe('functionBackend: do', () => {
  const backend = functionBackend();

  it('runs the function within the call and returns SUCCEEDED with its outputs', async () => {
    const status = await backend.do(attempt(8));
    expect(status.phase).toBe(TaskExecution_Phase.SUCCEEDED);
    expect(output(status)).toBe(4);
  });

  it('returns a retryable USER failure for an error the function throws, and a permanent one for NonRetryableError', async () => {
    expect(await backend.do(attempt(3))).toMatchObject({
      phase: TaskExecution_Phase.RETRYABLE_FAILED,
      failure: { kind: 'user', retryable: true, code: 'USER:Error', message: expect.stringContaining('3 is odd') },
    });
    expect(await backend.do(attempt(-2))).toMatchObject({ phase: TaskExecution_Phase.FAILED, failure: { kind: 'user', retryable: false } });
  });

  it('rejects with a permanent BackendError for a task that is not loaded in this process', async () => {
    const template = create(TaskTemplateSchema, { type: 'container', id: { name: 'nowhere.missing' } });
    const error = await backend.do(attempt(2, { template })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ failure: { kind: 'user', retryable: false, code: 'TaskNotLoaded' } });
  });

  it('is a sync backend only: there is no create → get → delete lifecycle to keep up', () => {
    expect(Object.keys(backend).sort()).toEqual(['do', 'inProcess', 'name']);
  });
});

describe('function tasks through the executor', () => {
  let dir: string;
  let store: StateStore;
  let executor: Executor;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tflyte-function-'));
    store = openStateStore(dir);
    // Time jumps to the end of every sleep, so a timeout is reached at once.
    let now = 0;
    const clock: Clock = {
      now: () => now,
      sleep: async (ms, signal) => {
        if (signal?.aborted === true) throw signal.reason;
        now += ms;
      },
    };
    executor = createExecutor({ registry: createRegistry({ plugins: [functionPlugin()] }), store, stateDir: dir, clock });
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('times out a function that runs past its timeout, without waiting for it to return', async () => {
    hangingCalls = 0;
    const error = await withRunner(executorRunner(executor), () => hangs({ x: 1 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 60_000, attempts: 1 });
    expect(hangingCalls).toBe(1);
  });

  it("gives a local attempt its checkpoint: the retry resumes from what the failed attempt saved, in Flyte's layout", async () => {
    seen.length = 0;
    expect(await withRunner(executorRunner(executor), () => resumable({ steps: 10 }))).toBe('resumed at step 5 of 10');
    expect(seen).toEqual([
      { done: 0, prev: false },
      { done: 5, prev: true },
    ]);
    const saved: string[] = [];
    for await (const path of glob('runs/*/*/0/_flytecheckpoints/_dst_cp', { cwd: dir })) saved.push(path);
    expect(saved).toHaveLength(1);
    expect(await readFile(join(dir, saved[0] as string), 'utf8')).toBe('5');
  });

  it('stops waiting for a function when the run is cancelled', async () => {
    const controller = new AbortController();
    const runner = executorRunner(executor, {
      signal: controller.signal,
      onEvent: (e) => e.type === 'attempt-started' && queueMicrotask(() => controller.abort()),
    });
    await expect(withRunner(runner, () => hangs({ x: 1 }))).rejects.toThrow(CancelledError);
  });
});
