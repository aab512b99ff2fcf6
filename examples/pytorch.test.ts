import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openSession, toTaskTemplate, withRunner } from '@tflyte/core';
import { pytorchPlugin } from '@tflyte/plugin-pytorch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveTorch, PYTHON } from '../packages/plugin-pytorch/src/test-fixtures/torch.ts';
import { trainTinyModel } from './pytorch.ts';

const REPO = resolve(import.meta.dirname, '..');

describe('examples/pytorch', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-example-pytorch-'));
  });
  afterAll(async () => {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it.skipIf(!haveTorch)('trains on three real ranks (master + 2 workers) locally through the executor', { timeout: 120_000 }, async () => {
    const plugin = pytorchPlugin({ local: { executables: { python3: PYTHON }, cwd: REPO, env: { OMP_NUM_THREADS: '1' } } });
    const session = await openSession({ cwd: scratch, config: { plugins: [plugin], stateDir: join(scratch, 'state') } });
    try {
      const result = await withRunner(session.runner(), () => trainTinyModel({ steps: 4, lr: 0.05 }));
      expect(result.world_size).toBe(3);
      expect(result.rank_sum).toBe(6);
      expect(result.loss).toBeGreaterThan(0);
    } finally {
      session.close();
    }
  });

  it('serializes as flytekit-kf-pytorch writes PyTorch(num_workers=2)', () => {
    const template = toTaskTemplate(trainTinyModel, { version: 'v1' });
    expect(template.type).toBe('pytorch');
    expect(template.taskTypeVersion).toBe(1);
    expect(template.custom).toEqual({ workerReplicas: { replicas: 2, resources: {} }, masterReplicas: { replicas: 1, resources: {} } });
  });
});
