import { hash } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import { BackendError, type FailureInfo, StateConflictError, TaskTimeoutError } from '../errors.ts';
import {
  type AsyncBackend,
  type AttemptContext,
  isSyncBackend,
  type StatusCheckPolicy,
  type SyncBackend,
  type TaskStatus,
} from '../plugin/contract.ts';
import { writeLocalSync } from '../storage/file-store.ts';
import { joinUri } from '../storage/object-store.ts';
import { type AttemptKey, type AttemptRecord, type AttemptUpdate, inputsDocument, TEMPLATE_DOCUMENT } from '../store/state-store.ts';
import type { JsonValue } from '../types/flyte-type.ts';
import type { EventPayload } from './events.ts';
import { classifyError, FAILURE_CODES, failureFromErrorDocument, failureFromStatus } from './failure.ts';
import { generatedName } from './generated-name.ts';
import { declaredOutputs, outputMismatch } from './outputs.ts';
import { classifyPhase, phaseName } from './phases.ts';
import { cancellation, type RunContext } from './run-context.ts';

/** Polling cadence for backends without `poll`: 1 s, ×1.5, capped at 15 s. */
const DEFAULT_POLL = { initialMs: 1000, multiplier: 1.5, maxMs: 15_000 } as const;

export type AttemptOutcome = { readonly ok: true; readonly outputs: LiteralMap } | { readonly ok: false; readonly failure: FailureInfo };

export interface AttemptPlan {
  readonly attempt: number;
  readonly interruptible: boolean;
  /** The stored record of this attempt when resuming after a restart (`creating` or `running`). */
  readonly resume: AttemptRecord | undefined;
}

/** How following an attempt ended; `status` is the first status that is not live (or a sync backend's result). */
type MonitorOutcome =
  | { readonly type: 'status'; readonly status: TaskStatus }
  | { readonly type: 'error'; readonly failure: FailureInfo }
  | { readonly type: 'fatal'; readonly error: unknown }
  | { readonly type: 'timeout' }
  | { readonly type: 'cancelled' };

// Aborting with a reason of our own: an abort without one builds a DOMException (with a stack) per call.
export const ATTEMPT_OVER = Symbol('attempt over');

const runsUrls = new Map<string, string>();

/** Per-attempt directory under the state dir, as a file:// URI (without a trailing slash). */
export function attemptPrefix(stateDir: string, runId: string, nodeId: string, attempt: number): string {
  let runs = runsUrls.get(stateDir);
  if (runs === undefined) {
    runs = pathToFileURL(join(stateDir, 'runs')).href;
    runsUrls.set(stateDir, runs);
  }
  return `${runs}/${twiceEncoded(runId)}/${twiceEncoded(nodeId)}/${attempt}`;
}

// Each segment is URI-encoded twice over: once as a path segment, once as the file URL of that path.
// Generated run and node ids (`r…`, `n0-17`) need neither, and a map computes one per element.
const UNRESERVED = /^[A-Za-z0-9._~-]*$/;
const twiceEncoded = (segment: string): string => (UNRESERVED.test(segment) ? segment : encodeURIComponent(encodeURIComponent(segment)));

/** Stable for the same attempt across restarts, distinct across attempts and runs. */
export function idempotencyToken(runId: string, nodeId: string, attempt: number): string {
  return hash('sha256', `tflyte\u0000${runId}\u0000${nodeId}\u0000${attempt}`);
}

export function timeoutMs(ctx: RunContext): number | undefined {
  const timeout = ctx.template.metadata?.timeout;
  if (timeout === undefined) return undefined;
  const ms = Number(timeout.seconds) * 1000 + Math.floor(timeout.nanos / 1e6);
  return ms > 0 ? ms : undefined;
}

/** What an attempt's signal comes from: an AbortController, or a LazyAbort. */
export interface AbortSource {
  readonly signal: AbortSignal;
}

/**
 * An AbortController made only when its signal is first read. Most in-process attempts never read
 * it, and an AbortController (and the Event its abort dispatches) per element dominates a map of
 * small functions. Aborted before it is read, it hands out a signal that is already aborted.
 */
export class LazyAbort implements AbortSource {
  #controller: AbortController | undefined;
  #reason: { readonly value: unknown } | undefined;
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason.value);
    }
    return this.#controller.signal;
  }
  abort(reason: unknown): void {
    if (this.#controller !== undefined) this.#controller.abort(reason);
    else this.#reason ??= { value: reason };
  }
}

