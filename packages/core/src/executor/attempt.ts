import { hash } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { LiteralMapSchema, type LiteralMap } from '@tflyte/idl/core/literals';
import { CancelledError, StateConflictError } from '../errors.ts';
import type { AttemptContext, FailureInfo, TaskStatus } from '../plugin/contract.ts';
import type { AttemptKey, AttemptRecord, AttemptUpdate } from '../store/state-store.ts';
import { joinUri } from '../storage/object-store.ts';
import type { JsonValue } from '../types/flyte-type.ts';
import { FAILURE_CODES, failureFromErrorDocument, failureFromStatus, failureFromThrown } from './failure.ts';
import { generatedName } from './generated-name.ts';
import { declaredOutputs, outputMismatch } from './outputs.ts';
import { classifyPhase, phaseName } from './phases.ts';
import type { EventPayload } from './events.ts';
import type { RunContext } from './run-context.ts';

/** Polling cadence for backends without `poll`: 1 s, ×1.5, capped at 15 s. */
const DEFAULT_POLL = { initialMs: 1000, multiplier: 1.5, maxMs: 15_000 } as const;

export type AttemptOutcome =
  | { readonly ok: true; readonly outputs: LiteralMap }
  | { readonly ok: false; readonly failure: FailureInfo };

export interface AttemptPlan {
  readonly attempt: number;
  readonly interruptible: boolean;
  /** The stored record of this attempt when resuming after a restart (`creating` or `running`). */
  readonly resume: AttemptRecord | undefined;
}

type MonitorOutcome =
  | { readonly type: 'terminal'; readonly status: TaskStatus }
  | { readonly type: 'unknown-phase'; readonly status: TaskStatus }
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
  // Each segment is URI-encoded twice over: once as a path segment, once as the file URL of that path.
  return `${runs}/${encodeURIComponent(encodeURIComponent(runId))}/${encodeURIComponent(encodeURIComponent(nodeId))}/${attempt}`;
}

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

/** The backend's view of one attempt. */
export function attemptContext(ctx: RunContext, plan: AttemptPlan, signal: AbortSignal): AttemptContext {
  const { runId, nodeId } = ctx;
  const { attempt } = plan;
  const prefix = attemptPrefix(ctx.stateDir, runId, nodeId, attempt);
  return {
    template: ctx.template,
    inputs: ctx.inputs,
    generatedName: plan.resume?.generatedName ?? generatedName(runId, nodeId, attempt),
    idempotencyToken: idempotencyToken(runId, nodeId, attempt),
    attempt,
    inputsUri: `${prefix}/inputs.pb`,
    outputPrefix: prefix,
    rawOutputPrefix:
      ctx.rawOutputPrefix === undefined ? `${prefix}/raw` : joinUri(ctx.rawOutputPrefix, encodeURIComponent(runId), encodeURIComponent(nodeId), String(attempt)),
    interruptible: plan.interruptible,
    signal,
  };
}

/** A stored attempt can only be resumed by the backend (and handle version) that started it. */
export function checkResumable(ctx: RunContext, plan: AttemptPlan): void {
  const record = plan.resume;
  const { backend } = ctx;
  if (record !== undefined && (record.backend !== backend.name || record.handleVersion !== backend.handleVersion)) {
    throw new StateConflictError(
      `attempt ${plan.attempt} of run '${ctx.runId}' node '${ctx.nodeId}' was started by backend ${record.backend} (handle version ${record.handleVersion}); ` +
        `the configured backend is ${backend.name} (handle version ${backend.handleVersion}) and cannot re-attach to it: finish it with the old version or use a new runId`,
    );
  }
}

/** Records how an attempt ended, and when. */
export function recordEnd(ctx: RunContext, key: AttemptKey, update: Omit<AttemptUpdate, 'endedAt' | 'handle'>): void {
  const now = ctx.clock.now();
  ctx.store.updateAttempt(key, { ...update, endedAt: now }, now);
}

export function recordFailure(ctx: RunContext, key: AttemptKey, failure: FailureInfo, phase?: number): AttemptOutcome {
  recordEnd(ctx, key, phase === undefined ? { status: 'failed', failure } : { status: 'failed', failure, phase });
  return { ok: false, failure };
}

/**
 * What precedes the backend call: inputs.pb for backends that read it, and the attempt's `creating`
 * record — or, when resuming, the record an earlier executor wrote.
 */
