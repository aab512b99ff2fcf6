import { CancelledError, TaskTimeoutError } from '../errors.ts';
import type { AttemptContext, TaskStatus } from '../plugin/contract.ts';
import type { AttemptKey } from '../store/state-store.ts';
import {
  ATTEMPT_OVER,
  attemptContext,
  beginAttempt,
  checkResumable,
  finish,
  recordEnd,
  recordFailure,
  statusChanged,
  timeoutFailure,
  timeoutMs,
  unknownPhaseFailure,
  type AttemptOutcome,
  type AttemptPlan,
} from './attempt.ts';
import { FAILURE_CODES, failureFromThrown } from './failure.ts';
import { classifyPhase, phaseName } from './phases.ts';
import type { RunContext } from './run-context.ts';

/**
 * One attempt on a backend with `do` (Flyte's SyncPlugin): the job runs within the call, so there
 * is no handle to store and nothing to watch or poll. The rest is as for create → get/watch
 * attempts: the attempt record (left `creating` until the call returns, so a restarted executor
 * calls `do` again for the same attempt), the timeout — the attempt's signal aborts and the attempt
 * fails as a retryable USER failure — cancellation, events and the output checks.
 */
export async function runSyncAttempt(ctx: RunContext, plan: AttemptPlan): Promise<AttemptOutcome> {
  const { backend } = ctx;
  const key: AttemptKey = { runId: ctx.runId, nodeId: ctx.nodeId, attempt: plan.attempt };
  checkResumable(ctx, plan);
  const abort = new AbortController();
  const actx = attemptContext(ctx, plan, abort.signal);
  const record = await beginAttempt(ctx, plan, key, actx);
  if (isCancelled(ctx)) return cancelled(ctx, key);
  ctx.emit({ type: 'attempt-started', attempt: plan.attempt, generatedName: actx.generatedName, backend: backend.name, interruptible: plan.interruptible });

  const limit = timeoutMs(ctx);
  let status: TaskStatus;
  try {
    status = await callDo(ctx, actx, abort, limit === undefined ? undefined : { deadline: record.createdAt + limit, limit });
  } catch (error) {
    if (isCancelled(ctx)) return cancelled(ctx, key);
    if (abort.signal.aborted) {
      ctx.emit({ type: 'timed-out', attempt: plan.attempt, timeoutMs: limit ?? 0 });
      return recordFailure(ctx, key, timeoutFailure(plan.attempt, limit ?? 0));
    }
    return recordFailure(ctx, key, failureFromThrown(error));
  }

  const phaseClass = classifyPhase(status.phase);
  if (phaseClass === 'unknown') return recordFailure(ctx, key, unknownPhaseFailure(ctx, status));
  ctx.emit(statusChanged(plan.attempt, status));
  if (phaseClass === 'live') {
    return recordFailure(ctx, key, {
      kind: 'system',
      retryable: false,
      code: FAILURE_CODES.notTerminal,
      message: `backend ${backend.name} returned phase ${phaseName(status.phase)} from do, which must return a terminal status`,
    });
  }
  return finish(ctx, actx, key, status);
}

/**
 * Calls the backend's `do`. When the run can be cancelled or the task has a timeout, the attempt's
 * signal aborts on either and the wait ends at once: a job that ignores the signal is left to
 * finish on its own. With neither, nothing can interrupt the call, so nothing is set up.
 */
function callDo(
  ctx: RunContext,
  actx: AttemptContext,
  abort: AbortController,
  timeout: { readonly deadline: number; readonly limit: number } | undefined,
): Promise<TaskStatus> {
  const { signal, clock, backend } = ctx;
  // runAttempts sends only backends with `do` here.
  const work = backend.do!(actx);
  if (signal === undefined && timeout === undefined) return work;

  const interrupted = new Promise<never>((_, reject) => {
    abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
  });
  const onCancel = (): void => abort.abort(signal?.reason);
  signal?.addEventListener('abort', onCancel, { once: true });
  if (signal?.aborted === true) onCancel();
  const timer = timeout === undefined ? undefined : new AbortController();
  if (timeout !== undefined) {
    clock.sleep(Math.max(0, timeout.deadline - clock.now()), timer?.signal).then(
      () => abort.abort(new TaskTimeoutError(ctx.task, timeout.limit, actx.attempt + 1)),
      () => {},
    );
  }
  return Promise.race([work, interrupted]).finally(() => {
    signal?.removeEventListener('abort', onCancel);
    timer?.abort(ATTEMPT_OVER);
  });
}

const isCancelled = (ctx: RunContext): boolean => ctx.signal?.aborted === true;

function cancelled(ctx: RunContext, key: AttemptKey): never {
  recordEnd(ctx, key, { status: 'aborted' });
  ctx.emit({ type: 'cancelled', attempt: key.attempt });
  throw new CancelledError(ctx.task);
}
