import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../errors.ts';
import type { ExecutorEvent } from '../executor/events.ts';
import type { ArrayRunOptions, Executor } from '../executor/executor.ts';
import { task } from '../task/function-task.ts';
import { withRunner } from '../task/run-context.ts';
import { t } from '../types/t.ts';
import { MapTaskFailedError, mapTask } from '../workflow/map-task.ts';
import { workflow } from '../workflow/workflow.ts';
import { executorRunner } from './executor-runner.ts';
import { openSession, type Session } from './open-session.ts';

const square = task({ inputs: { x: t.int() }, outputs: t.int() }, function square({ x }) {
  return x * x;
});
const evenFails = task({ inputs: { x: t.int() }, outputs: t.int() }, function evenFails({ x }) {
  if (x % 2 === 0) throw new Error(`no ${x}`);
  return x;
});
const hangs = task({ inputs: { x: t.int() }, outputs: t.int() }, function hangs() {
  return new Promise<number>(() => {});
});

let dir: string;
let session: Session;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tflyte-runner-'));
  session = await openSession({ cwd: dir, config: { plugins: [], stateDir: dir } });
});
afterEach(async () => {
  session.close();
  await rm(dir, { recursive: true, force: true });
});

/** The session's executor, recording the arrays it is asked to run. */
function recording(executor: Executor): { executor: Executor; arrays: ArrayRunOptions[] } {
  const arrays: ArrayRunOptions[] = [];
  return {
    arrays,
    executor: {
      ...executor,
      runArray: (template, elements, options) => {
        arrays.push(options);
        return executor.runArray(template, elements, options);
      },
    },
  };
}

describe('executorRunner', () => {
  it('runs each task call as the next node of the run', async () => {
    const events: ExecutorEvent[] = [];
    const runner = executorRunner(session.executor, { runId: 'r', onEvent: (e) => events.push(e) });
    expect(await withRunner(runner, async () => [await square({ x: 2 }), await square({ x: 3 })])).toEqual([4, 9]);
    expect([...new Set(events.map((e) => e.nodeId))]).toEqual(['n0', 'n1']);
    expect(events.filter((e) => e.nodeId === 'n0').map((e) => e.type)).toEqual([
      'run-started',
      'attempt-started',
      'status-changed',
      'succeeded',
    ]);
  });

  it('runs a map task as one array node whose elements are sub-nodes <node>-<i>', async () => {
    const { executor, arrays } = recording(session.executor);
    const events: ExecutorEvent[] = [];
    const runner = executorRunner(executor, { runId: 'r', onEvent: (e) => events.push(e) });
    const out = await withRunner(runner, async () => {
      await square({ x: 1 });
      return mapTask(square, { concurrency: 2 })({ x: [1, 2, 3] });
    });
    expect(out).toEqual([1, 4, 9]);
    expect(arrays).toMatchObject([{ runId: 'r', nodeId: 'n1', concurrency: 2, minSuccesses: 3 }]);
    expect([...new Set(events.map((e) => e.nodeId))].sort()).toEqual(['n0', 'n1-0', 'n1-1', 'n1-2']);
  });

  it('keeps map semantics through the executor: nulls below the ratio, MapTaskFailedError naming the indices above it', async () => {
    const runner = executorRunner(session.executor);
    expect(await withRunner(runner, () => mapTask(evenFails, { minSuccessRatio: 0.5 })({ x: [1, 2, 3, 4] }))).toEqual([1, null, 3, null]);
    const error = await withRunner(runner, () => mapTask(evenFails, { minSuccessRatio: 0.9, concurrency: 1 })({ x: [1, 2, 3, 4] })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MapTaskFailedError);
    expect((error as MapTaskFailedError).failedIndices).toEqual([1]);
    expect((error as Error).message).toMatch(/1 of 4 elements failed \(indices 1\); 4 had to succeed\. First error: .*no 2/);
  });

  it('runs a map inside a workflow through the same array', async () => {
    const { executor, arrays } = recording(session.executor);
    const sumOfSquares = workflow({ inputs: { xs: t.list(t.int()) }, outputs: t.int() }, function sumOfSquares({ xs }) {
      return mapTask(square)({ x: xs }).then((squares) => squares.reduce((a, b) => a + b, 0));
    });
    expect(await withRunner(executorRunner(executor), () => sumOfSquares({ xs: [1, 2, 3] }))).toBe(14);
    expect(arrays).toHaveLength(1);
  });

  it("cancels a map's running elements when the run's signal aborts", async () => {
    const controller = new AbortController();
    const runner = executorRunner(session.executor, {
      signal: controller.signal,
      onEvent: (e) => e.type === 'attempt-started' && e.nodeId === 'n0-1' && queueMicrotask(() => controller.abort()),
    });
    await expect(withRunner(runner, () => mapTask(hangs, { concurrency: 2 })({ x: [1, 2, 3] }))).rejects.toThrow(CancelledError);
  });
});

describe('session.runner', () => {
  it('gives every call of one runner the same run id, also when runId is passed as undefined', async () => {
    const events: ExecutorEvent[] = [];
    const runner = session.runner({ runId: undefined, onEvent: (e) => events.push(e) });
    await withRunner(runner, async () => [await square({ x: 2 }), await square({ x: 3 })]);
    expect(new Set(events.map((e) => e.nodeId))).toEqual(new Set(['n0', 'n1']));
    expect(new Set(events.map((e) => e.runId)).size).toBe(1);
  });
});
