import { fromBinary } from '@bufbuild/protobuf';
import { type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import { type FailureInfo, StateConflictError, StateCorruptError, TaskFailedError, TaskTimeoutError } from '../errors.ts';
import { joinUri } from '../storage/object-store.ts';
import { type AttemptRecord, outputsDocument } from '../store/state-store.ts';
import { type AttemptPlan, attemptPrefix, runAttempt, timeoutMs } from './attempt.ts';
import type { Computed } from './cache.ts';
import { FAILURE_CODES } from './failure.ts';
import { outputMismatch } from './outputs.ts';
import { cancellation, type RunContext } from './run-context.ts';

interface Budget {
  userFailures: number;
  systemFailures: number;
}

/**
 * The retry loop. USER failures spend the task's `retries`, SYSTEM failures the executor's
 * `systemRetries`, non-retryable failures end the run. Attempts recorded by an earlier executor
 * for the same run and node count too, and a live one is resumed instead of created again.
 */
export async function runAttempts(ctx: RunContext): Promise<Computed> {
  const prior = ctx.store.listAttempts(ctx.runId, ctx.nodeId);
  for (const record of prior) checkSameTask(ctx, record);

  const budget: Budget = { userFailures: 0, systemFailures: 0 };
  for (const record of prior) if (record.status === 'failed' && record.failure !== undefined) count(budget, record.failure);

  const last = prior.at(-1);
  if (last?.status === 'succeeded') return storedOutputs(ctx, last);
  if (last?.status === 'failed' && last.failure !== undefined && !mayRetry(ctx, budget, last.failure)) {
    throw finalError(ctx, last.failure, last.attempt + 1);
  }
  const resumable = last !== undefined && (last.status === 'creating' || last.status === 'running');
  let attempt = last === undefined ? 0 : resumable ? last.attempt : last.attempt + 1;
  let resume = resumable ? last : undefined;

  for (;;) {
    const plan: AttemptPlan = { attempt, resume, interruptible: interruptible(ctx, budget) };
    const outcome = await runAttempt(ctx, plan);
    resume = undefined;
    if (outcome.ok) return { outputs: outcome.outputs, attempts: attempt + 1 };
    const { failure } = outcome;
    ctx.emit({
      type: 'attempt-failed',
      attempt,
      kind: failure.kind,
      code: failure.code,
      message: failure.message,
      retryable: failure.retryable,
    });
    count(budget, failure);
    if (!mayRetry(ctx, budget, failure)) throw finalError(ctx, failure, attempt + 1);
    const left = retriesLeft(ctx, budget);
    ctx.emit({
      type: 'retry-scheduled',
      nextAttempt: attempt + 1,
      kind: failure.kind,
      userRetriesLeft: left.user,
      systemRetriesLeft: left.system,
      ...(failure.retryAfterMs === undefined ? {} : { afterMs: failure.retryAfterMs }),
    });
    if (failure.retryAfterMs !== undefined && failure.retryAfterMs > 0) await waitBeforeRetry(ctx, failure.retryAfterMs);
    attempt += 1;
  }
}

/** A service asked for a pause before the next attempt (Retry-After); cancellation ends the wait. */
async function waitBeforeRetry(ctx: RunContext, ms: number): Promise<void> {
  try {
    await ctx.clock.sleep(ms, ctx.signal);
  } catch {
    throw cancellation(ctx, undefined, 'while waiting to retry');
  }
}

function count(budget: Budget, failure: FailureInfo): void {
  if (failure.kind === 'user') budget.userFailures += 1;
  else budget.systemFailures += 1;
}

const userRetries = (ctx: RunContext): number => ctx.template.metadata?.retries?.retries ?? 0;

function retriesLeft(ctx: RunContext, budget: Budget): { user: number; system: number } {
  return { user: Math.max(0, userRetries(ctx) - budget.userFailures), system: Math.max(0, ctx.systemRetries - budget.systemFailures) };
}

/** After counting `failure`: its kind's failures may not exceed that kind's retries (Flyte's isEligibleForRetry). */
function mayRetry(ctx: RunContext, budget: Budget, failure: FailureInfo): boolean {
  if (!failure.retryable) return false;
  return failure.kind === 'user' ? budget.userFailures <= userRetries(ctx) : budget.systemFailures <= ctx.systemRetries;
}

/**
 * Interruptible tasks may land on preemptible capacity. Preemption is a SYSTEM failure, so the
 * attempt that a preemption could no longer be retried after — the one that would exhaust the
 * system budget — runs non-interruptible.
 */
function interruptible(ctx: RunContext, budget: Budget): boolean {
  const value = ctx.template.metadata?.interruptibleValue;
  const requested = value?.case === 'interruptible' && value.value;
  return requested === true && budget.systemFailures < ctx.systemRetries;
}

function finalError(ctx: RunContext, failure: FailureInfo, attempts: number): Error {
  ctx.emit({ type: 'failed', kind: failure.kind, code: failure.code, message: failure.message, attempts });
  if (failure.code === FAILURE_CODES.taskTimeout) return new TaskTimeoutError(ctx.task, timeoutMs(ctx) ?? 0, attempts);
  return new TaskFailedError({ task: ctx.task, failure, attempts });
}

function checkSameTask(ctx: RunContext, record: AttemptRecord): void {
  if (record.taskName !== ctx.task || record.taskType !== ctx.template.type || record.taskTypeVersion !== ctx.template.taskTypeVersion) {
    throw new StateConflictError(
      `run '${ctx.runId}' node '${ctx.nodeId}' already ran task '${record.taskName}' (${record.taskType} v${record.taskTypeVersion}), ` +
        `not '${ctx.task}' (${ctx.template.type} v${ctx.template.taskTypeVersion}): use another runId or nodeId`,
    );
  }
}

/** A run that already succeeded (e.g. the executor died before returning) returns its stored outputs. */
async function storedOutputs(ctx: RunContext, record: AttemptRecord): Promise<Computed> {
  const uri = joinUri(attemptPrefix(ctx.stateDir, ctx.runId, ctx.nodeId, record.attempt), 'outputs.pb');
  // The store holds what the executor recorded; outputs.pb, what a backend wrote (or an older tflyte).
  const bytes = ctx.store.getDocument(ctx.runId, ctx.nodeId, outputsDocument(record.attempt)) ?? (await ctx.files.get(uri));
  let outputs: LiteralMap | undefined;
  try {
    outputs = bytes === undefined ? undefined : fromBinary(LiteralMapSchema, bytes);
  } catch {
    outputs = undefined;
  }
  if (outputs === undefined || outputMismatch(ctx.template, outputs) !== undefined) {
    throw new StateCorruptError(
      ctx.store.path,
      `attempt ${record.attempt} of run '${ctx.runId}' node '${ctx.nodeId}' is recorded as succeeded but ${uri} is missing or invalid`,
    );
  }
  return { outputs, attempts: record.attempt + 1 };
}
