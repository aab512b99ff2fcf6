/**
 * The backend conformance suite: the guarantees the executor relies on, checked against a real
 * backend through its public methods. Any plugin registers it for its backend in a test file:
 *
 *   describeBackendConformance({ name: 'athena', backend: () => athenaBackend(…), template, submittedJobs: () => server.log.count('StartQueryExecution') });
 *
 * Async backends: create is idempotent by token; get is pure; the handle survives JSON; delete is
 * idempotent, also once the job is gone; a watch ends with its signal and delete stops a live job;
 * a fresh process re-attaches from the persisted handle. Sync backends get the subset that applies
 * to `do`: a terminal status, a repeated call that is safe, and an aborted signal honoured.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  type AsyncBackend,
  type AttemptContext,
  type Backend,
  type FailureInfo,
  isSyncBackend,
  isTerminalPhase,
  type JsonValue,
  phaseName,
  type SyncBackend,
  type TaskStatus,
} from '@tflyte/core';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import { describe, expect, it } from 'vitest';
import { testAttemptContext } from '../kit/attempt-context.ts';
import { toWireContext } from './wire-context.ts';

/** How a fresh process builds the same backend: `(await import(module))[export](...args)`. */
export interface ReattachSpec {
  /** An absolute path or a file URL of the module. */
  readonly module: string;
  readonly export: string;
  readonly args?: readonly JsonValue[];
  /**
   * What the fresh process sees: `live` (default) — the job, still running; `lost` — a backend
   * whose jobs only their creating process can follow reports a retryable SYSTEM failure, so the
   * executor runs the attempt again (it must not throw, which would only be retried as a status check).
   */
  readonly expect?: 'live' | 'lost';
}

export interface BackendConformanceOptions {
  /** Names the describe block. */
  readonly name: string;
  /** A fresh backend for each test. */
  readonly backend: () => Backend | Promise<Backend>;
  /**
   * The task to run. For an async backend its job must stay live until deleted (a long query, a
   * sleeping container); for a sync backend `do` must complete it.
   */
  readonly template: TaskTemplate | (() => TaskTemplate | Promise<TaskTemplate>);
  readonly inputs?: LiteralMap;
  /** Adjusts each test's attempt (a raw output prefix in a scratch directory, …); default testAttemptContext's. */
  readonly context?: (ctx: AttemptContext) => AttemptContext | Promise<AttemptContext>;
  /** Jobs submitted so far, counted where the jobs run (the test server's call log): idempotency is checked against it. */
  readonly submittedJobs?: () => number | Promise<number>;
  /**
   * How a fresh process builds the backend (a function when it depends on a server started later);
   * without it the re-attach test is skipped (say why in `reattachSkipReason`).
   */
  readonly reattach?: ReattachSpec | (() => ReattachSpec);
  readonly reattachSkipReason?: string;
  /** Skip the whole suite, e.g. `probe.available ? false : 'no container runtime'`. */
  readonly skip?: string | false;
  /** Per-test timeout in ms. Default 30 s. */
  readonly timeoutMs?: number;
}

/** node 24, as the repository installs it, with the source condition (the child runs .ts modules). */
const NODE = fileURLToPath(new URL('../../../../node_modules/.bin/node', import.meta.url));
const CHILD = fileURLToPath(new URL('./reattach-child.ts', import.meta.url));

const isLive = (status: TaskStatus): boolean => status.phase !== TaskExecution_Phase.UNDEFINED && !isTerminalPhase(status.phase);
const describePhase = (status: TaskStatus): string =>
  `${phaseName(status.phase)}${status.message === undefined ? '' : ` (${status.message})`}`;

/** One guarantee of the suite, runnable on its own (it throws when the backend breaks it). */
export interface ConformanceCheck {
  readonly title: string;
  /** Which kind of backend it applies to. */
  readonly kind: 'async' | 'sync';
  /** Undefined when the check applies; else why it is skipped. */
  readonly skipped?: string;
  run(): Promise<void>;
}

