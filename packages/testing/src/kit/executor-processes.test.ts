/**
 * Specification of what the state store guarantees across processes: cache serialization between
 * two executors on one project, and crash recovery — an executor killed with jobs in flight is
 * replaced by one that re-attaches to those jobs without submitting anything again. Jobs live in an
 * HTTP job service on 127.0.0.1, outside both executors.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createExecutor, type ExecutorEvent, openStateStore, type StateStore } from '@tflyte/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpJobService, type HttpJobService, httpJobBackend } from './http-job-service.ts';
import { primitiveValues, type TestTaskOptions, testLiteralMap, testTaskTemplate } from './task-template.ts';

const NODE = fileURLToPath(new URL('../../../../node_modules/.bin/node', import.meta.url));
const moduleUrl = (path: string): string => new URL(path, import.meta.url).href;

/** An executor process: runs `nodes` of one run concurrently, printing every event as a JSON line. */
const CHILD = `
import { createExecutor } from ${JSON.stringify(moduleUrl('../../../core/src/executor/executor.ts'))};
import { openStateStore } from ${JSON.stringify(moduleUrl('../../../core/src/store/state-store.ts'))};
import { httpJobBackend } from ${JSON.stringify(moduleUrl('./http-job-service.ts'))};
import { primitiveValues, testLiteralMap, testTaskTemplate } from ${JSON.stringify(moduleUrl('./task-template.ts'))};

const { stateDir, url, runId, nodes, task, lockTtlMs } = JSON.parse(process.argv[2]);
const store = openStateStore(stateDir);
const executor = createExecutor({
  store,
  stateDir,
  backends: { 'test-task': httpJobBackend(url, { poll: { initialMs: 20, multiplier: 1, maxMs: 20 } }) },
  cache: { lockTtlMs, waitPollMs: 20 },
});
const print = (value) => process.stdout.write(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v)) + '\\n');
await Promise.all(
  nodes.map(async (nodeId) => {
    const outputs = await executor.run(testTaskTemplate(task), testLiteralMap({ x: 1n }), { runId, nodeId, onEvent: (event) => print({ event }) });
    print({ nodeId, outputs: primitiveValues(outputs) });
  }),
);
store.close();
`;

interface Child {
  readonly process: ChildProcess;
  readonly lines: Record<string, unknown>[];
  /** Resolves when a printed line satisfies `predicate`. */
  waitFor(predicate: (lines: Record<string, unknown>[]) => boolean): Promise<void>;
  exited: Promise<number | null>;
}

let dir: string;
let service: HttpJobService;
const stores: StateStore[] = [];
const children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tflyte-processes-'));
  await writeFile(join(dir, 'child.mjs'), CHILD);
  service = await createHttpJobService();
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const store of stores.splice(0)) store.close();
  await service.close();
  await rm(dir, { recursive: true, force: true });
});

