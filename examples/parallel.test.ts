import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession, withRunner } from '@tflyte/core';
import { describe, expect, it } from 'vitest';
import { parallelizedMean, preparePartitions } from './parallel.ts';

describe('examples/parallel', () => {
  it('computes the mean of 1..10 through prepare → map → reduce', async () => {
    expect(await parallelizedMean({ values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })).toBe(5.5);
  });

  it('uses the default partition count', async () => {
    // Called without nPartitions, through a session, so the map node's elements can be counted.
    const dir = await mkdtemp(join(tmpdir(), 'tflyte-parallel-'));
    const session = await openSession({ cwd: dir, config: { plugins: [], stateDir: dir } });
    const elements = new Set<string>();
    try {
      const runner = session.runner({ onEvent: (e) => e.type === 'succeeded' && /^n1-\d+$/.test(e.nodeId) && elements.add(e.nodeId) });
      expect(await withRunner(runner, () => parallelizedMean({ values: [1, 2, 3, 4, 5, 6] }))).toBe(3.5);
    } finally {
      session.close();
      await rm(dir, { recursive: true, force: true });
    }
    expect([...elements].sort()).toEqual(['n1-0', 'n1-1', 'n1-2']);
    expect(await preparePartitions({ values: [1, 2, 3, 4, 5, 6], nPartitions: 3 })).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
  });
});