/** The checks for a backend, each cleaning up after itself; `describeBackendConformance` registers them as tests. */
export function backendConformanceChecks(options: BackendConformanceOptions): ConformanceCheck[] {
  const setUp = async () => {
    const backend = await options.backend();
    const template = typeof options.template === 'function' ? await options.template() : options.template;
    const base = testAttemptContext({
      template,
      idempotencyToken: `conformance-${randomBytes(6).toString('hex')}`,
      ...(options.inputs === undefined ? {} : { inputs: options.inputs }),
    });
    const ctx = options.context === undefined ? base : await options.context(base);
    return { backend, ctx };
  };
  const submitted = async (): Promise<number | undefined> =>
    options.submittedJobs === undefined ? undefined : await options.submittedJobs();

  /** Runs `fn` on a created job, deleting it afterwards whatever happens. */
  const withJob =
    (fn: (job: { backend: AsyncBackend; ctx: AttemptContext; handle: JsonValue; before: number | undefined }) => Promise<void>) =>
    async () => {
      const { backend, ctx } = await setUp();
      if (isSyncBackend(backend)) throw new Error(`backend ${backend.name} is a sync backend`);
      const before = await submitted();
      const handle = await backend.create(ctx);
      try {
        await fn({ backend, ctx, handle, before });
      } finally {
        await backend.delete(handle, ctx).catch(() => undefined);
      }
    };
  const withSync = (fn: (backend: SyncBackend, ctx: AttemptContext) => Promise<void>) => async () => {
    const { backend, ctx } = await setUp();
    if (!isSyncBackend(backend)) throw new Error(`backend ${backend.name} is an async backend`);
    await fn(backend, ctx);
  };
  const reattach = options.reattach;

  return [
    {
      title: 'create is idempotent by idempotency token: the same token gives the same handle and one job',
      kind: 'async',
      run: withJob(async ({ backend, ctx, handle, before }) => {
        // A new context object with the same token, as after an executor restart.
        expect(await backend.create({ ...ctx })).toEqual(handle);
        const after = await submitted();
        if (before !== undefined) expect(after! - before, 'jobs submitted for one token').toBe(1);
      }),
    },
    {
      title: 'get is pure: reading the status neither ends the job nor submits another',
      kind: 'async',
      run: withJob(async ({ backend, ctx, handle, before }) => {
        const reads: TaskStatus[] = [];
        for (let i = 0; i < 3; i++) reads.push(await backend.get(handle, ctx));
        expect(reads.filter((s) => !isLive(s)).map(describePhase), 'statuses that were not live').toEqual([]);
        expect(await backend.create({ ...ctx })).toEqual(handle);
        const after = await submitted();
        if (before !== undefined) expect(after! - before, 'jobs submitted for one token').toBe(1);
      }),
    },
    {
      title: 'the handle survives a JSON round trip, and get accepts the parsed copy',
      kind: 'async',
      run: withJob(async ({ backend, ctx, handle }) => {
        const parsed = JSON.parse(JSON.stringify(handle)) as JsonValue;
        expect(parsed).toEqual(handle);
        const status = await backend.get(parsed, ctx);
        expect(isLive(status), describePhase(status)).toBe(true);
      }),
    },
    {
      title: 'delete is idempotent: it stops a live job, and deleting a job that is gone succeeds',
      kind: 'async',
      run: withJob(async ({ backend, ctx, handle }) => {
        await backend.delete(handle, ctx);
        expect(await liveAfterDelete(backend, handle, ctx), 'the job is still live after delete').toBe(false);
        await backend.delete(handle, ctx);
        await backend.delete(JSON.parse(JSON.stringify(handle)) as JsonValue, ctx);
      }),
    },
    {
      title: 'cancellation: a watch stops reporting once its signal aborts, and delete ends the job',
      kind: 'async',
      run: withJob(async ({ backend, ctx, handle }) => {
        if (backend.watch !== undefined) {
          const stop = new AbortController();
          const seen: TaskStatus[] = [];
          const errors: unknown[] = [];
          await new Promise<void>((resolve) => {
            backend.watch!(
              handle,
              ctx,
              (status) => {
                seen.push(status);
                resolve();
              },
              stop.signal,
              (error) => {
                errors.push(error);
                resolve();
              },
            );
          });
          expect(errors).toEqual([]);
          stop.abort();
          const reported = seen.length;
          await backend.delete(handle, ctx);
          // Let anything the watch still had scheduled run before counting.
          for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
          expect(seen.slice(reported).map(describePhase), 'statuses reported after the watch was aborted').toEqual([]);
        } else {
          await backend.delete(handle, ctx);
        }
        expect(await liveAfterDelete(backend, handle, ctx), 'the job is still live after delete').toBe(false);
      }),
    },
    {
      title: 're-attaches from a persisted handle in a fresh process',
      kind: 'async',
      ...(reattach === undefined ? { skipped: options.reattachSkipReason ?? 'no reattach spec given' } : {}),
      run: withJob(async ({ backend, ctx, handle, before }) => {
        const spec = typeof reattach === 'function' ? reattach() : reattach!;
        const seen = await getInFreshProcess(spec, handle, ctx);
        if ((spec.expect ?? 'live') === 'live') {
          expect(seen.failure, `the fresh process saw ${phaseName(seen.phase)}`).toBeNull();
          expect(isLive({ phase: seen.phase }), `the fresh process saw ${phaseName(seen.phase)}`).toBe(true);
        } else {
          expect(seen.phase).toBe(TaskExecution_Phase.RETRYABLE_FAILED);
          expect(seen.failure).toMatchObject({ kind: 'system', retryable: true });
        }
        // Only a status was read: the job is the one this process created, and nothing was resubmitted.
        expect(await backend.create({ ...ctx })).toEqual(handle);
        const after = await submitted();
        if (before !== undefined) expect(after! - before, 'jobs submitted for one token').toBe(1);
      }),
    },
    {
      title: 'do returns a terminal status',
      kind: 'sync',
      run: withSync(async (backend, ctx) => {
        const status = await backend.do(ctx);
        expect(isTerminalPhase(status.phase), describePhase(status)).toBe(true);
      }),
    },
    {
      title: 'do again for the same attempt is safe: the same outcome, and at most one job',
      kind: 'sync',
      run: withSync(async (backend, ctx) => {
        const before = await submitted();
        const first = await backend.do(ctx);
        const second = await backend.do({ ...ctx, signal: new AbortController().signal });
        expect(second.phase).toBe(first.phase);
        const after = await submitted();
        if (before !== undefined) expect(after! - before, 'jobs submitted for one token').toBeLessThanOrEqual(1);
      }),
    },
    {
      title: 'do settles when the attempt signal has aborted, with a terminal status or an error',
      kind: 'sync',
      run: withSync(async (backend, ctx) => {
        const outcome = await backend.do({ ...ctx, signal: AbortSignal.abort(new Error('cancelled')) }).then(
          (status) => ({ status }),
          (error: unknown) => ({ error }),
        );
        if ('status' in outcome) expect(isTerminalPhase(outcome.status.phase), describePhase(outcome.status)).toBe(true);
        else expect(outcome.error).toBeDefined();
      }),
    },
  ];
}

