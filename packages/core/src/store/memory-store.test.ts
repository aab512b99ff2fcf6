import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createExecutor, createRegistry, type ExecutorEvent, functionPlugin, t, task, toLiteralMap, toTaskTemplate } from '../index.ts';
import { createMemoryStateStore } from './memory-store.ts';

export const memoSquare = task({ inputs: { x: t.int() }, outputs: t.int(), cache: { version: '1' } }, function memoSquare({ x }) {
  return x * x;
});

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('the in-memory state store', () => {
  it('backs an executor: a cached task runs once, and the second run answers from the cache', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'tflyte-memory-store-'));
    dirs.push(stateDir);
    const store = createMemoryStateStore();
    const executor = createExecutor({ store, stateDir, registry: createRegistry({ plugins: [functionPlugin()] }) });
    const events: ExecutorEvent[] = [];
    executor.on((e) => events.push(e));
    const template = toTaskTemplate(memoSquare, { image: 'img:1', version: 'v1' });
    for (let i = 0; i < 2; i++) await executor.run(template, toLiteralMap(memoSquare.inputs, { x: 7 }));
    expect(events.filter((e) => e.type === 'succeeded').map((e) => (e as { fromCache: boolean }).fromCache)).toEqual([false, true]);
    expect(store.clearCache()).toBe(1);
  });

  it('hands a cache lock to one owner at a time until it expires or is released', () => {
    const store = createMemoryStateStore();
    expect(store.acquireLock('k', 'a', 0, 100)).toEqual({ acquired: true, tookOverFrom: undefined });
    expect(store.acquireLock('k', 'b', 50, 100)).toMatchObject({ acquired: false, holder: { owner: 'a' } });
    expect(store.heartbeatLock('k', 'b', 60, 100)).toBe(false);
    expect(store.acquireLock('k', 'b', 100, 100)).toEqual({ acquired: true, tookOverFrom: 'a' });
    store.releaseLock('k', 'a');
    expect(store.getLock('k')?.owner).toBe('b');
    store.releaseLock('k', 'b');
    expect(store.getLock('k')).toBeUndefined();
  });
});