/**
 * The backend's view of one attempt. For in-process backends the token (a SHA-256), the file
 * locations and the signal are made only when read, since a function task reads none of them and
 * making them dominated maps of small functions. Other backends get a plain object, which they
 * may spread (`{ ...ctx, handle }`); their attempts cost I/O that dwarfs building it.
 *
 * A remote backend's inputs.pb is written when the backend first reads `inputsUri` (a pod or a
 * local process will open it), not before every create: a service that takes the inputs in its
 * request never needs the file, and creating a file and its directories was most of the
 * executor's cost per remote attempt. The inputs are in the state store with the attempt either way.
 */
export function attemptContext(ctx: RunContext, plan: AttemptPlan, abort: AbortSource): AttemptContext {
  if (ctx.backend.inProcess === true) return new AttemptView(ctx, plan, abort);
  const { runId, nodeId } = ctx;
  const { attempt } = plan;
  const prefix = attemptPrefix(ctx.stateDir, runId, nodeId, attempt);
  const inputsUri = `${prefix}/inputs.pb`;
  let inputsWritten = false;
  return {
    template: ctx.template,
    inputs: ctx.inputs,
    generatedName: plan.resume?.generatedName ?? generatedName(runId, nodeId, attempt),
    idempotencyToken: idempotencyToken(runId, nodeId, attempt),
    attempt,
    get inputsUri() {
      if (!inputsWritten) {
        writeLocalSync(inputsUri, toBinary(LiteralMapSchema, ctx.inputs));
        inputsWritten = true;
      }
      return inputsUri;
    },
    outputPrefix: prefix,
    rawOutputPrefix:
      ctx.rawOutputPrefix === undefined
        ? `${prefix}/raw`
        : joinUri(ctx.rawOutputPrefix, encodeURIComponent(runId), encodeURIComponent(nodeId), String(attempt)),
    interruptible: plan.interruptible,
    signal: abort.signal,
    clock: ctx.clock,
  };
}

/** The lazy AttemptContext of an in-process attempt (read its fields; a spread copies only the eager ones). */
class AttemptView implements AttemptContext {
  readonly template: AttemptContext['template'];
  readonly inputs: LiteralMap;
  readonly generatedName: string;
  readonly attempt: number;
  readonly interruptible: boolean;
  readonly clock: AttemptContext['clock'];
  readonly #ctx: RunContext;
  readonly #abort: AbortSource;
  #prefix: string | undefined;
  #token: string | undefined;
  #raw: string | undefined;

  constructor(ctx: RunContext, plan: AttemptPlan, abort: AbortSource) {
    this.template = ctx.template;
    this.inputs = ctx.inputs;
    this.generatedName = plan.resume?.generatedName ?? generatedName(ctx.runId, ctx.nodeId, plan.attempt);
    this.attempt = plan.attempt;
    this.interruptible = plan.interruptible;
    this.clock = ctx.clock;
    this.#ctx = ctx;
    this.#abort = abort;
  }