/**
 * Registers the suite as vitest tests. Checks for the other kind of backend (sync or async) are
 * reported as skipped, as is re-attaching when no `reattach` is given.
 */
export function describeBackendConformance(options: BackendConformanceOptions): void {
  const timeout = options.timeoutMs ?? 30_000;
  // Whether the backend is sync, decided once from one instance.
  let syncKind: Promise<boolean> | undefined;
  const isSync = (): Promise<boolean> => (syncKind ??= Promise.resolve(options.backend()).then(isSyncBackend));
  const skipAll = options.skip !== undefined && options.skip !== false;

  describe.skipIf(skipAll)(`backend conformance: ${options.name}${skipAll ? ` (skipped: ${String(options.skip)})` : ''}`, () => {
    for (const check of backendConformanceChecks(options)) {
      if (check.skipped !== undefined) {
        it.skip(`${check.title} (${check.skipped})`, () => {});
        continue;
      }
      it(
        check.title,
        async (test) => {
          if ((await isSync()) !== (check.kind === 'sync')) test.skip(`applies to ${check.kind} backends`);
          await check.run();
        },
        timeout,
      );
    }
  });
}

/** After delete: the job reports a terminal phase, or the backend no longer knows it (get throws). */
async function liveAfterDelete(backend: AsyncBackend, handle: JsonValue, ctx: AttemptContext): Promise<boolean> {
  try {
    return isLive(await backend.get(handle, ctx));
  } catch {
    return false;
  }
}

interface FreshStatus {
  readonly phase: TaskExecution_Phase;
  readonly message: string | null;
  readonly failure: FailureInfo | null;
}

async function getInFreshProcess(spec: ReattachSpec, handle: JsonValue, ctx: AttemptContext): Promise<FreshStatus> {
  const dir = await mkdtemp(join(tmpdir(), 'tflyte-conformance-'));
  try {
    const file = join(dir, 'request.json');
    await writeFile(
      file,
      JSON.stringify({ module: spec.module, export: spec.export, args: spec.args ?? [], handle, ctx: toWireContext(ctx) }),
    );
    // Asynchronously: a test server answering the child may live in this process.
    const { stdout } = await promisify(execFile)(NODE, ['--conditions=@tflyte/source', CHILD, file], { encoding: 'utf8' });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as FreshStatus;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
