// Real distributed PyTorch on this machine: ranks as processes with the operator's env contract, through the executor.
// Needs /usr/bin/python3 with torch (tools/ci/install-pytorch.sh).
import { fileURLToPath } from 'node:url';
import { CancelledError, createRegistry, fromLiteralMap, TaskFailedError, t, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { createTestExecutor } from '@tflyte/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pytorchPlugin, pytorchTask } from '../index.ts';
import { haveTorch, PYTHON } from '../test-fixtures/torch.ts';
import { rankProcesses } from './rank-count.ts';

const RANKS = fileURLToPath(new URL('../test-fixtures/ranks.py', import.meta.url));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function executor() {
  const registry = createRegistry({
    plugins: [pytorchPlugin({ local: { executables: { python3: PYTHON }, env: { OMP_NUM_THREADS: '1' } } })],
  });
  const test = await createTestExecutor({ registry });
  cleanups.push(() => test.close());
  return test;
}

describe.skipIf(!haveTorch)('local multi-rank runs with real torch (gloo on 127.0.0.1)', () => {
  it('a master and a worker all-reduce, and rank 0 writes typed outputs', async () => {
    const task = pytorchTask({
      name: 'allreduce',
      image: 'ghcr.io/acme/torch:1',
      command: ['python3', RANKS, 'allreduce', '/var/outputs'],
      outputs: { total: t.float(), world: t.int(), addr: t.string() },
      workers: { replicas: 1 },
    });
    const { executor: exec } = await executor();
    const outputs = await exec.run(toTaskTemplate(task, { version: 'test' }), toLiteralMap({}, {}));
    const values = fromLiteralMap(task.outputs.types, outputs) as { total: number; world: number; addr: string };
    // ranks 0 and 1 contribute 1 and 2
    expect(values.total).toBe(3);
    expect(values.world).toBe(2);
    expect(values.addr).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('the example trains with DDP for the steps given as a typed input, and rank 0 reports the loss', async () => {
    const train = fileURLToPath(new URL('../../../../examples/pytorch/train.py', import.meta.url));
    const task = pytorchTask({
      name: 'ddp',
      image: 'ghcr.io/acme/torch:1',
      command: ['python3', train],
      args: ['--steps', '{{.inputs.steps}}', '--out', '/var/outputs'],
      inputs: { steps: t.int() },
      outputs: { world_size: t.int(), rank_sum: t.float(), loss: t.float() },
      workers: { replicas: 1 },
    });
    const { executor: exec } = await executor();
    const outputs = await exec.run(toTaskTemplate(task, { version: 'test' }), toLiteralMap(task.inputs, { steps: 3 }));
    const values = fromLiteralMap(task.outputs.types, outputs) as { world_size: number; rank_sum: number; loss: number };
    expect(values.world_size).toBe(2);
    expect(values.rank_sum).toBe(3);
    expect(Number.isFinite(values.loss) && values.loss > 0).toBe(true);
  });

  it('a failing rank fails the attempt with its rank and last lines, and the other rank is stopped', async () => {
    const task = pytorchTask({ name: 'fails', image: 'i', command: ['python3', RANKS, 'fail', '1', '3'], workers: { replicas: 1 } });
    const test = await executor();
    const runId = 'fails';
    const error = await test.executor
      .run(toTaskTemplate(task, { version: 'test' }), toLiteralMap({}, {}), { runId })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ failure: { code: 'RankFailed', kind: 'user' }, attempts: 1 });
    const message = (error as TaskFailedError).failure.message;
    expect(message).toContain('rank 1 (worker-0) exited with code 3');
    expect(message).toContain('rank 1: loss is NaN, giving up');
    const names = test.events.flatMap((e) => ('generatedName' in e ? [(e as { generatedName: string }).generatedName] : []));
    for (const name of new Set(names)) expect(await rankProcesses(name)).toEqual([]);
  });

  it('restartPolicy OnFailure restarts the whole group up to backoffLimit, then fails', async () => {
    const task = pytorchTask({
      name: 'restarts',
      image: 'i',
      command: ['python3', RANKS, 'fail', '0', '2'],
      master: { restartPolicy: 'OnFailure' },
      workers: { replicas: 1 },
      runPolicy: { backoffLimit: 1 },
    });
    const { executor: exec } = await executor();
    const error = await exec.run(toTaskTemplate(task, { version: 'test' }), toLiteralMap({}, {})).catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: { code: 'RankFailed' } });
    expect((error as TaskFailedError).failure.message).toContain('rank 0 (master-0) exited with code 2 (after 1 restart of the job)');
  });

  it('cancelling the run stops every rank: no process is left', async () => {
    const task = pytorchTask({ name: 'hangs', image: 'i', command: ['python3', RANKS, 'hang'], workers: { replicas: 2 } });
    const test = await executor();
    const controller = new AbortController();
    let generatedName = '';
    const run = test.executor.run(toTaskTemplate(task, { version: 'test' }), toLiteralMap({}, {}), {
      signal: controller.signal,
      onEvent: (event) => {
        if ('generatedName' in event) generatedName = (event as { generatedName: string }).generatedName;
      },
    });
    const outcome = run.catch((e: unknown) => e);
    await vi.waitFor(async () => expect(generatedName !== '' && (await rankProcesses(generatedName)).length).toBe(3), {
      timeout: 30_000,
      interval: 100,
    });
    controller.abort();
    expect(await outcome).toBeInstanceOf(CancelledError);
    await vi.waitFor(async () => expect(await rankProcesses(generatedName)).toEqual([]), { timeout: 30_000, interval: 100 });
  });
});