  get idempotencyToken(): string {
    return (this.#token ??= idempotencyToken(this.#ctx.runId, this.#ctx.nodeId, this.attempt));
  }
  get outputPrefix(): string {
    return (this.#prefix ??= attemptPrefix(this.#ctx.stateDir, this.#ctx.runId, this.#ctx.nodeId, this.attempt));
  }
  get inputsUri(): string {
    return `${this.outputPrefix}/inputs.pb`;
  }
  get rawOutputPrefix(): string {
    const { rawOutputPrefix, runId, nodeId } = this.#ctx;
    return (this.#raw ??=
      rawOutputPrefix === undefined
        ? `${this.outputPrefix}/raw`
        : joinUri(rawOutputPrefix, encodeURIComponent(runId), encodeURIComponent(nodeId), String(this.attempt)));
  }
  get signal(): AbortSignal {
    return this.#abort.signal;
  }
}

/** Sync backends keep no handle; their records carry version 0. */
const handleVersionOf = (backend: RunContext['backend']): number => (isSyncBackend(backend) ? 0 : backend.handleVersion);

/** A stored attempt can only be resumed by the backend (and handle version) that started it. */
function checkResumable(ctx: RunContext, plan: AttemptPlan): void {
  const record = plan.resume;
  const { backend } = ctx;
  const handleVersion = handleVersionOf(backend);
  if (record !== undefined && (record.backend !== backend.name || record.handleVersion !== handleVersion)) {
    throw new StateConflictError(
      `attempt ${plan.attempt} of run '${ctx.runId}' node '${ctx.nodeId}' was started by backend ${record.backend} (handle version ${record.handleVersion}); ` +
        `the configured backend is ${backend.name} (handle version ${handleVersion}) and cannot re-attach to it: finish it with the old version or use a new runId`,
    );
  }
}

/** Records how an attempt ended, and when. */
function recordEnd(ctx: RunContext, key: AttemptKey, update: Omit<AttemptUpdate, 'endedAt' | 'handle'>): void {
  const now = ctx.clock.now();
  ctx.store.updateAttempt(key, { ...update, endedAt: now }, now);
}

function recordFailure(ctx: RunContext, key: AttemptKey, failure: FailureInfo, phase?: number): AttemptOutcome {
  recordEnd(ctx, key, phase === undefined ? { status: 'failed', failure } : { status: 'failed', failure, phase });
  return { ok: false, failure };
}

/**
 * What precedes the backend call: the attempt's `creating` record — or, when resuming, the record
 * an earlier executor wrote. A remote attempt's inputs are recorded with it, in one transaction, so
 * `abandon` can create the job again by its token to delete it. In-process jobs take their inputs
 * in memory and die with the process, so for them nothing is encoded.
 */
function beginAttempt(ctx: RunContext, plan: AttemptPlan, key: AttemptKey, actx: AttemptContext): AttemptRecord {
  return (
    plan.resume ??
    ctx.store.insertAttempt(
      {
        ...key,
        taskName: ctx.task,
        taskType: ctx.template.type,
        taskTypeVersion: ctx.template.taskTypeVersion,
        generatedName: actx.generatedName,
        backend: ctx.backend.name,
        handleVersion: handleVersionOf(ctx.backend),
        createdAt: ctx.clock.now(),
      },
      ctx.backend.inProcess ? undefined : remoteDocuments(ctx, plan.attempt),
    )
  );
}

function remoteDocuments(ctx: RunContext, attempt: number): Record<string, Uint8Array> {
  const documents: Record<string, Uint8Array> = { [inputsDocument(attempt)]: toBinary(LiteralMapSchema, ctx.inputs) };
  if (ctx.templateDocument !== undefined) documents[TEMPLATE_DOCUMENT] = ctx.templateDocument();
  return documents;
}

/** The `status-changed` event of a status the executor accepted. */
function statusChanged(attempt: number, status: TaskStatus): EventPayload {
  return {
    type: 'status-changed',
    attempt,
    phase: status.phase,
    phaseName: phaseName(status.phase),
    message: status.message,
    logs: status.logs ?? [],
  };
}

/**
 * The one attempt driver, for every kind of backend. It runs (or resumes) one attempt — `do` on a
 * sync backend; create, or re-attach to the stored handle, then follow the status on an async one —
 * until the attempt is terminal, times out, or the run is cancelled. Timeouts and cancellation are
 * decided here and nowhere else: the attempt's signal aborts, a live job is deleted, and the outcome
 * is recorded. An async backend's handle is stored before its first status check.
 */
export async function runAttempt(ctx: RunContext, plan: AttemptPlan): Promise<AttemptOutcome> {
  const { backend, runId, nodeId } = ctx;
  const key: AttemptKey = { runId, nodeId, attempt: plan.attempt };
  const attemptAbort = new LazyAbort();
  const actx = attemptContext(ctx, plan, attemptAbort);
  const fail = (failure: FailureInfo): AttemptOutcome => recordFailure(ctx, key, failure);
  let handle: JsonValue | undefined;

  const cleanup = async (): Promise<unknown> => {
    if (handle === undefined || isSyncBackend(backend)) return undefined;
    try {
      await backend.delete(handle, actx);
      return undefined;
    } catch (error) {
      ctx.emit({ type: 'cleanup-failed', attempt: plan.attempt, message: error instanceof Error ? error.message : String(error) });
      return error ?? new Error('delete failed');
    }
  };
  const cancel = async (): Promise<never> => {
    // The job sees why it stops: the caller's own reason.
    attemptAbort.abort(ctx.signal?.reason ?? ATTEMPT_OVER);
    const deleteError = await cleanup();
    if (deleteError === undefined) recordEnd(ctx, key, { status: 'aborted' });
    throw deleteError === undefined
      ? cancellation(ctx, plan.attempt)
      : cancellation(ctx, plan.attempt, `job ${actx.generatedName} could not be deleted and may still be running`, { cause: deleteError });
  };

  try {
    checkResumable(ctx, plan);
    const limit = timeoutMs(ctx);
    let record = plan.resume;
    let work: Promise<MonitorOutcome> | undefined;
    // A sync backend whose `do` nothing can interrupt (no signal, no timeout): awaited in place, with no race to set up.
    let direct: SyncBackend | undefined;
    if (isSyncBackend(backend)) {
      record = beginAttempt(ctx, plan, key, actx);
      if (ctx.signal?.aborted === true) return await cancel();
      if (ctx.listening())
        ctx.emit({
          type: 'attempt-started',
          attempt: plan.attempt,
          generatedName: actx.generatedName,
          backend: backend.name,
          interruptible: plan.interruptible,
        });
      if (ctx.signal === undefined && limit === undefined) direct = backend;
      else work = runDo(backend, actx);
    } else {
      if (record?.status === 'running' && record.handle !== undefined) {
        handle = record.handle;
        ctx.emit({ type: 'attempt-reattached', attempt: plan.attempt, generatedName: actx.generatedName, backend: backend.name, handle });
      } else {
        record = beginAttempt(ctx, plan, key, actx);
        let created: unknown;
        try {
          created = await backend.create(actx);
        } catch (error) {
          if (ctx.signal?.aborted === true) return await cancel();
          return fail(classifyError(error, 'system'));
        }
        const text = JSON.stringify(created);
        if (text === undefined) {
          return fail({
            kind: 'system',
            retryable: false,
            code: FAILURE_CODES.invalidHandle,
            message: `backend ${backend.name} returned a handle that is not JSON`,
          });
        }
        handle = JSON.parse(text) as JsonValue;
        ctx.store.updateAttempt(key, { handle, status: 'running' }, ctx.clock.now());
        ctx.emit({
          type: 'attempt-created',
          attempt: plan.attempt,
          generatedName: actx.generatedName,
          backend: backend.name,
          interruptible: plan.interruptible,
          handle,
        });
      }
      work = follow(ctx, actx, backend, handle, attemptAbort.signal);
    }

    let outcome: MonitorOutcome;
    if (direct !== undefined) {
      try {
        outcome = { type: 'status', status: await direct.do(actx) };
      } catch (error) {
        outcome = { type: 'error', failure: classifyError(error, 'system') };
      }
    } else outcome = await settleFirst(ctx, work!, limit === undefined ? undefined : record.createdAt + limit, attemptAbort);
    switch (outcome.type) {
      case 'cancelled':
        return await cancel();
      case 'timeout':
        attemptAbort.abort(new TaskTimeoutError(ctx.task, limit ?? 0, plan.attempt + 1));
        await cleanup();
        ctx.emit({ type: 'timed-out', attempt: plan.attempt, timeoutMs: limit ?? 0 });
        return fail(timeoutFailure(plan.attempt, limit ?? 0));
      case 'error':
        // Past the status-check bound the job may still be running; do not leave it behind.
        attemptAbort.abort(ATTEMPT_OVER);
        await cleanup();
        return fail(outcome.failure);
      case 'fatal':
        attemptAbort.abort(ATTEMPT_OVER);
        await cleanup();
        throw outcome.error;
      case 'status': {
        const { status } = outcome;
        const phaseClass = classifyPhase(status.phase);
        if (phaseClass === 'unknown' || phaseClass === 'live') {
          attemptAbort.abort(ATTEMPT_OVER);
          await cleanup();
          return fail(phaseClass === 'unknown' ? unknownPhaseFailure(ctx, status) : notTerminalFailure(ctx, status));
        }
        if (isSyncBackend(backend) && ctx.listening()) ctx.emit(statusChanged(plan.attempt, status));
        // Outputs in the status need no read: no async step, so no await (a map of small functions makes one per element).
        const result =
          phaseClass === 'succeeded' && status.outputs !== undefined
            ? succeededWith(ctx, key, status, status.outputs, false)
            : await finish(ctx, actx, key, status);
        if (!isSyncBackend(backend) && backend.finalize !== undefined && handle !== undefined) {
          try {
            await backend.finalize(handle, actx);
          } catch (error) {
            ctx.emit({ type: 'cleanup-failed', attempt: plan.attempt, message: error instanceof Error ? error.message : String(error) });
          }
        }
        return result;
      }
    }
  } finally {
    attemptAbort.abort(ATTEMPT_OVER);
  }
}

// One async frame, instead of a `.then` pair of callbacks and the promise they make.
async function runDo(backend: SyncBackend, actx: AttemptContext): Promise<MonitorOutcome> {
  try {
    return { type: 'status', status: await backend.do(actx) };
  } catch (error) {
    return { type: 'error', failure: classifyError(error, 'system') };
  }
}

/** The first of: the work's outcome, the deadline, or the run's cancellation. */
function settleFirst(
  ctx: RunContext,
  work: Promise<MonitorOutcome>,
  deadline: number | undefined,
  attemptAbort: AbortSource,
): Promise<MonitorOutcome> {
  const { signal, clock } = ctx;
  if (signal?.aborted === true) return Promise.resolve({ type: 'cancelled' });
  if (deadline === undefined) return signal === undefined ? work : untilAborted(work, signal);
  return new Promise<MonitorOutcome>((resolve) => {
    const stop = new AbortController();
    const settle = (outcome: MonitorOutcome): void => {
      signal?.removeEventListener('abort', onAbort);
      stop.abort(ATTEMPT_OVER);
      resolve(outcome);
    };
    const onAbort = (): void => settle({ type: 'cancelled' });
    signal?.addEventListener('abort', onAbort, { once: true });
    attemptAbort.signal.addEventListener('abort', () => stop.abort(ATTEMPT_OVER), { once: true });
    if (deadline !== undefined) {
      clock.sleep(Math.max(0, deadline - clock.now()), stop.signal).then(
        () => settle({ type: 'timeout' }),
        () => {},
      );
    }
    work.then(settle, (error: unknown) => settle({ type: 'fatal', error }));
  });
}

/**
 * The work's outcome, or `cancelled` once the run's signal aborts. Without a deadline there is no
 * timer to stop, so this needs no AbortController of its own (two per attempt otherwise, which a
 * map over a cancellable run would make for every element).
 */
function untilAborted(work: Promise<MonitorOutcome>, signal: AbortSignal): Promise<MonitorOutcome> {
  return new Promise<MonitorOutcome>((resolve) => {
    const onAbort = (): void => resolve({ type: 'cancelled' });
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (outcome) => {
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ type: 'fatal', error });
      },
    );
  });
}

