import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutor, type Executor, type ExecutorEvent, type ExecutorOptions, openStateStore, type StateStore } from '@tflyte/core';
import { createFakeClock, type FakeClock } from './fake-clock.ts';

export interface TestExecutorOptions extends Omit<ExecutorOptions, 'store' | 'stateDir' | 'clock'> {
  /** Default: a fake clock with auto-advance on. */
  readonly clock?: FakeClock;
  /** Default: a fresh temporary directory, removed by `close`. */
  readonly stateDir?: string;
}

export interface TestExecutor {
  readonly executor: Executor;
  readonly store: StateStore;
  readonly stateDir: string;
  readonly clock: FakeClock;
  /** Every event of every run, in order. */
  readonly events: ExecutorEvent[];
  /** Event types in order, with the phase name for status changes (`status-changed:RUNNING`). */
  eventTypes(): string[];
  /** Closes the store and removes the state directory when this helper created it. */
  close(): Promise<void>;
}

/** An executor over a temporary state directory and a fake clock, recording its events. */
export async function createTestExecutor(options: TestExecutorOptions = {}): Promise<TestExecutor> {
  const ownsDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'tflyte-test-')));
  const clock = options.clock ?? createFakeClock({ now: 1_700_000_000_000, autoAdvance: true });
  const store = openStateStore(stateDir);
  const executor = createExecutor({ ...options, store, stateDir, clock });
  const events: ExecutorEvent[] = [];
  executor.on((event) => events.push(event));
  return {
    executor,
    store,
    stateDir,
    clock,
    events,
    eventTypes: () => events.map((e) => (e.type === 'status-changed' ? `${e.type}:${e.phaseName}` : e.type)),
    async close() {
      clock.setAutoAdvance(false);
      store.close();
      if (ownsDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}