export async function beginAttempt(ctx: RunContext, plan: AttemptPlan, key: AttemptKey, actx: AttemptContext): Promise<AttemptRecord> {
  if (ctx.persistFiles) await ctx.storage.put(actx.inputsUri, toBinary(LiteralMapSchema, ctx.inputs));
  return (
    plan.resume ??
    ctx.store.insertAttempt({
      ...key,
      taskName: ctx.task,
      taskType: ctx.template.type,
      taskTypeVersion: ctx.template.taskTypeVersion,
      generatedName: actx.generatedName,
      backend: ctx.backend.name,
      handleVersion: ctx.backend.handleVersion,
      createdAt: ctx.clock.now(),
    })
  );
}

/** The `status-changed` event of a status the executor accepted. */
export function statusChanged(attempt: number, status: TaskStatus): EventPayload {
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
 * Runs (or resumes) one attempt: create — or re-attach to the stored handle — then follow its
 * status until it is terminal, times out, or the run is cancelled. The handle is stored before the
 * first status check. Cancellation deletes the job and throws CancelledError.
 */
export async function runAttempt(ctx: RunContext, plan: AttemptPlan): Promise<AttemptOutcome> {
  const { backend, store, clock, runId, nodeId } = ctx;
  const key: AttemptKey = { runId, nodeId, attempt: plan.attempt };
  const attemptAbort = new AbortController();
  const actx = attemptContext(ctx, plan, attemptAbort.signal);

  const fail = (failure: FailureInfo): AttemptOutcome => recordFailure(ctx, key, failure);
  const cleanup = async (handle: JsonValue): Promise<unknown> => {
    try {
      await backend.delete(handle, actx);
      return undefined;
    } catch (error) {
      ctx.emit({ type: 'cleanup-failed', attempt: plan.attempt, message: error instanceof Error ? error.message : String(error) });
      return error ?? new Error('delete failed');
    }
  };
  const cancel = async (handle: JsonValue | undefined): Promise<never> => {
    const deleteError = handle === undefined ? undefined : await cleanup(handle);
    if (deleteError === undefined) recordEnd(ctx, key, { status: 'aborted' });
    ctx.emit({ type: 'cancelled', attempt: plan.attempt });
    throw deleteError === undefined
      ? new CancelledError(ctx.task)
      : new CancelledError(ctx.task, `job ${actx.generatedName} could not be deleted and may still be running`, { cause: deleteError });
  };

  try {
    checkResumable(ctx, plan);
    let record = plan.resume;
    let handle: JsonValue;
    if (record?.status === 'running' && record.handle !== undefined) {
      handle = record.handle;
      ctx.emit({ type: 'attempt-reattached', attempt: plan.attempt, generatedName: actx.generatedName, backend: backend.name, handle });
    } else {
      record = await beginAttempt(ctx, plan, key, actx);
      let created: unknown;
      try {
        created = await backend.create(actx);
      } catch (error) {
        if (ctx.signal?.aborted === true) return await cancel(undefined);
        return fail(failureFromThrown(error));
      }
      const text = JSON.stringify(created);
      if (text === undefined) {
        return fail({ kind: 'system', retryable: false, code: FAILURE_CODES.invalidHandle, message: `backend ${backend.name} returned a handle that is not JSON` });
      }
      handle = JSON.parse(text) as JsonValue;
      store.updateAttempt(key, { handle, status: 'running' }, clock.now());
      ctx.emit({ type: 'attempt-created', attempt: plan.attempt, generatedName: actx.generatedName, backend: backend.name, interruptible: plan.interruptible, handle });
    }

    const limit = timeoutMs(ctx);
    const outcome = await monitor(ctx, actx, key, handle, limit === undefined ? undefined : record.createdAt + limit);
    switch (outcome.type) {
      case 'cancelled':
        return await cancel(handle);
      case 'fatal':
        await cleanup(handle);
        throw outcome.error;
      case 'timeout':
        await cleanup(handle);
        ctx.emit({ type: 'timed-out', attempt: plan.attempt, timeoutMs: limit ?? 0 });
        return fail(timeoutFailure(plan.attempt, limit ?? 0));
      case 'error':
        // The job may still be running after a failed status check; do not leave it behind.
        await cleanup(handle);
        return fail(outcome.failure);
      case 'unknown-phase':
        await cleanup(handle);
        return fail(unknownPhaseFailure(ctx, outcome.status));
      case 'terminal': {
        const result = await finish(ctx, actx, key, outcome.status);
        if (backend.finalize !== undefined) {
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

export function timeoutFailure(attempt: number, limit: number): FailureInfo {
  return { kind: 'user', retryable: true, code: FAILURE_CODES.taskTimeout, message: `attempt ${attempt} ran longer than the task's timeout of ${limit} ms` };
}

export function unknownPhaseFailure(ctx: RunContext, status: TaskStatus): FailureInfo {
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
export async function finish(ctx: RunContext, actx: AttemptContext, key: AttemptKey, status: TaskStatus): Promise<AttemptOutcome> {
  const fail = (failure: FailureInfo): AttemptOutcome => recordFailure(ctx, key, failure, status.phase);
  switch (classifyPhase(status.phase)) {
    case 'succeeded': {
      let outputs = status.outputs;
      let alreadyStored = false;
      if (outputs === undefined) {
        const outputsUri = joinUri(actx.outputPrefix, 'outputs.pb');
        // In-process backends always return outputs inline; others may leave them in outputs.pb.
        const bytes = ctx.persistFiles ? await ctx.storage.get(outputsUri) : undefined;
        if (bytes !== undefined) {
          alreadyStored = true;
          try {
            outputs = fromBinary(LiteralMapSchema, bytes);
          } catch (error) {
            return fail({ kind: 'system', retryable: true, code: FAILURE_CODES.outputsInvalid, message: `${outputsUri} is not a LiteralMap: ${(error as Error).message}` });
          }
        } else if (declaredOutputs(ctx.template).length === 0) {
          outputs = create(LiteralMapSchema);
        } else {
          return fail({ kind: 'user', retryable: false, code: FAILURE_CODES.outputsNotFound, message: `the task succeeded but wrote no outputs to ${outputsUri}` });
        }
      }
      const mismatch = outputMismatch(ctx.template, outputs);
      if (mismatch !== undefined) return fail({ kind: 'user', retryable: false, code: FAILURE_CODES.outputsInvalid, message: mismatch });
      // Kept beside the attempt so a restarted executor can return them without asking the backend.
      if (!alreadyStored && ctx.persistFiles) await ctx.storage.put(joinUri(actx.outputPrefix, 'outputs.pb'), toBinary(LiteralMapSchema, outputs));
      recordEnd(ctx, key, { status: 'succeeded', phase: status.phase });
      return { ok: true, outputs };
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
      // In-process jobs leave no files behind.
      const errorDoc = ctx.persistFiles ? await ctx.storage.get(joinUri(actx.outputPrefix, 'error.pb')).catch(() => undefined) : undefined;
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

/**
 * Follows an attempt's status through `watch` when the backend has it, else by polling `get` with
 * capped exponential backoff on the injected clock. Settles on the first of: a terminal or unknown
 * phase, a failed status call, the deadline, or cancellation.
 */
function monitor(
  ctx: RunContext,
  actx: AttemptContext,
  key: AttemptKey,
  handle: JsonValue,
  deadline: number | undefined,
): Promise<MonitorOutcome> {
  const { backend, clock, signal } = ctx;
  return new Promise<MonitorOutcome>((resolve) => {
    const stop = new AbortController();
    let settled = false;
    const settle = (outcome: MonitorOutcome): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      stop.abort(ATTEMPT_OVER);
      resolve(outcome);
    };
    const onAbort = (): void => settle({ type: 'cancelled' });
    if (signal?.aborted === true) return settle({ type: 'cancelled' });
    signal?.addEventListener('abort', onAbort, { once: true });

    if (deadline !== undefined) {
      clock.sleep(Math.max(0, deadline - clock.now()), stop.signal).then(
        () => settle({ type: 'timeout' }),
        () => {},
      );
    }

    let lastSeen: string | undefined;
    const onStatus = (status: TaskStatus): void => {
      if (settled) return;
      const phaseClass = classifyPhase(status.phase);
      if (phaseClass === 'unknown') return settle({ type: 'unknown-phase', status });
      const seen = status.logs?.length ? JSON.stringify([status.phase, status.message ?? null, status.logs]) : `${status.phase}\u0000${status.message ?? ''}`;
      if (seen !== lastSeen) {
        lastSeen = seen;
        try {
          ctx.store.updateAttempt(key, { phase: status.phase }, clock.now());
        } catch (error) {
          return settle({ type: 'fatal', error });
        }
        ctx.emit(statusChanged(actx.attempt, status));
      }
      if (phaseClass !== 'live') settle({ type: 'terminal', status });
    };

    if (backend.watch !== undefined) {
      try {
        backend.watch(handle, actx, onStatus, stop.signal);
      } catch (error) {
        settle({ type: 'error', failure: failureFromThrown(error) });
      }
      return;
    }
    const poll = backend.poll ?? DEFAULT_POLL;
    void (async () => {
      let delay = poll.initialMs;
      while (!settled) {
        let status: TaskStatus;
        try {
          status = await backend.get(handle, actx);
        } catch (error) {
          return settle({ type: 'error', failure: failureFromThrown(error) });
        }
        onStatus(status);
        if (settled) return;
        try {
          await clock.sleep(delay, stop.signal);
        } catch {
          return;
        }
        delay = Math.min(delay * poll.multiplier, poll.maxMs);
      }
    })();
  });
}