function timeoutFailure(attempt: number, limit: number): FailureInfo {
  return {
    kind: 'user',
    retryable: true,
    code: FAILURE_CODES.taskTimeout,
    message: `attempt ${attempt} ran longer than the task's timeout of ${limit} ms`,
  };
}

function notTerminalFailure(ctx: RunContext, status: TaskStatus): FailureInfo {
  return {
    kind: 'system',
    retryable: false,
    code: FAILURE_CODES.notTerminal,
    message: `backend ${ctx.backend.name} returned phase ${phaseName(status.phase)} from do, which must return a terminal status`,
  };
}

function unknownPhaseFailure(ctx: RunContext, status: TaskStatus): FailureInfo {
  return {
    kind: 'system',
    retryable: false,
    code: FAILURE_CODES.unknownPhase,
    message: `backend ${ctx.backend.name} reported phase ${phaseName(status.phase)}, which is not a TaskExecution phase the executor knows`,
  };
}

/**
 * Turns an attempt's terminal status into its outcome — outputs read and checked, or the failure
 * (with error.pb's details) — and records it with the phase.
 */
async function finish(ctx: RunContext, actx: AttemptContext, key: AttemptKey, status: TaskStatus): Promise<AttemptOutcome> {
  const fail = (failure: FailureInfo): AttemptOutcome => recordFailure(ctx, key, failure, status.phase);
  switch (classifyPhase(status.phase)) {
    case 'succeeded': {
      let outputs = status.outputs;
      let alreadyStored = false;
      if (outputs === undefined) {
        const outputsUri = joinUri(actx.outputPrefix, 'outputs.pb');
        let bytes: Uint8Array | undefined;
        try {
          bytes = await readRetrying(ctx, outputsUri);
        } catch (error) {
          return fail({
            kind: 'system',
            retryable: true,
            code: FAILURE_CODES.outputsUnreadable,
            message: `${outputsUri} could not be read: ${errorMessage(error)}`,
          });
        }
        if (bytes !== undefined) {
          alreadyStored = true;
          try {
            outputs = fromBinary(LiteralMapSchema, bytes);
          } catch (error) {
            return fail({
              kind: 'system',
              retryable: true,
              code: FAILURE_CODES.outputsInvalid,
              message: `${outputsUri} is not a LiteralMap: ${(error as Error).message}`,
            });
          }
        } else if (declaredOutputs(ctx.template).length === 0) {
          outputs = create(LiteralMapSchema);
        } else {
          return fail({
            kind: 'user',
            retryable: false,
            code: FAILURE_CODES.outputsNotFound,
            message: `the task succeeded but wrote no outputs to ${outputsUri}`,
          });
        }
      }
      return succeededWith(ctx, key, status, outputs, alreadyStored);
    }
    case 'aborted':
      return fail({
        kind: 'system',
        retryable: true,
        code: FAILURE_CODES.abortedExternally,
        message: status.message ?? 'the job was aborted outside tflyte',
      });
    default: {
      const fromStatus = failureFromStatus(status);
      const errorDoc = await readRetrying(ctx, joinUri(actx.outputPrefix, 'error.pb')).catch(() => undefined);
      let fromDoc: FailureInfo | undefined;
      try {
        fromDoc = errorDoc === undefined ? undefined : failureFromErrorDocument(errorDoc, fromStatus.kind);
      } catch {
        fromDoc = undefined;
      }
      return fail(fromDoc ?? fromStatus);
    }
  }
}