function startChild(config: { runId: string; nodes: string[]; task: TestTaskOptions; lockTtlMs?: number }): Child {
  const proc = spawn(
    NODE,
    [
      '--conditions=@tflyte/source',
      join(dir, 'child.mjs'),
      JSON.stringify({ stateDir: join(dir, 'state'), url: service.url, lockTtlMs: 30_000, ...config }),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(proc);
  const lines: Record<string, unknown>[] = [];
  const waiters: { predicate: (l: Record<string, unknown>[]) => boolean; resolve: () => void }[] = [];
  let stderr = '';
  proc.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
    for (const w of waiters.filter((w) => w.predicate(lines))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    process: proc,
    lines,
    exited,
    waitFor: (predicate) =>
      new Promise<void>((resolve, reject) => {
        if (predicate(lines)) return resolve();
        waiters.push({ predicate, resolve });
        void exited.then((code) => reject(new Error(`child exited (${code}) before the expected output; stderr:\n${stderr}`)));
      }),
  };
}

const eventsOf = (lines: Record<string, unknown>[]): ExecutorEvent[] =>
  lines.filter((l) => l['event'] !== undefined).map((l) => l['event'] as ExecutorEvent);

function openExecutor(options: { lockTtlMs?: number } = {}) {
  const stateDir = join(dir, 'state');
  const store = openStateStore(stateDir);
  stores.push(store);
  return createExecutor({
    store,
    stateDir,
    backends: { 'test-task': httpJobBackend(service.url, { poll: { initialMs: 20, multiplier: 1, maxMs: 20 } }) },
    cache: { lockTtlMs: options.lockTtlMs ?? 30_000, waitPollMs: 20 },
  });
}

const serializable: TestTaskOptions = { name: 'shared.task', outputs: { y: 'integer' }, cache: { version: '1', serializable: true } };

describe('executor across processes', () => {
  it('computes a serializable cached task once for two processes sharing the state store', async () => {
    const child = startChild({ runId: 'child-run', nodes: ['n0'], task: serializable });
    await child.waitFor((lines) => eventsOf(lines).some((e) => e.type === 'attempt-created'));

    const events: ExecutorEvent[] = [];
    let sawWait!: () => void;
    const waiting = new Promise<void>((resolve) => (sawWait = resolve));
    const here = openExecutor().run(testTaskTemplate(serializable), testLiteralMap({ x: 1n }), {
      runId: 'parent-run',
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'cache-wait') sawWait();
      },
    });
    await waiting;
    service.complete(() => testLiteralMap({ y: 42n }));

    expect(primitiveValues(await here)).toEqual({ y: 42n });
    expect(await child.exited).toBe(0);
    expect(child.lines.find((l) => l['outputs'] !== undefined)).toMatchObject({ outputs: { y: '42' } });
    expect(service.stats.submissions).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['run-started', 'cache-miss', 'cache-wait', 'cache-hit', 'succeeded']);
    expect(eventsOf(child.lines).map((e) => e.type)).toContain('cache-write');
  });

  it('takes over the lock of a process that was killed while computing, after the lock expires', async () => {
    const child = startChild({ runId: 'child-run', nodes: ['n0'], task: serializable, lockTtlMs: 300 });
    await child.waitFor((lines) => eventsOf(lines).some((e) => e.type === 'attempt-created'));
    child.process.kill('SIGKILL');
    await child.exited;

    const events: ExecutorEvent[] = [];
    const here = openExecutor({ lockTtlMs: 300 }).run(testTaskTemplate(serializable), testLiteralMap({ x: 1n }), {
      runId: 'parent-run',
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'attempt-created') service.complete(() => testLiteralMap({ y: 7n }), String((e.handle as { jobId: string }).jobId));
      },
    });
    expect(primitiveValues(await here)).toEqual({ y: 7n });
    expect(events.find((e) => e.type === 'cache-lock-taken-over')).toBeDefined();
    expect(service.stats.submissions).toBe(2);
  });

  it('re-attaches to jobs in flight after the executor is SIGKILLed, with zero resubmissions', async () => {
    const task: TestTaskOptions = { name: 'long.task', outputs: { y: 'integer' } };
    const nodes = ['n0', 'n1', 'n2'];
    const child = startChild({ runId: 'nightly', nodes, task });
    // Every job is submitted, its handle stored, and it has been seen running.
    await child.waitFor(
      (lines) => eventsOf(lines).filter((e) => e.type === 'status-changed' && e.phaseName === 'RUNNING').length === nodes.length,
    );
    child.process.kill('SIGKILL');
    await child.exited;
    expect(service.stats.submissions).toBe(3);
    expect(service.jobs().every((job) => job.phase === 2 && !job.deleted)).toBe(true);
    const postsBeforeRestart = service.stats.creates;

    const executor = openExecutor();
    const events: ExecutorEvent[] = [];
    let reattached = 0;
    const results = await Promise.all(
      nodes.map((nodeId) =>
        executor.run(testTaskTemplate(task), testLiteralMap({ x: 1n }), {
          runId: 'nightly',
          nodeId,
          onEvent: (e) => {
            events.push(e);
            // Finish the jobs only once the new executor follows all of them.
            if (e.type === 'attempt-reattached' && ++reattached === nodes.length) service.complete(() => testLiteralMap({ y: 5n }));
          },
        }),
      ),
    );

    expect(results.map((r) => primitiveValues(r))).toEqual(nodes.map(() => ({ y: 5n })));
    expect(service.stats.creates).toBe(postsBeforeRestart);
    expect(service.stats.submissions).toBe(3);
    expect(service.stats.deletes).toBe(0);
    expect(events.filter((e) => e.type === 'attempt-created')).toEqual([]);
    expect(events.filter((e) => e.type === 'attempt-reattached').map((e) => e.type === 'attempt-reattached' && e.attempt)).toEqual([
      0, 0, 0,
    ]);

    // Running the finished run again answers from the state store, without the job service.
    const before = { ...service.stats };
    expect(
      primitiveValues(await executor.run(testTaskTemplate(task), testLiteralMap({ x: 1n }), { runId: 'nightly', nodeId: 'n1' })),
    ).toEqual({ y: 5n });
    expect(service.stats).toEqual(before);
  });
});
