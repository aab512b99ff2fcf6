import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AsyncBackend } from '../plugin/contract.ts';
import { running } from '../plugin/status.ts';
import { toTaskTemplate } from '../serialize/task-template.ts';
import { openStateStore, type StateStore, TEMPLATE_DOCUMENT } from '../store/index.ts';
import { task } from '../task/function-task.ts';
import { t } from '../types/t.ts';
import { createExecutor } from './executor.ts';

/** A remote service whose jobs run until deleted; it counts what it was asked. */
function service() {
  const live = new Set<string>();
  let created = 0;
  const backend: AsyncBackend<{ readonly job: string }> = {
    name: 'long-jobs',
    handleVersion: 1,
    poll: { initialMs: 5, multiplier: 1, maxMs: 5 },
    async create(ctx) {
      if (!live.has(ctx.idempotencyToken)) created += 1;
      live.add(ctx.idempotencyToken);
      return { job: ctx.idempotencyToken };
    },
    async get() {
      return running();
    },
    async delete(handle) {
      live.delete(handle.job);
    },
  };
  return { backend, live, created: () => created };
}

const slow = task({ inputs: { x: t.int() }, outputs: t.int() }, function slow({ x }) {
  return x;
});

let dir: string;
let store: StateStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tflyte-abandon-array-'));
  store = openStateStore(dir);
});
afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('an array of remote jobs', () => {
  it('records the template once, in the store at the array node, and abandon still deletes every element’s live job', async () => {
    const remote = service();
    const executor = createExecutor({ store, stateDir: dir, backends: { container: remote.backend } });
    const template = toTaskTemplate(slow, { image: 'x' });
    const elements = [1, 2, 3].map(() => create(LiteralMapSchema, { literals: {} }));
    const stop = new AbortController();
    const array = executor.runArray(template, elements, { runId: 'r', nodeId: 'n0', concurrency: 3, minSuccesses: 3, signal: stop.signal });
    while (store.listAttemptsByStatus(['running']).length < 3) await new Promise((resolve) => setTimeout(resolve, 5));

    expect(store.getDocument('r', 'n0', TEMPLATE_DOCUMENT)).toEqual(toBinary(TaskTemplateSchema, template));
    expect([0, 1, 2].map((i) => store.getDocument('r', `n0-${i}`, TEMPLATE_DOCUMENT))).toEqual([undefined, undefined, undefined]);
    // Nor as files: this backend never reads its inputs' location, so nothing is written beside the attempts.
    expect(existsSync(join(dir, 'runs'))).toBe(false);

    // A second executor (the first one's process gone) finds the jobs through the array's template.
    const second = openStateStore(dir);
    try {
      const jobs = await createExecutor({ store: second, stateDir: dir, backends: { container: remote.backend } }).abandon('r');
      expect(jobs.map((job) => [job.nodeId, job.deleted])).toEqual([
        ['n0-0', true],
        ['n0-1', true],
        ['n0-2', true],
      ]);
    } finally {
      second.close();
    }
    expect(remote.live.size).toBe(0);
    expect(remote.created()).toBe(3);
    stop.abort();
    await array.catch(() => undefined);
  });
});