/** A success whose outputs are in hand: checked against the interface, then recorded with them. */
function succeededWith(ctx: RunContext, key: AttemptKey, status: TaskStatus, outputs: LiteralMap, alreadyStored: boolean): AttemptOutcome {
  const mismatch = outputMismatch(ctx.template, outputs);
  if (mismatch !== undefined) {
    return recordFailure(ctx, key, { kind: 'user', retryable: false, code: FAILURE_CODES.outputsInvalid, message: mismatch }, status.phase);
  }
  // Recorded with the attempt's end, in one transaction, so a restarted executor returns them
  // without asking the backend; a backend that wrote outputs.pb itself left them there.
  const keep = alreadyStored || ctx.backend.inProcess ? undefined : toBinary(LiteralMapSchema, outputs);
  recordEnd(
    ctx,
    key,
    keep === undefined ? { status: 'succeeded', phase: status.phase } : { status: 'succeeded', phase: status.phase, outputs: keep },
  );
  return { ok: true, outputs };
}

/**
 * Follows an async attempt until its status is terminal (or unknown): through `watch` when the
 * backend has it, else by polling `get` with capped exponential backoff, on the injected clock.
 * A failed status check is retried under the backend's status-check policy and never touches the
 * job; only past the bound does following end, with a retryable SYSTEM failure.
 */
function follow(
  ctx: RunContext,
  actx: AttemptContext,
  backend: AsyncBackend,
  handle: JsonValue,
  signal: AbortSignal,
): Promise<MonitorOutcome> {
  const key: AttemptKey = { runId: ctx.runId, nodeId: ctx.nodeId, attempt: actx.attempt };
  const checks = statusCheckPolicy(backend);
  return new Promise<MonitorOutcome>((resolve) => {
    let settled = false;
    let lastSeen: string | undefined;
    const settle = (outcome: MonitorOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    signal.addEventListener('abort', () => settle({ type: 'fatal', error: signal.reason }), { once: true });
    /** Records and reports a status; true once following is over. */
    const onStatus = (status: TaskStatus): boolean => {
      if (settled) return true;
      const phaseClass = classifyPhase(status.phase);
      if (phaseClass !== 'unknown') {
        const seen = status.logs?.length
          ? JSON.stringify([status.phase, status.message ?? null, status.logs])
          : `${status.phase}\u0000${status.message ?? ''}`;
        if (seen !== lastSeen) {
          lastSeen = seen;
          // A terminal phase is recorded with the attempt's end (finish), in the same transaction.
          if (phaseClass === 'live') {
            try {
              ctx.store.updateAttempt(key, { phase: status.phase }, ctx.clock.now());
            } catch (error) {
              settle({ type: 'fatal', error });
              return true;
            }
          }
          ctx.emit(statusChanged(actx.attempt, status));
        }
      }
      if (phaseClass !== 'live') settle({ type: 'status', status });
      return settled;
    };
    /** One status read, retried under the policy; undefined once following is over. */
    const checkedGet = async (failures: number, lastError?: unknown): Promise<TaskStatus | undefined> => {
      for (let failed = failures; ; ) {
        if (failed > 0) {
          if (failed > checks.maxFailures) {
            settle({ type: 'error', failure: statusCheckFailure(backend, failed, lastError) });
            return undefined;
          }
          ctx.emit({ type: 'status-check-failed', attempt: actx.attempt, failures: failed, message: errorMessage(lastError) });
          try {
            await ctx.clock.sleep(Math.min(checks.initialMs * 2 ** (failed - 1), checks.maxMs), signal);
          } catch {
            return undefined;
          }
        }
        if (settled) return undefined;
        try {
          return await backend.get(handle as never, actx);
        } catch (error) {
          if (isPermanent(error)) {
            settle({ type: 'error', failure: classifyError(error, 'system') });
            return undefined;
          }
          failed += 1;
          lastError = error;
        }
      }
    };

    if (backend.watch !== undefined) {
      const watch = backend.watch.bind(backend);
      const startWatch = (): void => {
        const stop = new AbortController();
        signal.addEventListener('abort', () => stop.abort(ATTEMPT_OVER), { once: true });
        let failedOnce = false;
        const onError = (error: unknown): void => {
          if (failedOnce || settled) return;
          failedOnce = true;
          stop.abort(ATTEMPT_OVER);
          // Read the status directly (retrying under the policy), then watch again.
          void checkedGet(1, error).then((status) => {
            if (status !== undefined && !onStatus(status)) startWatch();
          });
        };
        try {
          watch(handle as never, actx, (status) => void onStatus(status), stop.signal, onError);
        } catch (error) {
          onError(error);
        }
      };
      startWatch();
      return;
    }
    const poll = backend.poll ?? DEFAULT_POLL;
    void (async () => {
      let delay = poll.initialMs;
      while (!settled) {
        const status = await checkedGet(0);
        if (status === undefined || onStatus(status)) return;
        try {
          await ctx.clock.sleep(delay, signal);
        } catch {
          return;
        }
        delay = Math.min(delay * poll.multiplier, poll.maxMs);
      }
    })();
  });
}

/** Reads an attempt file, retrying a failing read as a failed status check is retried. */
async function readRetrying(ctx: RunContext, uri: string): Promise<Uint8Array | undefined> {
  const checks = isSyncBackend(ctx.backend) ? DEFAULT_STATUS_CHECKS : statusCheckPolicy(ctx.backend);
  for (let failures = 0; ; failures += 1) {
    try {
      return await ctx.files.get(uri);
    } catch (error) {
      if (failures >= checks.maxFailures) throw error;
      await ctx.clock.sleep(Math.min(checks.initialMs * 2 ** failures, checks.maxMs));
    }
  }
}

/** Defaults as Flyte's web-API plugins: 5 consecutive failures tolerated, 1 s doubling to 30 s between them. */
const DEFAULT_STATUS_CHECKS: StatusCheckPolicy = { maxFailures: 5, initialMs: 1000, maxMs: 30_000 };

function statusCheckPolicy(backend: AsyncBackend): StatusCheckPolicy {
  return { ...DEFAULT_STATUS_CHECKS, ...backend.statusChecks };
}

/** A BackendError that says retrying cannot help (the job is gone, access was revoked) ends following at once. */
function isPermanent(error: unknown): boolean {
  return error instanceof BackendError && !error.failure.retryable;
}

function statusCheckFailure(backend: AsyncBackend, failures: number, error: unknown): FailureInfo {
  return {
    kind: 'system',
    retryable: true,
    code: FAILURE_CODES.statusCheckFailed,
    message: `${failures} status checks of backend ${backend.name} failed in a row; the last: ${errorMessage(error)}`,
  };
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
